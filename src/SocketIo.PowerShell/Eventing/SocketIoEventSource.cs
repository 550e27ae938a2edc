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
        private readonly string? _sourceIdentifier;
        private readonly PSObject? _messageData;
        private readonly int _maxTriggerCount;
        private int _raised;

        internal SocketIoEventSource(Connection connection, EventNameFilter filter, PSEventManager? eventManager, int queueLimit,
            string? sourceIdentifier = null, PSObject? messageData = null, int maxTriggerCount = 0)
        {
            Connection = connection;
            _filter = filter;
            _eventManager = eventManager;
            _queueLimit = queueLimit;
            _sourceIdentifier = sourceIdentifier;
            _messageData = messageData;
            _maxTriggerCount = maxTriggerCount;
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
            // -MaxTriggerCount: PowerShell unregisters only after the last -Action ran; an event raised meanwhile
            // would find no subscriber and stay in the event queue as a stray event.
            if (_maxTriggerCount > 0 && Volatile.Read(ref _raised) >= _maxTriggerCount) return false;
            // PowerShell's event queue has no bound: stop feeding it while it holds too many unprocessed events.
            if (_eventManager != null && _eventManager.ReceivedEvents.Count >= _queueLimit)
            {
                dropped = true;
                return false;
            }
            var args = new SocketIoEventArgs(message);
            if (_eventManager != null && _sourceIdentifier != null)
            {
                // PowerShell's own handler (the delegate above) queues each event to the thread pool, which can
                // reorder them. Generating the event on this thread (the connection's dispatcher, one message at a
                // time) keeps the queue in arrival order; the event looks exactly like the handler's would.
                Interlocked.Increment(ref _raised);
                _eventManager.GenerateEvent(_sourceIdentifier, this, new object[] { Connection, args }, _messageData,
                    processInCurrentThread: true, waitForCompletionInCurrentThread: false);
                EventQueueSignal.Set(_eventManager); // wakes Wait-SocketIoEvent, which lets the -Action blocks run
            }
            else
            {
                handler(Connection, args);
            }
            return true;
        }
    }

    public sealed class SocketIoEventArgs : EventArgs
    {
        internal SocketIoEventArgs(SocketIoMessage message) => Message = message;

        public SocketIoMessage Message { get; }
    }
}
