using System;
using System.Management.Automation;
using System.Threading;
using SocketIo.PowerShell.Eventing;

namespace SocketIo
{
    /// <summary>What Register-SocketIoEvent subscribes to: a plain .NET event PowerShell's event manager queues.</summary>
    public sealed class SocketIoEventSource
    {
        private readonly EventNameFilter _filter;
        private readonly PSEventManager? _eventManager;
        private readonly int _queueLimit;

        internal SocketIoEventSource(Connection connection, EventNameFilter filter, PSEventManager? eventManager, int queueLimit)
        {
            Connection = connection;
            _filter = filter;
            _eventManager = eventManager;
            _queueLimit = queueLimit;
        }

        public Connection Connection { get; }

        public string EventName => _filter.Text;

        private EventHandler<SocketIoEventArgs>? _received;
        private bool _everSubscribed;

        /// <summary>Raised on the connection's dispatcher; PowerShell only queues it there, scripts run on the pipeline thread.</summary>
        public event EventHandler<SocketIoEventArgs>? Received
        {
            add { lock (this) { _received += value; _everSubscribed = true; } }
            remove { lock (this) _received -= value; }
        }

        /// <summary>Unregistered: it had a subscriber and has none any more.</summary>
        internal bool IsRetired { get { lock (this) return _everSubscribed && _received == null; } }

        /// <returns>true when raised; false when filtered out or dropped because the event queue is full.</returns>
        internal bool Raise(SocketIoMessage message, out bool dropped)
        {
            dropped = false;
            var handler = Volatile.Read(ref _received);
            if (handler == null || !_filter.Matches(message)) return false;
            // PowerShell's event queue has no bound: stop feeding it while it holds too many unprocessed events.
            if (_eventManager != null && _eventManager.ReceivedEvents.Count >= _queueLimit)
            {
                dropped = true;
                return false;
            }
            handler(Connection, new SocketIoEventArgs(message));
            return true;
        }
    }

    public sealed class SocketIoEventArgs : EventArgs
    {
        internal SocketIoEventArgs(SocketIoMessage message) => Message = message;

        public SocketIoMessage Message { get; }
    }
}
