using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using SocketIo.Core.SocketIo;

namespace SocketIo.PowerShell.Connections
{
    /// <summary>
    /// One socket.io manager cache per runspace (multiplexing: namespaces of one server share an Engine.IO session).
    /// Per runspace rather than per process: a runspace's connections close with it, and a reconnection or a ping
    /// timeout in one runspace never reaches into another's connections.
    /// </summary>
    internal static class ManagerCaches
    {
        private static readonly ConditionalWeakTable<Runspace, SocketIoManagerCache> Caches = new ConditionalWeakTable<Runspace, SocketIoManagerCache>();
        private static readonly SocketIoManagerCache NoRunspace = new SocketIoManagerCache();

        public static SocketIoManagerCache Current
        {
            get
            {
                var runspace = Runspace.DefaultRunspace;
                return runspace == null ? NoRunspace : Caches.GetValue(runspace, _ => new SocketIoManagerCache());
            }
        }
    }
}
