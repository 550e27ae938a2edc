namespace SocketIo.Core
{
    /// <summary>A connection's life, as users see it (api.md).</summary>
    public enum ConnectionState
    {
        Connecting,
        Connected,
        Reconnecting,
        /// <summary>Closed for good: no more retries.</summary>
        Disconnected,
    }
}
