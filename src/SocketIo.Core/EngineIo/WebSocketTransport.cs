using System;
using System.Net;
using SocketIo.Core.EngineIo.Tls;
using SocketIo.Core.EngineIo.WebSockets;

namespace SocketIo.Core.EngineIo
{
    /// <summary>Which WebSocket client carries the Engine.IO "websocket" transport.</summary>
    internal enum WebSocketImplementation
    {
        /// <summary>The direct client unless a proxy applies (then ClientWebSocket, which speaks to proxies).</summary>
        Auto,
        ClientWebSocket,
        Direct,
    }

    /// <summary>
    /// The Engine.IO "websocket" transport: one Engine.IO packet per WebSocket message. Two implementations: our own
    /// RFC 6455 client (<see cref="DirectWebSocketTransport"/>: batched writes, no Task per message, small idle
    /// footprint) and System.Net.WebSockets.ClientWebSocket (<see cref="ClientWebSocketTransport"/>), kept for proxies
    /// (CONNECT tunnels, proxy authentication) that the direct client does not speak.
    /// </summary>
    internal abstract class WebSocketTransport : EngineTransport
    {
        /// <summary>SOCKETIO_WEBSOCKET=clientwebsocket|direct forces one implementation (benchmarks, diagnosis); read once.</summary>
        private static readonly WebSocketImplementation FromEnvironment = ReadEnvironment();

        public override string Name => WebSocketName;

        public static WebSocketTransport Create(EngineOptions options, CertificateValidator validator) =>
            UsesDirectClient(options)
                ? new DirectWebSocketTransport(options, validator)
                : (WebSocketTransport)new ClientWebSocketTransport(options, validator);

        /// <summary>True when no proxy applies to the server (or the direct client is forced).</summary>
        internal static bool UsesDirectClient(EngineOptions options)
        {
            var forced = options.WebSocketImplementation != WebSocketImplementation.Auto ? options.WebSocketImplementation : FromEnvironment;
            if (forced != WebSocketImplementation.Auto) return forced == WebSocketImplementation.Direct;
            if (!options.UseProxy) return true;
            if (options.Proxy != null) return false;
            IWebProxy? system;
            try { system = WebRequest.DefaultWebProxy; }
            catch (Exception e) when (e is InvalidOperationException || e is NotSupportedException) { return false; }
            if (system == null) return true;
            // Proxies are configured for http(s); a WebSocket to the same host and port goes where its http(s) twin would.
            var target = HttpTwin(options);
            try
            {
                if (system.IsBypassed(target)) return true;
                var proxy = system.GetProxy(target);
                return proxy == null || proxy == target;
            }
            catch (Exception e) when (e is InvalidOperationException || e is NotSupportedException || e is ArgumentException)
            {
                return false;
            }
        }

        /// <summary>The http(s) URI of the server's host and port. A plain host is written out and parsed once:
        /// UriBuilder (which brackets IPv6 hosts) costs ~1 KB of garbage, and every connect asks.</summary>
        private static Uri HttpTwin(EngineOptions options)
        {
            string scheme = options.IsSecure ? "https" : "http", host = options.ServerUri.Host;
            int port = options.ServerUri.Port;
            return EngineOptions.IsPlainHost(host)
                ? new Uri(scheme + "://" + host + ":" + port.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/")
                : new UriBuilder(scheme, host, port).Uri;
        }

        internal static string Cause(Exception e)
        {
            var inner = e.InnerException;
            while (inner?.InnerException != null && inner.Message == e.Message) inner = inner.InnerException;
            return inner != null && inner.Message != e.Message ? $"{e.Message} ({inner.Message})" : e.Message;
        }

        private static WebSocketImplementation ReadEnvironment()
        {
            var value = Environment.GetEnvironmentVariable("SOCKETIO_WEBSOCKET");
            if (string.Equals(value, "clientwebsocket", StringComparison.OrdinalIgnoreCase)) return WebSocketImplementation.ClientWebSocket;
            if (string.Equals(value, "direct", StringComparison.OrdinalIgnoreCase)) return WebSocketImplementation.Direct;
            return WebSocketImplementation.Auto;
        }
    }
}
