using System;
using System.Collections.Generic;
using System.Net;
using System.Reflection;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;

namespace SocketIo.Core.EngineIo
{
    /// <summary>Which Engine.IO transports a connection may use (socket.io-client's <c>transports</c>).</summary>
    [Flags]
    public enum EngineTransports
    {
        /// <summary>HTTP long-polling only: never upgrades.</summary>
        Polling = 1,
        /// <summary>WebSocket only: the session opens directly on a WebSocket.</summary>
        WebSocket = 2,
        /// <summary>socket.io-client's default: open with long-polling, then upgrade to WebSocket.</summary>
        PollingAndWebSocket = Polling | WebSocket,
    }

    /// <summary>Where and how to open an Engine.IO v4 session. Names follow socket.io-client's options.</summary>
    public sealed class EngineOptions
    {
        private static readonly string CoreVersion =
            typeof(EngineOptions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
            ?? typeof(EngineOptions).Assembly.GetName().Version?.ToString(3)
            ?? "0.0.0";

        private static readonly Uri DefaultServerUri = new Uri("http://localhost/"); // immutable: one for every options object
        private int _webSocketSucceeded;
        private CookieContainer? _cookies;
        // Created on first use, as the cookies: most connections give no certificate.
        private X509Certificate2Collection? _certificateAuthorities;
        private X509Certificate2Collection? _clientCertificates;

        /// <summary>The User-Agent sent when <see cref="UserAgent"/> is not set.</summary>
        public static string DefaultUserAgent { get; } = "SocketIo.Core/" + CoreVersion;

        /// <summary>http, https, ws or wss; only scheme, host and port are used.</summary>
        public Uri ServerUri { get; set; } = DefaultServerUri;

        /// <summary>The server's Engine.IO path (Socket.IO's default: /socket.io/); a trailing slash is added.</summary>
        public string Path { get; set; } = "/socket.io/";

        /// <summary>Extra query parameters sent on every request.</summary>
        public IList<KeyValuePair<string, string>> Query { get; } = new List<KeyValuePair<string, string>>();

        /// <summary>Extra HTTP headers sent on every polling request and with the WebSocket upgrade.</summary>
        public IList<KeyValuePair<string, string>> Headers { get; } = new List<KeyValuePair<string, string>>();

        /// <summary>Cookies kept for the whole life of the connection and shared by polling and WebSocket
        /// (sticky sessions, login sessions).</summary>
        /// <remarks>Created on first use: a container is ~1 KB, and most connections never see a cookie.</remarks>
        public CookieContainer Cookies
        {
            get => LazyInitializer.EnsureInitialized(ref _cookies!);
            set => Volatile.Write(ref _cookies, value);
        }

        /// <summary>The cookie container if anyone used or set it, else null (then it holds no cookie to send).</summary>
        internal CookieContainer? CookiesIfCreated => Volatile.Read(ref _cookies);

        /// <summary>Incoming messages larger than this close the connection instead of growing memory without bound.</summary>
        public int MaxIncomingMessageBytes { get; set; } = 100 * 1024 * 1024;

        /// <summary>Transports the session may use. Default: long-polling first, then the upgrade to WebSocket.</summary>
        public EngineTransports Transports { get; set; } = EngineTransports.PollingAndWebSocket;

        /// <summary>socket.io-client's <c>upgrade</c>: try to move a polling session to WebSocket (default true).</summary>
        public bool Upgrade { get; set; } = true;

        /// <summary>socket.io-client's <c>rememberUpgrade</c>: once a WebSocket worked for this connection, later
        /// sessions (reconnects) open directly on WebSocket; a transport error forgets it again.</summary>
        public bool RememberUpgrade { get; set; }

        /// <summary>True while the last session of this connection got a working WebSocket (socket.io-client's
        /// <c>priorWebsocketSuccess</c>, kept per connection instead of per process).</summary>
        public bool WebSocketSucceeded
        {
            get => Volatile.Read(ref _webSocketSucceeded) != 0;
            internal set => Volatile.Write(ref _webSocketSucceeded, value ? 1 : 0);
        }

        /// <summary>socket.io-client's <c>timestampRequests</c>: null (default) stamps polling requests only;
        /// true stamps WebSocket requests too; false stamps nothing.</summary>
        public bool? TimestampRequests { get; set; }

        /// <summary>socket.io-client's <c>timestampParam</c>: the cache-buster query parameter (default <c>t</c>).</summary>
        public string TimestampParam { get; set; } = "t";

        /// <summary>socket.io-client's <c>forceBase64</c>: asks the server (<c>b64=1</c>) to send binary as base64 text
        /// and sends binary as base64 text too, on WebSocket as well as on polling.</summary>
        public bool ForceBase64 { get; set; }

        /// <summary>The User-Agent header; null sends <see cref="DefaultUserAgent"/>. An explicit User-Agent in
        /// <see cref="Headers"/> wins over both.</summary>
        public string? UserAgent { get; set; }

        /// <summary>False sends every request directly, ignoring the system proxy (like the web cmdlets' -NoProxy).</summary>
        public bool UseProxy { get; set; } = true;

        /// <summary>An explicit proxy (with its credentials). Null uses the system proxy unless <see cref="UseProxy"/> is false.</summary>
        public IWebProxy? Proxy { get; set; }

        /// <summary>Accept any server certificate (expired, self-signed, wrong host). Insecure; for tests and labs.</summary>
        public bool SkipCertificateCheck { get; set; }

        /// <summary>Private trust anchors: when not empty, the server's chain must end at one of these certificates
        /// (instead of the system's roots); the host name and validity are still checked.</summary>
        public X509Certificate2Collection CertificateAuthorities => LazyInitializer.EnsureInitialized(ref _certificateAuthorities!);

        /// <summary>Client certificates offered for TLS client authentication (they need their private key).</summary>
        public X509Certificate2Collection ClientCertificates => LazyInitializer.EnsureInitialized(ref _clientCertificates!);

        /// <summary>True when any certificate authority was given (without creating the collection).</summary>
        internal bool HasCertificateAuthorities => Volatile.Read(ref _certificateAuthorities)?.Count > 0;

        /// <summary>True when any client certificate was given (without creating the collection).</summary>
        internal bool HasClientCertificates => Volatile.Read(ref _clientCertificates)?.Count > 0;

        /// <summary>The transport a new session opens on: "websocket" when only WebSocket is allowed or rememberUpgrade
        /// applies, else "polling".</summary>
        public string FirstTransportName =>
            !Allows(EngineTransports.Polling) || (RememberUpgrade && WebSocketSucceeded && Allows(EngineTransports.WebSocket)) ? "websocket" : "polling";

        /// <summary>Forces one WebSocket client (tests, benchmarks); Auto picks the direct one unless a proxy applies.</summary>
        internal WebSocketImplementation WebSocketImplementation { get; set; }

        internal bool IsSecure => ServerUri.Scheme == "https" || ServerUri.Scheme == "wss";

        internal bool Allows(EngineTransports transport) => (Transports & transport) != 0;

        internal string EffectiveUserAgent => UserAgent ?? DefaultUserAgent;

        public Uri BuildWebSocketUri(string? sid) =>
            BuildUri(IsSecure ? "wss" : "ws", "websocket", sid, timestamp: TimestampRequests == true);

        /// <summary>A polling request's URI: a fresh cache buster each call (unless timestampRequests is false);
        /// <c>b64=1</c> on the handshake when <see cref="ForceBase64"/>, as engine.io-client sends it.</summary>
        public Uri BuildPollingUri(string? sid) =>
            BuildUri(IsSecure ? "https" : "http", "polling", sid, timestamp: TimestampRequests != false);

        public string NormalizedPath()
        {
            var path = string.IsNullOrEmpty(Path) ? "/" : Path;
            if (!path.StartsWith("/", StringComparison.Ordinal)) path = "/" + path;
            return path.EndsWith("/", StringComparison.Ordinal) ? path : path + "/";
        }

        /// <summary>Scheme, host, port and path of the endpoint, without the query (user query values may carry tokens).</summary>
        internal string DescribeEndpoint(string transport) =>
            (transport == "websocket" ? BuildWebSocketUri(null) : BuildPollingUri(null)).GetLeftPart(UriPartial.Path);

        [ThreadStatic] private static StringBuilder? _uriText;

        /// <summary>The URI as one string parsed once. A plain host and path (the usual case) are written as they are;
        /// anything else goes through UriBuilder, which escapes the path and brackets IPv6 hosts (at ~1 KB of garbage
        /// per URI, which every connect would pay).</summary>
        private Uri BuildUri(string scheme, string transport, string? sid, bool timestamp)
        {
            var host = ServerUri.Host;
            var path = NormalizedPath();
            var text = _uriText ??= new StringBuilder(256);
            text.Clear();
            bool plain = IsPlainHost(host) && IsPlainPath(path);
            if (plain) text.Append(scheme).Append("://").Append(host).Append(':').Append(ServerUri.Port).Append(path).Append('?');
            AppendQuery(text, transport, sid, timestamp, ForceBase64);
            var built = plain ? new Uri(text.ToString()) : new UriBuilder(scheme, host, ServerUri.Port, path, "?" + text).Uri;
            if (text.Capacity > 4096) _uriText = null; // a huge query is not kept for the thread's lifetime
            return built;
        }

        internal static bool IsPlainHost(string host)
        {
            foreach (char c in host)
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) return false;
            return host.Length > 0;
        }

        /// <summary>Only characters a URI path carries unescaped (RFC 3986 unreserved, sub-delims, ':', '@', '/').</summary>
        private static bool IsPlainPath(string path)
        {
            foreach (char c in path)
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~!$&'()*+,;=:@/".IndexOf(c) >= 0)) return false;
            return true;
        }

        private void AppendQuery(StringBuilder query, string transport, string? sid, bool timestamp, bool base64)
        {
            query.Append("EIO=4&transport=").Append(transport);
            if (sid != null) query.Append("&sid=").Append(Uri.EscapeDataString(sid));
            foreach (var pair in Query)
                query.Append('&').Append(Uri.EscapeDataString(pair.Key)).Append('=').Append(Uri.EscapeDataString(pair.Value));
            if (timestamp && !string.IsNullOrEmpty(TimestampParam))
                query.Append('&').Append(Uri.EscapeDataString(TimestampParam)).Append('=').Append(CacheBuster.Next());
            if (base64) query.Append("&b64=1");
        }
    }

    /// <summary>engine.io-client's cache buster: short, distinct per request.</summary>
    internal static class CacheBuster
    {
        private static long _counter;

        public static string Next()
        {
            long ticks = DateTime.UtcNow.Ticks / TimeSpan.TicksPerMillisecond;
            long n = Interlocked.Increment(ref _counter);
            return ToBase36(ticks) + "." + ToBase36(n);
        }

        private static string ToBase36(long value)
        {
            const string digits = "0123456789abcdefghijklmnopqrstuvwxyz";
            if (value == 0) return "0";
            var chars = new char[16];
            int i = chars.Length;
            for (; value > 0; value /= 36) chars[--i] = digits[(int)(value % 36)];
            return new string(chars, i, chars.Length - i);
        }
    }
}
