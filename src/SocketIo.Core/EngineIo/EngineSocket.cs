using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo.Tls;

namespace SocketIo.Core.EngineIo
{
    /// <summary>
    /// One Engine.IO v4 session, as engine.io-client 6.6's Socket: handshake over long-polling or WebSocket, the
    /// upgrade from polling to WebSocket (probe, pause, switch, flush), one write buffer flushed by one writer
    /// (batched within maxPayload and 16 packets on polling), a server-driven heartbeat with a
    /// pingInterval+pingTimeout watchdog, message packets up to the Socket.IO layer, and a single close with a
    /// socket.io-client reason.
    /// </summary>
    public sealed partial class EngineSocket : IDisposable

    {
        /// <summary>python-engineio refuses a polling payload with more than 16 packets.</summary>
        internal const int MaxPacketsPerPost = 16;

        private const int StateOpen = 0, StateClosing = 1, StateClosed = 2;
        private static readonly OutgoingFrame[] Pong = { EnginePacketCodec.EncodeText(EnginePacketType.Pong) };
        private static readonly OutgoingFrame[] ProbePing = { EnginePacketCodec.EncodeText(EnginePacketType.Ping, "probe") };
        private static readonly OutgoingFrame[] UpgradePacket = { EnginePacketCodec.EncodeText(EnginePacketType.Upgrade) };
        private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(10); // the server's upgradeTimeout
        private static readonly TimeSpan CloseDrainTimeout = TimeSpan.FromSeconds(2);

        private readonly EngineOptions _options;
        private readonly CertificateValidator _validator;
        private readonly TaskCompletionSource<EngineHandshake> _opened =
            new TaskCompletionSource<EngineHandshake>(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource _lifetime = new CancellationTokenSource();

        // Transport, write buffer and upgrade state, all under _gate.
        private readonly object _gate = new object();
        private readonly SendQueue _queue = new SendQueue();
        private EngineTransport? _transport;
        private WebSocketTransport? _probe;
        private bool _flushing;
        private bool _upgrading;
        private List<TaskCompletionSource<bool>>? _idleWaiters;
        private readonly Batch _batch = new Batch(); // the single writer's, reused for every write
        private TaskCompletionSource<bool>? _writerStopped;

        private readonly object _watchdogLock = new object();
        private Timer? _watchdog;
        private int _state;
        private long _lastPingTicks;

        public EngineSocket(EngineOptions options)
        {
            _options = options ?? throw new ArgumentNullException(nameof(options));
            if ((options.Transports & EngineTransports.PollingAndWebSocket) == 0)
                throw new ArgumentException("EngineOptions.Transports allows no transport.", nameof(options));
            _validator = CertificateValidator.For(options);
        }

        public EngineHandshake? Handshake { get; private set; }

        /// <summary>The transport in use: "polling" or "websocket"; changes to "websocket" when an upgrade completes.</summary>
        public string TransportName
        {
            get
            {
                lock (_gate) return _transport?.Name ?? _options.FirstTransportName;
            }
        }

        public bool IsOpen => Handshake != null && Volatile.Read(ref _state) == StateOpen;

        /// <summary>True while a successful probe is switching the session to WebSocket (writes wait meanwhile).</summary>
        public bool Upgrading
        {
            get { lock (_gate) return _upgrading; }
        }

        /// <summary>True when nothing waits in the write buffer and no write is in flight (engine.io-client's drained state).</summary>
        public bool Writable
        {
            get { lock (_gate) return _queue.Count == 0 && !_flushing && !_upgrading; }
        }

        /// <summary>Message packets (text or binary), on the receive loop, in order. Throw
        /// <see cref="SocketIoProtocolException"/> to close the session with reason "parse error".</summary>
        public Action<EnginePacket>? MessageReceived { get; set; }

        /// <summary>Raised once when the session ends, with the reason and the error behind it, if any.</summary>
        public event Action<string, Exception?>? Closed;

        /// <summary>Raised (on a pool thread) when the session has moved to another transport; the argument is its name.</summary>
        public event Action<string>? Upgraded;

        /// <summary>Raised (on a pool thread) when a probe failed; the session stays on polling.</summary>
        public event Action<Exception>? UpgradeFailed;

        /// <summary>Time of the last ping from the server (UTC).</summary>
        public DateTime LastPingAt
        {
            get => new DateTime(Interlocked.Read(ref _lastPingTicks), DateTimeKind.Utc);
            private set => Interlocked.Exchange(ref _lastPingTicks, value.Ticks);
        }
    }
}
