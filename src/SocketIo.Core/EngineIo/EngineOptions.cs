using System;
using System.Collections.Generic;
using System.Net;
using System.Text;

namespace SocketIo.Core.EngineIo
{
    /// <summary>Where and how to open an Engine.IO v4 session.</summary>
    public sealed class EngineOptions
    {
        /// <summary>http, https, ws or wss; only scheme, host and port are used.</summary>
        public Uri ServerUri { get; set; } = new Uri("http://localhost/");

        /// <summary>The server's Engine.IO path (Socket.IO's default: /socket.io/); a trailing slash is added.</summary>
        public string Path { get; set; } = "/socket.io/";

        /// <summary>Extra query parameters sent on every request.</summary>
        public IList<KeyValuePair<string, string>> Query { get; } = new List<KeyValuePair<string, string>>();

        /// <summary>Extra HTTP headers sent with the WebSocket upgrade (and polling requests).</summary>
        public IList<KeyValuePair<string, string>> Headers { get; } = new List<KeyValuePair<string, string>>();

        /// <summary>Cookies kept for the whole life of the connection (sticky sessions, login sessions).</summary>
        public CookieContainer Cookies { get; set; } = new CookieContainer();

        /// <summary>Incoming messages larger than this close the connection instead of growing memory without bound.</summary>
        public int MaxIncomingMessageBytes { get; set; } = 100 * 1024 * 1024;

        public Uri BuildWebSocketUri(string? sid)
        {
            var scheme = ServerUri.Scheme == "https" || ServerUri.Scheme == "wss" ? "wss" : "ws";
            var query = new StringBuilder("EIO=4&transport=websocket");
            if (sid != null) query.Append("&sid=").Append(Uri.EscapeDataString(sid));
            foreach (var pair in Query)
                query.Append('&').Append(Uri.EscapeDataString(pair.Key)).Append('=').Append(Uri.EscapeDataString(pair.Value));
            var builder = new UriBuilder(scheme, ServerUri.Host, ServerUri.Port, NormalizedPath(), "?" + query);
            return builder.Uri;
        }

        public string NormalizedPath()
        {
            var path = string.IsNullOrEmpty(Path) ? "/" : Path;
            if (!path.StartsWith("/", StringComparison.Ordinal)) path = "/" + path;
            return path.EndsWith("/", StringComparison.Ordinal) ? path : path + "/";
        }
    }
}
