using System;
using System.Collections.Generic;
using System.Threading;
using SocketIo.Core.Dispatch;
using SocketIo.Core.EngineIo;
using SocketIo.Core.Reconnect;

namespace SocketIo.Core.SocketIo
{
    /// <summary>
    /// socket.io-client's Manager: one Engine.IO session shared by the namespaces opened on it (multiplexing), the
    /// packet decoder, and reconnection. When a session that had opened is lost for a reason that reconnects, every
    /// namespace still active waits (Reconnecting) while the <see cref="IReconnectPolicy"/> paces new sessions; each
    /// new session makes every waiting namespace send CONNECT again. User-facing events run on one dispatcher, in
    /// arrival order.
    /// </summary>
    public sealed partial class SocketIoManager : IDisposable

    {
        private readonly object _gate = new object();
        // One entry per namespace, in creation order. A list, not a dictionary: a manager has one namespace or a few,
        // and an idle connection then holds ~90 bytes for it instead of ~240.
        private readonly List<NamespaceSocket> _sockets = new List<NamespaceSocket>(1);
        // The last namespace a packet went to: most connections use one, and the receive loop then takes no lock per packet.
        // Written only under _gate (cleared on every change of _sockets), so it never outlives the entry it came from.
        private volatile NamespaceSocket? _lastRoute;
        private readonly SemaphoreSlim _openLock = new SemaphoreSlim(1, 1);
        private readonly IReconnectPolicy _policy;
        private EngineSession? _session;
        private int _generation;
        private bool _loopRunning;
        private int _loopAgainGeneration = -1;
        private string? _loopAgainReason;
        private CancellationTokenSource? _loopCancel;
        private CancellationTokenSource? _opening; // the Engine.IO open under way, which Dispose cancels
        private int _reconnectAttempt;
        private int _reconnects;
        private bool _disposed;

        public SocketIoManager(SocketIoClientOptions options)
        {
            Options = options;
            _policy = options.CreateReconnectPolicy();
            Dispatcher = new SerialDispatcher(e => HandlerError?.Invoke(e));
        }

        public SocketIoClientOptions Options { get; }

        public SerialDispatcher Dispatcher { get; }

        /// <summary>The current (or last) Engine.IO session's socket.</summary>
        public EngineSocket? Engine => Volatile.Read(ref _session)?.Engine;

        /// <summary>The Engine.IO session is open (handshake done, not closed).</summary>
        public bool IsOpen => Volatile.Read(ref _session)?.IsOpen == true;

        /// <summary>A reconnection is under way.</summary>
        public bool IsReconnecting { get { lock (_gate) return _loopRunning; } }

        /// <summary>The attempt under way (from 1) while reconnecting, else 0.</summary>
        public int ReconnectAttempt { get { lock (_gate) return _reconnectAttempt; } }

        /// <summary>Successful reconnections of the Engine.IO session.</summary>
        public int Reconnects => Volatile.Read(ref _reconnects);

        /// <summary>Engine.IO sessions opened so far (the first connect is 1).</summary>
        public int Sessions => Volatile.Read(ref _generation);

        /// <summary>The namespaces created on this manager.</summary>
        public IReadOnlyList<NamespaceSocket> Sockets => SocketsSnapshot();

        /// <summary>A user handler threw; it is reported here and dispatching goes on.</summary>
        public event Action<Exception>? HandlerError;

        /// <summary>The manager's own events: reconnect_attempt, reconnect_error, reconnect, reconnect_failed (also
        /// forwarded to each namespace waiting to reconnect, through <see cref="NamespaceSocket.Lifecycle"/>).</summary>
        public event Action<LifecycleEvent>? Lifecycle;

        /// <summary>Closes the session and every namespace for good; stops any reconnection.</summary>
        public void Dispose()
        {
            lock (_gate)
            {
                if (_disposed) return;
                _disposed = true;
                _loopCancel?.Cancel();
                _loopAgainReason = null;
            }
            try { Volatile.Read(ref _opening)?.Cancel(); }
            catch (ObjectDisposedException) { /* the open ended meanwhile */ }
            Volatile.Read(ref _session)?.Engine.Dispose();
            foreach (var socket in SocketsSnapshot()) socket.OnManagerDisposed();
        }

        /// <summary>A reconnection loop's own source, which Dispose cancels (under the lock, like this): no manager-wide
        /// source that every idle connection would hold.</summary>
        private CancellationTokenSource NewLoopCancelLocked()
        {
            var source = new CancellationTokenSource();
            if (_disposed) source.Cancel();
            return source;
        }

        private void Report(Exception e)
        {
            try { HandlerError?.Invoke(e); }
            catch (Exception) { /* a throwing reporter must not take the loop down */ }
        }
    }
}
