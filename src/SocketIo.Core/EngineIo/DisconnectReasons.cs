namespace SocketIo.Core.EngineIo
{
    /// <summary>The reasons socket.io-client gives for a disconnect, word for word.</summary>
    public static class DisconnectReasons
    {
        public const string IoServerDisconnect = "io server disconnect";
        public const string IoClientDisconnect = "io client disconnect";
        public const string PingTimeout = "ping timeout";
        public const string TransportClose = "transport close";
        public const string TransportError = "transport error";
        public const string ParseError = "parse error";
    }
}
