using System;
using System.Globalization;
using System.Security.Cryptography;

namespace SocketIo.Core.SockJs
{
    /// <summary>Session URLs: <c>{endpoint}/{server}/{session}/{transport}</c>, with fresh random ids per attempt.</summary>
    internal static class SockJsUrls
    {
        /// <summary>Three digits, as sockjs-client picks; servers ignore it (load balancers may route on it).</summary>
        public static string NewServerId() => RandomNumber(1000).ToString("000", CultureInfo.InvariantCulture);

        /// <summary>A random token without '.' or '/' (the router's <c>[^/.]+</c>).</summary>
        public static string NewSessionId() => Guid.NewGuid().ToString("N");

        public static Uri Http(Uri endpoint, string server, string session, string transport) =>
            Build(endpoint, IsSecure(endpoint) ? "https" : "http", server, session, transport);

        public static Uri WebSocket(Uri endpoint, string server, string session) =>
            Build(endpoint, IsSecure(endpoint) ? "wss" : "ws", server, session, "websocket");

        /// <summary>The endpoint for messages: scheme, host, port and path; never user info or query.</summary>
        public static string Describe(Uri endpoint) =>
            endpoint.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);

        private static bool IsSecure(Uri endpoint) => endpoint.Scheme == "https" || endpoint.Scheme == "wss";

        private static Uri Build(Uri endpoint, string scheme, string server, string session, string transport)
        {
            var path = endpoint.AbsolutePath.TrimEnd('/') + "/" + server + "/" + session + "/" + transport;
            return new UriBuilder(scheme, endpoint.Host, endpoint.Port, path).Uri;
        }

        private static int RandomNumber(int exclusiveMax)
        {
            var bytes = new byte[4];
            using (var random = RandomNumberGenerator.Create()) random.GetBytes(bytes);
            return (int)(BitConverter.ToUInt32(bytes, 0) % (uint)exclusiveMax);
        }
    }
}
