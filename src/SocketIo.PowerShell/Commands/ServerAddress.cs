using System;
using System.Collections.Generic;
using System.Net;

namespace SocketIo.PowerShell.Commands
{
    /// <summary>
    /// A user's server address checked and split: http/https/ws/wss only; the path must be empty (the namespace and
    /// the Socket.IO path have their own parameters); the query goes to Engine.IO; credentials in the URI are refused.
    /// </summary>
    internal sealed class ServerAddress
    {
        private ServerAddress(string? error, Uri display, List<KeyValuePair<string, string>> query)
        {
            Error = error;
            Display = display;
            Query = query;
        }

        /// <summary>Why the address cannot be used, or null.</summary>
        public string? Error { get; }

        /// <summary>scheme://host:port/ — safe to show.</summary>
        public Uri Display { get; }

        public List<KeyValuePair<string, string>> Query { get; }

        public bool IsEncrypted => Display.Scheme == "https" || Display.Scheme == "wss";

        public bool IsLoopback =>
            Display.IsLoopback || (IPAddress.TryParse(Display.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

        /// <param name="allowPath">OctoPrint may live under a sub-path (a reverse proxy); Socket.IO servers use -Path.</param>
        public static ServerAddress Parse(string text, bool allowPath = false)
        {
            var query = new List<KeyValuePair<string, string>>();
            var none = new Uri("http://invalid/");
            if (!System.Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
                return new ServerAddress("it is not an absolute URI such as http://host:3000.", none, query);
            var scheme = uri.Scheme.ToLowerInvariant();
            if (scheme != "http" && scheme != "https" && scheme != "ws" && scheme != "wss")
                return new ServerAddress($"the scheme '{uri.Scheme}' is not supported; use http, https, ws or wss.", none, query);
            if (!string.IsNullOrEmpty(uri.UserInfo))
                return new ServerAddress("credentials in the URI are not supported; pass them with -Auth or -Headers.", none, query);
            if (!allowPath && uri.AbsolutePath != "/")
                return new ServerAddress($"the path '{uri.AbsolutePath}' would be ignored; pass the namespace with -Namespace and the server's Socket.IO path with -Path.", none, query);

            foreach (var part in uri.Query.TrimStart('?').Split(new[] { '&' }, StringSplitOptions.RemoveEmptyEntries))
            {
                int equals = part.IndexOf('=');
                var key = Uri.UnescapeDataString(equals < 0 ? part : part.Substring(0, equals));
                var value = equals < 0 ? string.Empty : Uri.UnescapeDataString(part.Substring(equals + 1));
                query.Add(new KeyValuePair<string, string>(key, value));
            }
            var display = new UriBuilder(scheme, uri.Host, uri.Port, allowPath ? uri.AbsolutePath : "/").Uri;
            return new ServerAddress(null, display, query);
        }
    }
}
