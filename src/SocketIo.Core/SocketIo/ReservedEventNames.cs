using System;

namespace SocketIo.Core.SocketIo
{
    /// <summary>Names the socket.io client uses for itself: never emitted, and a server that sends them breaks the protocol.</summary>
    public static class ReservedEventNames
    {
        private static readonly string[] Names = { "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener" };

        public static bool Contains(string name) => Array.IndexOf(Names, name) >= 0;
    }
}
