using System;

namespace SocketIo.Core
{
    /// <summary>The TLS handshake failed: the server's certificate was not trusted (or the server refused ours).
    /// The PowerShell layer reports it as <c>SocketIoCertificateError</c>.</summary>
    public sealed class SocketIoCertificateException : SocketIoException
    {
        public SocketIoCertificateException(string message, Exception? inner = null) : base(message, inner) { }
    }
}
