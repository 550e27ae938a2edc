using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SocketIo.Core.SocketIo
{
    /// <summary>
    /// One Socket.IO namespace on a manager's Engine.IO session, with socket.io-client 4.8's behaviour: CONNECT with
    /// auth (re-read on every CONNECT, with pid/offset for connection-state recovery), emits with and without
    /// acknowledgement, a send buffer while not connected (flushed in order right after the next CONNECT reply),
    /// volatile emits that are dropped instead, pending acknowledgements that fail on disconnect, the at-least-once
    /// retry queue, and DISCONNECT both ways.
    /// Events (<see cref="EventReceived"/>, <see cref="Connected"/>, <see cref="Disconnected"/>, <see cref="Lifecycle"/>,
    /// <see cref="EventSent"/>) run on the manager's dispatcher, never on the receive loop.
    /// </summary>
    /// <remarks>
    /// States: Connecting (first connect), Connected, Reconnecting (the manager will CONNECT again after the session
    /// reopens; emits are buffered), Disconnected (closed for good: emits fail). Lock order: this socket's lock, then
    /// the manager's; nothing is called out while the lock is held except queueing on a session (which never calls back).
    /// </remarks>
    public sealed partial class NamespaceSocket

    {
        private readonly SocketIoManager _manager;
        private readonly object _gate = new object();
        private Dictionary<long, PendingAck>? _pendingAcks; // created at the first ack (most connections never wait for one)
        private readonly List<OutgoingPacket> _sendBuffer = new List<OutgoingPacket>();
        private readonly List<RetryEntry> _retryQueue = new List<RetryEntry>();
        private TaskCompletionSource<bool>? _connecting;
        private EngineSession? _session;
        private ConnectionState _state = ConnectionState.Disconnected;
        private bool _everConnected;
        private bool _fresh = true;
        private bool _recovered;
        private string? _pid;
        private string? _lastOffset;
        private long _nextAckId;
        private long _nextSequence;
        private long _eventsReceived;
        private long _eventsSent;
        private long _volatileDropped;
        private long _emitsDiscarded;
        private int _reconnects;

        internal NamespaceSocket(SocketIoManager manager, string nsp)
        {
            _manager = manager;
            Namespace = nsp;
            _raiseEventReceived = state => EventReceived?.Invoke((IncomingEvent)state!);
        }

        // Cached: posting an incoming event to the dispatcher allocates no closure.
        private readonly Action<object?> _raiseEventReceived;

        public string Namespace { get; }

        public ConnectionState State { get { lock (_gate) return _state; } }

        /// <summary>The Socket.IO socket id from the latest CONNECT reply.</summary>
        public string? Id { get; private set; }

        /// <summary>The private session id (connection-state recovery); confidential, never shown.</summary>
        internal string? Pid { get { lock (_gate) return _pid; } }

        /// <summary>The last recovery offset received (the trailing string argument a recovery-enabled server adds).</summary>
        public string? LastOffset { get { lock (_gate) return _lastOffset; } }

        /// <summary>True when the latest CONNECT reply restored the previous session (same pid): the server replayed
        /// what it emitted meanwhile.</summary>
        public bool Recovered { get { lock (_gate) return _recovered; } }

        /// <summary>The CONNECT payload (socket.io's <c>auth</c>). Read on every CONNECT, reconnections included, so it
        /// may be replaced at any time (e.g. a refreshed token). Use plain values (dictionaries, lists, scalars): it is
        /// serialized on a background thread.</summary>
        public object? Auth { get; set; }

        /// <summary>Default for the at-least-once retry queue (socket.io-client's <c>retries</c>): 0 = off.</summary>
        public int Retries { get; set; }

        /// <summary>Default acknowledgement timeout (socket.io-client's <c>ackTimeout</c>); null = none.</summary>
        public TimeSpan? AckTimeout { get; set; }

        /// <summary>Limit for this namespace's first connect; null = the manager's <see cref="SocketIoClientOptions.ConnectTimeout"/>.</summary>
        public TimeSpan? ConnectTimeout { get; set; }

        /// <summary>When the latest CONNECT reply arrived (UTC).</summary>
        public DateTime? ConnectedAt { get; private set; }

        public long EventsReceived => Interlocked.Read(ref _eventsReceived);

        /// <summary>Events written to the connection (each retry counts).</summary>
        public long EventsSent => Interlocked.Read(ref _eventsSent);

        /// <summary>Volatile emits dropped because the connection was not writable.</summary>
        public long VolatileDropped => Interlocked.Read(ref _volatileDropped);

        /// <summary>Emits accepted (buffered or queued) that were never delivered: discarded when the connection closed
        /// for good, failed to write, or ran out of retries with nobody waiting for the outcome.</summary>
        public long EmitsDiscarded => Interlocked.Read(ref _emitsDiscarded);

        /// <summary>Emits waiting in the send buffer for the next CONNECT reply.</summary>
        public int BufferedEmits { get { lock (_gate) return _sendBuffer.Count; } }

        /// <summary>Emits in the retry queue (the head one may be in flight).</summary>
        public int QueuedRetries { get { lock (_gate) return _retryQueue.Count; } }

        /// <summary>Times this namespace joined again after losing its connection.</summary>
        public int Reconnects { get { lock (_gate) return _reconnects; } }

        /// <summary>Why the socket disconnected last (a socket.io-client reason), or null.</summary>
        public string? DisconnectReason { get; private set; }

        /// <summary>The latest connect or reconnect failure (CONNECT_ERROR, an unreachable server...), or null.</summary>
        public Exception? LastError { get; private set; }

        public SocketIoManager Manager => _manager;

        /// <summary>Never asked to connect: a manager cache may hand it out.</summary>
        internal bool IsFresh { get { lock (_gate) return _fresh; } }

        public event Action<IncomingEvent>? EventReceived;
        public event Action? Connected;
        /// <summary>The reason (socket.io-client's words) and, for a server DISCONNECT with a payload, that payload.
        /// Raised on every disconnect, also when a reconnection follows (see <see cref="State"/>, <see cref="Lifecycle"/>).</summary>
        public event Action<string, object?>? Disconnected;
        /// <summary>connect, disconnect, connect_error, and the manager's reconnect_* events while this namespace waits.</summary>
        public event Action<LifecycleEvent>? Lifecycle;
        /// <summary>An event was written (socket.io-client's onAnyOutgoing), buffered ones included when flushed.</summary>
        public event Action<OutgoingEvent>? EventSent;
    }
}
