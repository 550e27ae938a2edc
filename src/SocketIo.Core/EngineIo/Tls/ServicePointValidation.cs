using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace SocketIo.Core.EngineIo.Tls
{
    /// <summary>
    /// .NET Framework only: its ClientWebSocket validates server certificates solely through the process-wide
    /// <see cref="ServicePointManager.ServerCertificateValidationCallback"/>. This installs one chaining callback that
    /// applies a connection's policy only to requests for that connection's exact WebSocket URI, and only while the
    /// connection is opening (the TLS handshake happens then). Any other request gets exactly what it got before:
    /// the previously installed callback, or the platform's verdict. When several registrations match one request,
    /// all of them must accept it, so a lenient connection never weakens a strict one.
    /// </summary>
    internal static class ServicePointValidation
    {
        private static readonly object Gate = new object();
        private static readonly List<Registration> Active = new List<Registration>();
        private static RemoteCertificateValidationCallback? _previous;
        private static bool _installed;

        public static IDisposable Register(Uri requestUri, CertificateValidator validator)
        {
            var registration = new Registration(requestUri, validator);
            lock (Gate)
            {
                if (!_installed || !IsOurs(ServicePointManager.ServerCertificateValidationCallback))
                {
                    _previous = ServicePointManager.ServerCertificateValidationCallback;
                    ServicePointManager.ServerCertificateValidationCallback = Validate;
                    _installed = true;
                }
                Active.Add(registration);
            }
            return registration;
        }

        /// <summary>The process-wide callback.</summary>
        internal static bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
            Decide((sender as WebRequest)?.RequestUri, certificate, chain, errors, sender);

        /// <summary>The decision for a request to <paramref name="requestUri"/> (null when the sender is not a web request).</summary>
        internal static bool Decide(Uri? requestUri, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, object? sender = null)
        {
            List<CertificateValidator> matching;
            RemoteCertificateValidationCallback? previous;
            lock (Gate)
            {
                matching = new List<CertificateValidator>();
                if (requestUri != null)
                    foreach (var registration in Active)
                        if (SameEndpoint(registration.Uri, requestUri)) matching.Add(registration.Validator);
                previous = _previous;
            }
            if (matching.Count == 0)
                return previous != null ? previous(sender ?? requestUri!, certificate, chain, errors) : errors == SslPolicyErrors.None;
            foreach (var validator in matching)
                if (!validator.Validate(certificate, chain, errors)) return false;
            return true;
        }

        internal static int ActiveCount
        {
            get { lock (Gate) return Active.Count; }
        }

        /// <summary>ws/http and wss/https are the same endpoint (the WebSocket handshake is an HTTP request).</summary>
        internal static bool SameEndpoint(Uri registered, Uri request) =>
            IsSecure(registered) == IsSecure(request)
            && string.Equals(registered.IdnHost, request.IdnHost, StringComparison.OrdinalIgnoreCase)
            && registered.Port == request.Port
            && string.Equals(registered.PathAndQuery, request.PathAndQuery, StringComparison.Ordinal);

        private static bool IsSecure(Uri uri) => uri.Scheme == "https" || uri.Scheme == "wss";

        private static bool IsOurs(RemoteCertificateValidationCallback? callback)
        {
            if (callback == null) return false;
            foreach (var d in callback.GetInvocationList())
                if (d.Method.DeclaringType == typeof(ServicePointValidation)) return true;
            return false;
        }

        private sealed class Registration : IDisposable
        {
            public Registration(Uri uri, CertificateValidator validator)
            {
                Uri = uri;
                Validator = validator;
            }

            public Uri Uri { get; }
            public CertificateValidator Validator { get; }

            public void Dispose()
            {
                lock (Gate) Active.Remove(this);
            }
        }
    }
}
