using System;

namespace SocketIo.Core.SocketIo
{
    /// <summary>Names the socket.io client uses for itself: never emitted, and a server that sends them breaks the protocol.</summary>
    public static class ReservedEventNames
    {
        private static readonly string[] Names = { "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener" };

        public static bool Contains(string name)
        {
            // Checked for every incoming event: a plain loop, not Array.IndexOf's generic comparer path.
            foreach (var reserved in Names)
                if (string.Equals(reserved, name, StringComparison.Ordinal)) return true;
            return false;
        }
    }
}
