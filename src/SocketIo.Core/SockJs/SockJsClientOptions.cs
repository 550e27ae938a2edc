using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Http;

namespace SocketIo.Core.SockJs
{
    /// <summary>Where and how to open one SockJS session.</summary>
    public sealed class SockJsClientOptions
    {
        /// <summary>The SockJS endpoint (http, https, ws or wss), e.g. <c>http://octopi.local/sockjs</c>.</summary>
        public Uri ServerUri { get; set; } = new Uri("http://localhost/sockjs");

        public SockJsTransport Transport { get; set; } = SockJsTransport.Auto;

        /// <summary>Extra HTTP headers on every request: the WebSocket upgrade, xhr receives and xhr_send.</summary>
        public IList<KeyValuePair<string, string>> Headers { get; } = new List<KeyValuePair<string, string>>();

        /// <summary>Cookies shared by every request (also given to the WebSocket upgrade).</summary>
        public CookieContainer Cookies { get; set; } = new CookieContainer();

        /// <summary>
        /// Used for the xhr transports; not disposed by the client. It must use <see cref="Cookies"/> and have an
        /// infinite <see cref="HttpClient.Timeout"/> (streaming responses stay open). When null, the client makes
        /// its own on first use and disposes it with itself.
        /// </summary>
        public HttpClient? HttpClient { get; set; }

        /// <summary>How long one transport may take to deliver the <c>o</c> frame before the next one is tried.</summary>
        public TimeSpan TransportTimeout { get; set; } = TimeSpan.FromSeconds(10);

        /// <summary>No frame at all for this long closes the session with 1006 (servers send <c>h</c> every 25 s).</summary>
        public TimeSpan HeartbeatTimeout { get; set; } = TimeSpan.FromSeconds(60);

        /// <summary>Larger frames close the session instead of growing memory without bound.</summary>
        public int MaxIncomingFrameBytes { get; set; } = 100 * 1024 * 1024;
    }
}
