using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core;
using SocketIo.PowerShell.Eventing;

namespace SocketIo
{
    /// <summary>
    /// What every connection has, whatever it speaks (api.md, "Connections"). Messages go to the mailbox
    /// (Receive-SocketIoEvent) and to each Register-SocketIoEvent subscription.
    /// </summary>
    public abstract class Connection
    {
        private static int _lastId;
        private static long _lastSequence;
        private readonly object _sourcesLock = new object();
        private SocketIoEventSource[] _sources = Array.Empty<SocketIoEventSource>();
        private long _eventsDropped;

        protected Connection(string name, Uri uri, int receiveBufferSize)
        {
            Id = Interlocked.Increment(ref _lastId);
            Name = name;
            Uri = uri;
            Mailbox = new Mailbox(receiveBufferSize);
        }

        /// <summary>Increasing per session, never reused.</summary>
        public int Id { get; }
        public string Name { get; }
        /// <summary>The server's address, without query or credentials.</summary>
        public Uri Uri { get; }
        public abstract ConnectionState State { get; }
        public abstract string Transport { get; }
        public abstract DateTime? ConnectedAt { get; }
        public abstract long EventsReceived { get; }
        public abstract long EventsSent { get; }
        /// <summary>Messages dropped from the full mailbox before anyone read them.</summary>
        public long UnreadDropped => Mailbox.Dropped;
        /// <summary>Messages in the mailbox, not read yet.</summary>
        public int Unread => Mailbox.Count;
        /// <summary>Events not raised into PowerShell's event queue because it held too many unprocessed ones.</summary>
        public long EventsDropped => Interlocked.Read(ref _eventsDropped);
        /// <summary>Everything this connection dropped or discarded, whatever the cause (the sum of the *Dropped and
        /// *Discarded counters), so the default table shows at a glance that something was lost.</summary>
        public virtual long Dropped => UnreadDropped + EventsDropped;
        public virtual int Reconnects => 0;
        /// <summary>Why the connection ended (socket.io-client's words), while it is not connected.</summary>
        public abstract string? DisconnectReason { get; }

        internal Mailbox Mailbox { get; }

        /// <summary>Distinct event names seen (bounded), for tab completion.</summary>
        internal EventNameCatalog SeenEventNames { get; } = new EventNameCatalog();

        internal abstract Task DisconnectAsync();

        /// <summary>How long the pipeline took to handle one message (OctoPrint's throttle feeds on it).</summary>
        internal virtual void ReportProcessingTime(TimeSpan elapsed) { }

        /// <summary>Called in arrival order on the connection's dispatcher: never on the receive loop, never a script.
        /// Server events go to the mailbox and the subscriptions; lifecycle and outgoing messages only to the
        /// subscriptions that asked for them (Register-SocketIoEvent -Lifecycle / -Outgoing).</summary>
        internal void Deliver(SocketIoMessage message)
        {
            message.Sequence = Interlocked.Increment(ref _lastSequence);
            if (message.Kind == SocketIoMessageKind.Event)
            {
                SeenEventNames.Add(message.EventName);
                if (message.FilterAlias != null) SeenEventNames.Add(message.FilterAlias);
                Mailbox.Add(message);
            }
            bool pruned = false;
            foreach (var source in Volatile.Read(ref _sources))
            {
                if (source.IsRetired) { pruned = true; continue; }
                source.Raise(message, out bool dropped);
                if (dropped) Interlocked.Increment(ref _eventsDropped);
            }
            if (pruned) RemoveUnsubscribedSources();
        }

        /// <summary>Some Register-SocketIoEvent subscription exists (or existed and was not pruned yet).</summary>
        internal bool HasSubscriptions => Volatile.Read(ref _sources).Length > 0;

        internal SocketIoEventSource CreateEventSource(EventNameFilter filter, PSEventManager? eventManager, int queueLimit,
            string? sourceIdentifier = null, PSObject? messageData = null, int maxTriggerCount = 0)
        {
            var source = new SocketIoEventSource(this, filter, eventManager, queueLimit, sourceIdentifier, messageData, maxTriggerCount);
            lock (_sourcesLock)
            {
                var sources = _sources;
                var grown = new SocketIoEventSource[sources.Length + 1];
                sources.CopyTo(grown, 0);
                grown[sources.Length] = source;
                Volatile.Write(ref _sources, grown);
            }
            return source;
        }

        // Unregister-Event removes PowerShell's handler; the source itself is dropped here, lazily.
        private void RemoveUnsubscribedSources()
        {
            lock (_sourcesLock)
            {
                var kept = Array.FindAll(_sources, s => !s.IsRetired);
                Volatile.Write(ref _sources, kept);
            }
        }

        public override string ToString() => $"{Name} ({Uri})";
    }
}
