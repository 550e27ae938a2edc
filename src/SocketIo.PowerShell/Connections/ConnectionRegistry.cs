using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;

namespace SocketIo.PowerShell.Connections
{
    /// <summary>
    /// This runspace's connections (Get-SocketIoConnection). When the runspace closes, or the module is removed, its
    /// connections are closed without waiting, so nothing delays exit.
    /// </summary>
    internal sealed class ConnectionRegistry
    {
        private static readonly ConditionalWeakTable<Runspace, ConnectionRegistry> Registries = new ConditionalWeakTable<Runspace, ConnectionRegistry>();
        private readonly List<Connection> _connections = new List<Connection>();

        private ConnectionRegistry(Runspace runspace)
        {
            runspace.StateChanged += (sender, e) =>
            {
                var state = e.RunspaceStateInfo.State;
                if (state == RunspaceState.Closing || state == RunspaceState.Closed || state == RunspaceState.Broken) CloseAll();
            };
        }

        public static ConnectionRegistry Current => For(Runspace.DefaultRunspace);

        public static ConnectionRegistry For(Runspace runspace) => Registries.GetValue(runspace, r => new ConnectionRegistry(r));

        public void Add(Connection connection)
        {
            lock (_connections) _connections.Add(connection);
        }

        public void Remove(Connection connection)
        {
            lock (_connections) _connections.Remove(connection);
        }

        public IReadOnlyList<Connection> All()
        {
            lock (_connections) return _connections.OrderBy(c => c.Id).ToList();
        }

        /// <summary>Starts closing every connection and forgets them; does not wait for the servers.</summary>
        public void CloseAll()
        {
            List<Connection> connections;
            lock (_connections)
            {
                connections = _connections.ToList();
                _connections.Clear();
            }
            foreach (var connection in connections)
                _ = connection.DisconnectAsync().ContinueWith(t => _ = t.Exception, System.Threading.Tasks.TaskScheduler.Default);
        }
    }
}
