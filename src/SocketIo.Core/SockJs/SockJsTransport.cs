namespace SocketIo.Core.SockJs
{
    /// <summary>Which SockJS transport to use. <see cref="Auto"/> tries them in sockjs-client's order.</summary>
    public enum SockJsTransport
    {
        /// <summary>WebSocket, then xhr-streaming, then xhr-polling.</summary>
        Auto,
        WebSocket,
        XhrStreaming,
        XhrPolling,
    }
}
