using System;
using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Net.WebSockets;
using System.Reflection;
using System.Security.Authentication;
using System.Threading;

namespace SocketIo.Core.EngineIo.Tls
{
    /// <summary>
    /// Applies one connection's proxy, cookie and TLS settings to the HTTP client (polling) and to ClientWebSocket,
    /// and recognises certificate failures in what they throw.
    /// </summary>
    internal static class TransportSecurity
    {
        // netstandard2.0 lacks ClientWebSocketOptions.RemoteCertificateValidationCallback; .NET Core 2.1+ has it.
        private static readonly PropertyInfo? WebSocketValidationProperty =
            typeof(ClientWebSocketOptions).GetProperty("RemoteCertificateValidationCallback", typeof(RemoteCertificateValidationCallback));

        /// <summary>True when ClientWebSocket takes a per-socket validation callback (.NET Core / .NET 5+).</summary>
        internal static bool HasPerSocketValidation => WebSocketValidationProperty != null;

        /// <summary>One HttpClient per Engine.IO session: cookies shared with the WebSocket, proxy, TLS, no timeout
        /// (a long poll lasts up to pingInterval; the heartbeat watchdog bounds it).</summary>
        public static HttpClient CreateHttpClient(EngineOptions options, CertificateValidator validator)
        {
            var handler = new HttpClientHandler
            {
                CookieContainer = options.Cookies,
                UseCookies = true,
                UseProxy = options.UseProxy,
                AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
            };
            try
            {
                if (options.UseProxy && options.Proxy != null) handler.Proxy = options.Proxy;
                // A long poll holds one connection and a POST another; .NET Framework's default limit is 2 per host
                // for the whole process, which a second session to the same server would exhaust.
                try { handler.MaxConnectionsPerServer = 16; }
                catch (PlatformNotSupportedException) { }
                if (options.HasClientCertificates)
                {
                    handler.ClientCertificateOptions = ClientCertificateOption.Manual;
                    handler.ClientCertificates.AddRange(options.ClientCertificates);
                }
                if (!validator.IsPlatformDefault)
                {
                    try
                    {
                        handler.ServerCertificateCustomValidationCallback = (request, certificate, chain, errors) => validator.Validate(certificate, chain, errors);
                    }
                    catch (PlatformNotSupportedException e)
                    {
                        throw new SocketIoCertificateException(
                            "This .NET runtime cannot validate certificates per connection for HTTP long-polling (it needs .NET Framework 4.7.1 or later); use the WebSocket transport.", e);
                    }
                }
            }
            catch
            {
                handler.Dispose();
                throw;
            }
            return new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        }

        /// <summary>Sets cookies, headers, proxy and TLS on a ClientWebSocket about to connect to <paramref name="uri"/>.
        /// Returns a registration to dispose once the connect finished (only on .NET Framework), else null.</summary>
        public static IDisposable? Configure(ClientWebSocketOptions socketOptions, EngineOptions options, CertificateValidator validator, Uri uri)
        {
            socketOptions.KeepAliveInterval = TimeSpan.Zero; // Engine.IO has its own heartbeat
            socketOptions.Cookies = options.Cookies;
            bool userAgentGiven = false;
            foreach (var header in options.Headers)
            {
                userAgentGiven |= string.Equals(header.Key, "User-Agent", StringComparison.OrdinalIgnoreCase);
                try
                {
                    socketOptions.SetRequestHeader(header.Key, header.Value);
                }
                catch (ArgumentException e)
                {
                    // .NET Framework refuses "restricted" headers (User-Agent, Referer, ...) on a WebSocket request.
                    throw new SocketIoConnectFailedException($"The header '{header.Key}' cannot be sent with a WebSocket request on this .NET runtime: {e.Message}", e);
                }
            }
            if (!userAgentGiven)
            {
                try { socketOptions.SetRequestHeader("User-Agent", options.EffectiveUserAgent); }
                catch (ArgumentException) { /* .NET Framework treats User-Agent as restricted on ClientWebSocket */ }
            }
            if (!options.UseProxy) socketOptions.Proxy = null;
            else if (options.Proxy != null) socketOptions.Proxy = options.Proxy;
            // else: the runtime's default, which is the system proxy (as for HttpClient)
            if (options.HasClientCertificates) socketOptions.ClientCertificates.AddRange(options.ClientCertificates);

            if (validator.IsPlatformDefault || !IsSecure(uri)) return null;
            if (WebSocketValidationProperty != null)
            {
                RemoteCertificateValidationCallback callback = (sender, certificate, chain, errors) => validator.Validate(certificate, chain, errors);
                WebSocketValidationProperty.SetValue(socketOptions, callback);
                return null;
            }
            return ServicePointValidation.Register(uri, validator);
        }

        /// <summary>A TLS failure somewhere in <paramref name="error"/>'s causes, described for the user; else null.</summary>
        public static SocketIoCertificateException? AsCertificateFailure(Exception error, CertificateValidator validator, string endpoint)
        {
            for (var e = error; e != null; e = e.InnerException)
            {
                bool tls = e is AuthenticationException
                    || (e is WebException web && (web.Status == WebExceptionStatus.TrustFailure || web.Status == WebExceptionStatus.SecureChannelFailure));
                if (!tls) continue;
                var why = validator.LastFailure ?? e.Message;
                return new SocketIoCertificateException($"The TLS connection to {endpoint} failed: {why}", error);
            }
            return null;
        }

        private static bool IsSecure(Uri uri) => uri.Scheme == "https" || uri.Scheme == "wss";
    }
}
