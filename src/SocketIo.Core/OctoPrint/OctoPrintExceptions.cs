namespace SocketIo.Core.OctoPrint
{
    /// <summary>
    /// OctoPrint did not log us in: the API key or the user name/password was refused (HTTP 401/403), logins are
    /// rate-limited (429), the login came back anonymous (no session), or the push socket's auth was refused.
    /// The message never contains the key, the password or a session token.
    /// </summary>
    public sealed class OctoPrintLoginFailedException : SocketIoException
    {
        public OctoPrintLoginFailedException(string message, int? statusCode = null) : base(message) => StatusCode = statusCode;

        /// <summary>The HTTP status of the login response, when there was one.</summary>
        public int? StatusCode { get; }
    }

    /// <summary>An OctoPrint REST call answered with an unexpected HTTP status (or an unreadable body).</summary>
    public sealed class OctoPrintRequestFailedException : SocketIoException
    {
        public OctoPrintRequestFailedException(int statusCode, string serverMessage, string? request = null)
            : base($"OctoPrint answered {request ?? "the request"} with HTTP {statusCode}: {serverMessage}")
        {
            StatusCode = statusCode;
            ServerMessage = serverMessage;
        }

        public int StatusCode { get; }

        /// <summary>OctoPrint's own message (its <c>error</c> field, or the status text).</summary>
        public string ServerMessage { get; }
    }
}
