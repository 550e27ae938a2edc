using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
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
    public sealed class SocketIoManager : IDisposable
    {
        private readonly object _gate = new object();
        private readonly Dictionary<string, NamespaceSocket> _sockets = new Dictionary<string, NamespaceSocket>(StringComparer.Ordinal);
        // The last namespace a packet went to: most connections use one, and the receive loop then takes no lock per packet.
        // Written only under _gate (cleared on every change of _sockets), so it never outlives the entry it came from.
        private volatile NamespaceSocket? _lastRoute;
        private readonly SemaphoreSlim _openLock = new SemaphoreSlim(1, 1);
        private readonly CancellationTokenSource _lifetime = new CancellationTokenSource();
        private readonly IReconnectPolicy _policy;
        private EngineSession? _session;
        private int _generation;
        private bool _loopRunning;
        private int _loopAgainGeneration = -1;
        private string? _loopAgainReason;
        private CancellationTokenSource? _loopCancel;
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

        /// <summary>The namespace socket for <paramref name="nsp"/>, created on first use (socket.io-client's io.socket()).</summary>
        public NamespaceSocket Socket(string nsp)
        {
            ValidateNamespace(nsp);
            lock (_gate)
            {
                if (!_sockets.TryGetValue(nsp, out var socket))
                {
                    socket = new NamespaceSocket(this, nsp);
                    _sockets.Add(nsp, socket);
                    _lastRoute = null;
                }
                return socket;
            }
        }

        /// <summary>A new socket for <paramref name="nsp"/> unless the namespace is in use here (joined, joining or
        /// reconnecting, or handed out and not connected yet): then socket.io-client uses a new manager.</summary>
        internal bool TryCreateSocket(string nsp, out NamespaceSocket socket)
        {
            ValidateNamespace(nsp);
            NamespaceSocket? existing;
            lock (_gate)
            {
                _sockets.TryGetValue(nsp, out existing);
                if (_disposed) existing = null;
            }
            if (existing != null && (existing.State != ConnectionState.Disconnected || existing.IsFresh))
            {
                socket = null!;
                return false;
            }
            lock (_gate)
            {
                if (_disposed || (_sockets.TryGetValue(nsp, out var current) && !ReferenceEquals(current, existing)))
                {
                    socket = null!;
                    return false;
                }
                socket = new NamespaceSocket(this, nsp);
                _sockets[nsp] = socket;
                _lastRoute = null;
                return true;
            }
        }

        /// <summary>No namespace is in use and no reconnection runs: a cache may replace this manager.</summary>
        internal bool IsIdle
        {
            get
            {
                lock (_gate)
                {
                    if (_disposed) return true;
                    if (_loopRunning) return false;
                }
                return SocketsSnapshot().All(s => s.State == ConnectionState.Disconnected && !s.IsFresh);
            }
        }

        /// <summary>A socket (re)claims its namespace slot when it connects. Never called under a socket's lock.</summary>
        internal void Attach(NamespaceSocket socket)
        {
            lock (_gate)
            {
                if (_disposed) throw new ObjectDisposedException(nameof(SocketIoManager), "The manager was disposed.");
                if (_sockets.TryGetValue(socket.Namespace, out var current) && !ReferenceEquals(current, socket))
                {
                    // Only a socket that is closed for good gives its place up. Reading its state takes its lock, which
                    // is safe here: no socket holds its own lock while it waits for the manager's.
                    if (current.State != ConnectionState.Disconnected)
                        throw new InvalidOperationException($"Namespace '{socket.Namespace}' is already in use on this manager.");
                }
                _sockets[socket.Namespace] = socket;
                _lastRoute = null;
            }
        }

        /// <summary>Opens the Engine.IO session unless it is open already. A new session makes every namespace waiting
        /// to reconnect send CONNECT again (after <paramref name="onOpened"/>).</summary>
        internal async Task<EngineSession> OpenAsync(CancellationToken cancellationToken, Action<EngineSession>? onOpened)
        {
            await _openLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var current = Volatile.Read(ref _session);
                if (current != null && current.IsOpen) return current;
                lock (_gate)
                {
                    if (_disposed) throw new SocketIoNotConnectedException("The connection was closed.");
                }

                var engine = new EngineSocket(Options.Engine);
                var session = new EngineSession(engine, Options.Parser.CreateDecoder(Options.ValueFactory, Options.MaxAttachments),
                    Interlocked.Increment(ref _generation));
                engine.MessageReceived = packet => OnMessage(session, packet);
                engine.Closed += (reason, error) => OnEngineClosed(session, reason, error);
                Volatile.Write(ref _session, session);

                using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token))
                {
                    try
                    {
                        await engine.OpenAsync(linked.Token).ConfigureAwait(false);
                    }
                    catch (Exception e)
                    {
                        engine.Dispose();
                        session.Fail();
                        if (e is OperationCanceledException)
                        {
                            if (_lifetime.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                                throw new SocketIoNotConnectedException("The connection was closed.");
                            throw;
                        }
                        if (e is SocketIoException) throw;
                        throw new SocketIoConnectFailedException(DescribeConnectFailure(e), e);
                    }
                }
                session.MarkOpened();
                if (!engine.IsOpen)
                {
                    session.Fail();
                    throw new SocketIoConnectFailedException("The connection closed right after the Engine.IO handshake.");
                }
                onOpened?.Invoke(session);
                foreach (var socket in SocketsSnapshot()) socket.Rejoin(session);
                return session;
            }
            finally
            {
                _openLock.Release();
            }
        }

        /// <summary>A namespace left; once none is in use the reconnection stops and the session closes, as
        /// socket.io-client's manager does.</summary>
        internal async Task OnSocketLeftAsync()
        {
            if (SocketsSnapshot().Any(s => s.State != ConnectionState.Disconnected)) return;
            lock (_gate)
            {
                // First: a reconnect attempt may hold the open lock for up to the connect timeout.
                _loopCancel?.Cancel();
                _loopAgainReason = null;
            }
            await _openLock.WaitAsync().ConfigureAwait(false);
            try
            {
                if (SocketsSnapshot().Any(s => s.State != ConnectionState.Disconnected)) return;
                var session = Volatile.Read(ref _session);
                if (session != null && session.Engine.IsOpen) await session.Engine.CloseAsync().ConfigureAwait(false);
            }
            finally
            {
                _openLock.Release();
            }
        }

        /// <summary><see cref="OnSocketLeftAsync"/> from a place that must not wait (the receive loop, the open lock).</summary>
        internal void SocketLeftInBackground() =>
            _ = Task.Run(async () =>
            {
                try { await OnSocketLeftAsync().ConfigureAwait(false); }
                catch (Exception e) { Report(e); }
            });

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
            _lifetime.Cancel();
            Volatile.Read(ref _session)?.Engine.Dispose();
            foreach (var socket in SocketsSnapshot()) socket.OnManagerDisposed();
        }

        // ---- engine callbacks ----------------------------------------------------------------------------------------

        private void OnMessage(EngineSession session, EnginePacket packet)
        {
            if (!ReferenceEquals(Volatile.Read(ref _session), session)) return;
            var receivedAt = DateTime.UtcNow;
            var decoded = packet.IsBinary ? session.Decoder.DecodeBinary(packet.Data) : session.Decoder.DecodeText(packet.Data.Span);
            if (decoded == null) return;
            var socket = _lastRoute;
            if (socket == null || !string.Equals(socket.Namespace, decoded.Namespace, StringComparison.Ordinal))
            {
                lock (_gate)
                {
                    _sockets.TryGetValue(decoded.Namespace, out socket);
                    _lastRoute = socket;
                }
            }
            socket?.OnPacket(decoded, receivedAt, session); // packets for a namespace we did not open are ignored
        }

        private void OnEngineClosed(EngineSession session, string reason, Exception? error)
        {
            session.Fail(); // what is still queued goes back to its namespace
            if (!session.WasOpened || !ReferenceEquals(Volatile.Read(ref _session), session)) return; // a failed open reports itself
            session.Decoder.Reset();
            bool willReconnect;
            lock (_gate) willReconnect = Options.Reconnection && !_disposed && reason != DisconnectReasons.IoClientDisconnect;
            var sockets = SocketsSnapshot();
            foreach (var socket in sockets) socket.OnEngineClosed(session, reason, error, willReconnect);
            if (willReconnect && sockets.Any(s => s.State == ConnectionState.Reconnecting)) RequestReconnect(reason, session.Generation);
        }

        // ---- reconnection ------------------------------------------------------------------------------------------

        private void RequestReconnect(string reason, int closedGeneration)
        {
            CancellationToken token;
            lock (_gate)
            {
                if (_disposed) return;
                if (_loopRunning)
                {
                    // The running loop may have just opened the session that closed: it starts again when it ends.
                    _loopAgainReason = reason;
                    _loopAgainGeneration = closedGeneration;
                    return;
                }
                _loopRunning = true;
                _loopCancel = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
                token = _loopCancel.Token;
            }
            _ = Task.Run(() => ReconnectLoopAsync(reason, token));
        }

        /// <summary>socket.io-client's reconnect(): wait the policy's delay, reconnect_attempt, open; on failure
        /// reconnect_error and again; reconnect_failed when the policy gives up.</summary>
        private async Task ReconnectLoopAsync(string reason, CancellationToken token)
        {
            var clock = Stopwatch.StartNew();
            int attempts = 0;
            Exception? lastError = null;
            try
            {
                while (true)
                {
                    if (!AnySocketWaiting()) return;
                    TimeSpan? delay;
                    try
                    {
                        delay = _policy.NextDelay(new ReconnectContext(attempts, clock.Elapsed, reason, lastError));
                    }
                    catch (Exception e)
                    {
                        Report(e);
                        delay = null;
                    }
                    if (delay == null)
                    {
                        GiveUp(attempts, lastError);
                        return;
                    }
                    try
                    {
                        await Task.Delay(delay.Value < TimeSpan.Zero ? TimeSpan.Zero : delay.Value, token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                    if (!AnySocketWaiting() || token.IsCancellationRequested) return;
                    attempts++;
                    lock (_gate) _reconnectAttempt = attempts;
                    RaiseManagerEvent(new LifecycleEvent(LifecycleEventNames.ReconnectAttempt, null) { Attempt = attempts, Delay = delay });

                    int attempt = attempts;
                    try
                    {
                        using var timeout = new CancellationTokenSource(Options.ConnectTimeout);
                        using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, timeout.Token);
                        await OpenAsync(linked.Token, _ =>
                        {
                            // Before the namespaces send CONNECT, as socket.io-client emits "reconnect" before their "connect".
                            Interlocked.Increment(ref _reconnects);
                            RaiseManagerEvent(new LifecycleEvent(LifecycleEventNames.Reconnect, null) { Attempt = attempt });
                        }).ConfigureAwait(false);
                        return;
                    }
                    catch (OperationCanceledException) when (token.IsCancellationRequested)
                    {
                        return;
                    }
                    catch (Exception e)
                    {
                        lastError = e is OperationCanceledException
                            ? new SocketIoConnectTimeoutException($"The Engine.IO handshake did not complete within {Options.ConnectTimeout.TotalSeconds:0.###} s.")
                            : e;
                        RaiseManagerEvent(new LifecycleEvent(LifecycleEventNames.ReconnectError, null) { Attempt = attempts, Error = lastError });
                        // socket.io-client: each waiting socket also gets connect_error (it is still active: it retries).
                        var failed = lastError;
                        foreach (var socket in SocketsSnapshot())
                            if (socket.State == ConnectionState.Reconnecting)
                                socket.RaiseLifecycle(new LifecycleEvent(LifecycleEventNames.ConnectError, socket.Namespace) { Error = failed, WillReconnect = true, Attempt = attempts });
                    }
                }
            }
            catch (Exception e)
            {
                Report(e);
            }
            finally
            {
                EndLoop();
            }
        }

        private void EndLoop()
        {
            string? again;
            CancellationToken token = default;
            lock (_gate)
            {
                _reconnectAttempt = 0;
                _loopCancel?.Dispose();
                _loopCancel = null;
                again = _loopAgainReason;
                _loopAgainReason = null;
                // Start again only if the session that closed is still the latest one (not one opened since).
                var current = Volatile.Read(ref _session);
                if (again != null && (_disposed || (current != null && current.Generation > _loopAgainGeneration && current.IsOpen))) again = null;
                if (again == null)
                {
                    _loopRunning = false;
                    return;
                }
                _loopCancel = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
                token = _loopCancel.Token;
            }
            _ = Task.Run(() => ReconnectLoopAsync(again, token));
        }

        private void GiveUp(int attempts, Exception? lastError)
        {
            var failed = new LifecycleEvent(LifecycleEventNames.ReconnectFailed, null) { Attempt = attempts, Error = lastError };
            if (Lifecycle != null) Dispatcher.Post(() => Lifecycle?.Invoke(failed));
            foreach (var socket in SocketsSnapshot()) socket.OnReconnectFailed(failed);
            SocketLeftInBackground();
        }

        private void RaiseManagerEvent(LifecycleEvent e)
        {
            if (Lifecycle != null) Dispatcher.Post(() => Lifecycle?.Invoke(e));
            foreach (var socket in SocketsSnapshot())
                if (socket.State == ConnectionState.Reconnecting) socket.RaiseLifecycle(e.For(socket.Namespace));
        }

        private bool AnySocketWaiting() => SocketsSnapshot().Any(s => s.State == ConnectionState.Reconnecting);

        private List<NamespaceSocket> SocketsSnapshot()
        {
            lock (_gate) return _sockets.Values.ToList();
        }

        private void Report(Exception e)
        {
            try { HandlerError?.Invoke(e); }
            catch (Exception) { /* a throwing reporter must not take the loop down */ }
        }

        private static void ValidateNamespace(string nsp)
        {
            if (string.IsNullOrEmpty(nsp) || nsp[0] != '/' || nsp.IndexOf(',') >= 0)
                throw new ArgumentException($"'{nsp}' is not a namespace: it must start with '/' and contain no ','.", nameof(nsp));
        }

        private string DescribeConnectFailure(Exception e)
        {
            // Name the endpoint without its query: user query values may carry tokens.
            var server = Options.Engine.ServerUri;
            var path = Options.Engine.Path;
            if (string.IsNullOrEmpty(path) || path[0] != '/') path = "/" + path;
            var endpoint = $"{server.Scheme}://{server.Host}:{server.Port}{path}";
            var cause = e.InnerException?.Message is string inner && inner != e.Message ? $"{e.Message} ({inner})" : e.Message;
            return e is WebSocketException ? $"Could not open a WebSocket to {endpoint}: {cause}" : $"Could not connect to {endpoint}: {cause}";
        }
    }
}
