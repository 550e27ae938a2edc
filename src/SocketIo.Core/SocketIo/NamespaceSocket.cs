using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo;

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
    public sealed class NamespaceSocket
    {
        private readonly SocketIoManager _manager;
        private readonly object _gate = new object();
        private readonly Dictionary<long, PendingAck> _pendingAcks = new Dictionary<long, PendingAck>();
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

        /// <summary>Opens the Engine.IO session if needed and joins the namespace, within the connect timeout. Not
        /// retried: automatic reconnection applies only once this succeeded.</summary>
        public async Task ConnectAsync(CancellationToken cancellationToken)
        {
            var connecting = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                if (_state != ConnectionState.Disconnected) throw new InvalidOperationException($"Namespace '{Namespace}' is already {_state}.");
                _state = ConnectionState.Connecting;
                _connecting = connecting;
                _session = null;
                _everConnected = false;
                _fresh = false;
                DisconnectReason = null;
                LastError = null;
            }

            try
            {
                _manager.Attach(this); // outside this socket's lock: it may look at the state of the slot's holder
            }
            catch
            {
                lock (_gate)
                {
                    _state = ConnectionState.Disconnected;
                    _connecting = null;
                }
                throw;
            }

            var limit = ConnectTimeout ?? _manager.Options.ConnectTimeout;
            using var timeout = new CancellationTokenSource(limit);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                var session = await _manager.OpenAsync(linked.Token, null).ConfigureAwait(false);
                if (!SendConnect(session))
                    throw new SocketIoConnectFailedException($"The connection closed before namespace '{Namespace}' was joined.");
                using (linked.Token.Register(() => connecting.TrySetCanceled()))
                {
                    await connecting.Task.ConfigureAwait(false);
                }
            }
            catch (Exception e)
            {
                var reported = e is OperationCanceledException && timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested
                    ? new SocketIoConnectTimeoutException($"The connection to namespace '{Namespace}' did not complete within {limit.TotalSeconds:0.###} s.")
                    : e;
                CloseWork? work;
                lock (_gate)
                {
                    if (!(reported is OperationCanceledException)) LastError = reported;
                    work = CloseLocked(DisconnectReasons.IoClientDisconnect);
                }
                Finish(work, raiseDisconnect: false, details: null);
                if (!(reported is OperationCanceledException))
                    RaiseLifecycle(new LifecycleEvent(LifecycleEventNames.ConnectError, Namespace) { Error = reported });
                await _manager.OnSocketLeftAsync().ConfigureAwait(false);
                if (!ReferenceEquals(reported, e)) throw reported;
                throw;
            }
        }

        /// <summary>Emits an event without asking for an acknowledgement: completes once it is written, or at once when
        /// it is buffered (not connected) or queued for retries (<see cref="Retries"/>).</summary>
        public Task EmitAsync(string eventName, IReadOnlyList<object?> arguments, CancellationToken cancellationToken) =>
            EmitAsync(eventName, arguments, EmitOptions.Default, cancellationToken);

        /// <summary>Emits an event without waiting for an acknowledgement; says whether it was sent, buffered, dropped
        /// (volatile) or queued (retries). Fails with <see cref="SocketIoNotConnectedException"/> once the socket is
        /// Disconnected (closed for good).</summary>
        public Task<EmitOutcome> EmitAsync(string eventName, IReadOnlyList<object?> arguments, EmitOptions options, CancellationToken cancellationToken)
        {
            // Not async: an emit the emitting thread wrote at once (the usual case) returns a cached completed task,
            // without a state machine; failures still come back in the task, as from an async method.
            OutgoingPacket packet;
            try
            {
                var all = WithName(eventName, arguments);
                int retries = options.Retries ?? Retries;
                if (retries > 0 && !options.Volatile)
                {
                    EnqueueRetry(eventName, all, retries, options.AckTimeout ?? AckTimeout, hasWaiter: false);
                    return OutgoingPacket.Completed(EmitOutcome.Queued);
                }
                packet = EventPacket(all, null, options.Volatile);
                var outcome = Submit(packet, null);
                if (outcome != EmitOutcome.Sent) return OutgoingPacket.Completed(outcome);
            }
            catch (Exception e)
            {
                return Task.FromException<EmitOutcome>(e);
            }
            var written = packet.Written;
            if (written.IsCompleted && packet.Error == null) return written;
            return AwaitWrittenAsync(packet, written, cancellationToken);
        }

        private static async Task<EmitOutcome> AwaitWrittenAsync(OutgoingPacket packet, Task<EmitOutcome> written, CancellationToken cancellationToken)
        {
            var outcome = await WithCancellation(written, cancellationToken).ConfigureAwait(false);
            if (packet.Error != null) ExceptionDispatchInfo.Capture(packet.Error).Throw();
            return outcome;
        }

        /// <summary>Emits an event and waits for the server's acknowledgement; returns its arguments.</summary>
        public Task<object?[]> EmitWithAckAsync(string eventName, IReadOnlyList<object?> arguments, TimeSpan timeout, CancellationToken cancellationToken) =>
            EmitWithAckAsync(eventName, arguments, timeout, null, false, cancellationToken);

        /// <summary>
        /// Emits an event and waits for the acknowledgement. The timeout runs from the emit, also while it is buffered
        /// (then it leaves the buffer on timeout). A disconnect fails the wait once the packet was written. With retries
        /// (<see cref="EmitOptions.Retries"/> or <see cref="Retries"/>) it goes through the FIFO retry queue and is
        /// re-sent on each timeout and after each reconnection until acknowledged or tried retries+1 times.
        /// Cancelling only stops waiting: the emit stands.
        /// </summary>
        public Task<object?[]> EmitWithAckAsync(string eventName, IReadOnlyList<object?> arguments, EmitOptions options, CancellationToken cancellationToken) =>
            EmitWithAckAsync(eventName, arguments, options.AckTimeout, options.Retries, options.Volatile, cancellationToken);

        private Task<object?[]> EmitWithAckAsync(string eventName, IReadOnlyList<object?> arguments, TimeSpan? ackTimeout, int? retryCount, bool isVolatile,
            CancellationToken cancellationToken)
        {
            // Not async: the caller gets the acknowledgement's own task. Its completion runs no continuation on the
            // receive loop (RunContinuationsAsynchronously: an awaiting caller resumes in the thread pool), but a
            // synchronous waiter (Wait, AsyncWaitHandle: the cmdlets) is woken right there, without a pool hop.
            try
            {
                var all = WithName(eventName, arguments);
                var timeout = ackTimeout ?? AckTimeout;
                int retries = retryCount ?? Retries;
                if (retries > 0 && !isVolatile) return EmitWithRetriesAsync(eventName, all, retries, timeout, cancellationToken);

                long id = Interlocked.Increment(ref _nextAckId) - 1; // socket.io-client counts from 0
                var packet = EventPacket(all, id, isVolatile);
                var pending = new PendingAck(id, packet, eventName, timeout);
                if (Submit(packet, pending) == EmitOutcome.Dropped)
                    throw new SocketIoNotConnectedException($"The volatile event '{eventName}' was dropped: namespace '{Namespace}' is not connected.");
                pending.StartTimer(this);
                // Cancelling only stops waiting: a late ACK for the forgotten id is ignored.
                if (cancellationToken.CanBeCanceled) pending.CancelWith(this, cancellationToken);
                return pending.Completion.Task;
            }
            catch (Exception e)
            {
                return Task.FromException<object?[]>(e);
            }
        }

        private async Task<object?[]> EmitWithRetriesAsync(string eventName, object?[] all, int retries, TimeSpan? timeout, CancellationToken cancellationToken)
        {
            var entry = EnqueueRetry(eventName, all, retries, timeout, hasWaiter: true);
            try
            {
                return await WithCancellation(entry.Result.Task, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The emit stays queued (at least once); nobody waits for its outcome any more.
                _ = entry.Result.Task.ContinueWith(t => _ = t.Exception, CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                throw;
            }
        }

        /// <summary>Leaves the namespace (DISCONNECT) and, when it was the last one, closes the session. Buffered and
        /// queued emits are discarded (counted), pending acknowledgements fail.</summary>
        public async Task DisconnectAsync()
        {
            OutgoingPacket? goodbye = null;
            TaskCompletionSource<bool>? connecting;
            CloseWork? work;
            lock (_gate)
            {
                connecting = _connecting; // a ConnectAsync still waiting: it must end now, not at its timeout
                if (_state == ConnectionState.Connected && _session != null && _session.IsOpen)
                {
                    // Queued in the same locked step that closes the socket: no event of ours can follow it.
                    goodbye = new OutgoingPacket(this, _manager.Options.Parser.EncodeDisconnect(Namespace), null, null, false)
                    { Status = PacketStatus.Queued, Session = _session, NeedsJoined = false };
                    if (!_session.Enqueue(goodbye)) goodbye = null;
                }
                work = CloseLocked(DisconnectReasons.IoClientDisconnect);
            }
            if (goodbye != null)
                await Task.WhenAny(goodbye.Written, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
            Finish(work, raiseDisconnect: true, details: null);
            if (work != null) await _manager.OnSocketLeftAsync().ConfigureAwait(false);
            connecting?.TrySetException(new SocketIoConnectFailedException(
                $"The connection closed before namespace '{Namespace}' was joined ({DisconnectReasons.IoClientDisconnect})."));
        }

        // ---- from the manager -------------------------------------------------------------------------------------

        internal void OnPacket(SioPacket packet, DateTime receivedAt, EngineSession session)
        {
            switch (packet.Type)
            {
                case SioPacketType.Connect:
                    OnConnectReply(packet, session);
                    break;
                case SioPacketType.ConnectError:
                    OnConnectError(packet);
                    break;
                case SioPacketType.Disconnect:
                    CloseWork? work;
                    lock (_gate) work = _state == ConnectionState.Connected ? CloseLocked(DisconnectReasons.IoServerDisconnect) : null;
                    if (work == null) return;
                    Finish(work, raiseDisconnect: true, details: packet.Payload);
                    _manager.SocketLeftInBackground();
                    break;
                case SioPacketType.Event:
                case SioPacketType.BinaryEvent:
                    OnEvent(packet, receivedAt);
                    break;
                default:
                    PendingAck? pending;
                    lock (_gate)
                    {
                        if (_pendingAcks.TryGetValue(packet.Id!.Value, out pending)) _pendingAcks.Remove(packet.Id.Value);
                    }
                    if (pending != null) CompleteAck(pending, null, packet.Arguments!);
                    break;
            }
        }

        /// <summary>The session this namespace used ended. It waits for the manager's reconnection (Reconnecting) or,
        /// without one, closes for good. Acknowledgements of packets already written fail; buffered ones survive.</summary>
        internal void OnEngineClosed(EngineSession session, string reason, Exception? error, bool willReconnect)
        {
            TaskCompletionSource<bool>? connecting = null;
            CloseWork? work = null;
            List<PendingAck>? failed = null;
            bool raiseDisconnect = false;
            lock (_gate)
            {
                if (!ReferenceEquals(_session, session)) return;
                if (error != null) LastError = error; // e.g. why a frame was a parse error: the user sees it on the connection
                switch (_state)
                {
                    case ConnectionState.Connecting:
                        connecting = _connecting;
                        work = CloseLocked(reason);
                        break;
                    case ConnectionState.Connected:
                    case ConnectionState.Reconnecting:
                        raiseDisconnect = _state == ConnectionState.Connected;
                        if (!willReconnect)
                        {
                            work = CloseLocked(reason);
                            break;
                        }
                        _state = ConnectionState.Reconnecting;
                        _session = null;
                        DisconnectReason = reason;
                        failed = TakeWrittenAcksLocked();
                        break;
                }
            }
            connecting?.TrySetException(new SocketIoConnectFailedException($"The connection closed before namespace '{Namespace}' was joined ({reason}).", error));
            if (failed != null)
                foreach (var pending in failed)
                    CompleteAck(pending, new SocketIoNotConnectedException($"The socket disconnected ({reason}) before the acknowledgement arrived."), null);
            if (work != null) Finish(work, raiseDisconnect, details: null);
            else if (raiseDisconnect) RaiseDisconnect(reason, null, willReconnect: true);
        }

        /// <summary>The manager's session is open again: join again (socket.io-client's onopen).</summary>
        internal void Rejoin(EngineSession session)
        {
            lock (_gate)
            {
                if (_state != ConnectionState.Reconnecting) return;
            }
            try
            {
                if (SendConnect(session)) return;
                // The session ended already: its close puts this namespace back to waiting.
            }
            catch (Exception e)
            {
                // The auth payload cannot be sent (e.g. it was replaced by something not serializable).
                CloseWork? work;
                lock (_gate)
                {
                    LastError = e;
                    work = CloseLocked(DisconnectReason ?? DisconnectReasons.IoClientDisconnect);
                }
                Finish(work, raiseDisconnect: false, details: null);
                RaiseLifecycle(new LifecycleEvent(LifecycleEventNames.ConnectError, Namespace) { Error = e });
                _manager.SocketLeftInBackground();
            }
        }

        /// <summary>The manager gave up reconnecting: closed for good.</summary>
        internal void OnReconnectFailed(LifecycleEvent failed)
        {
            CloseWork? work;
            lock (_gate)
            {
                if (_state != ConnectionState.Reconnecting) return;
                if (failed.Error != null) LastError = failed.Error;
                work = CloseLocked(DisconnectReason ?? DisconnectReasons.TransportClose);
            }
            Finish(work, raiseDisconnect: false, details: null);
            RaiseLifecycle(failed.For(Namespace));
        }

        /// <summary>The manager was disposed: closed for good, whatever the state.</summary>
        internal void OnManagerDisposed()
        {
            CloseWork? work;
            TaskCompletionSource<bool>? connecting;
            lock (_gate)
            {
                connecting = _connecting;
                work = CloseLocked(DisconnectReasons.IoClientDisconnect);
            }
            Finish(work, raiseDisconnect: true, details: null);
            connecting?.TrySetException(new SocketIoConnectFailedException($"The connection was closed before namespace '{Namespace}' was joined."));
        }

        internal void RaiseLifecycle(LifecycleEvent e)
        {
            if (Lifecycle != null) _manager.Dispatcher.Post(() => Lifecycle?.Invoke(e));
        }

        // ---- from the session's writer ------------------------------------------------------------------------------

        /// <returns>false when the packet must not be written on <paramref name="session"/> (then it is not sent).</returns>
        internal bool OnWriting(OutgoingPacket packet, EngineSession session)
        {
            lock (_gate)
            {
                if (packet.Status != PacketStatus.Queued) return false;
                if (packet.NeedsJoined && (_state != ConnectionState.Connected || !ReferenceEquals(_session, session))) return false;
                packet.Status = PacketStatus.Writing;
                return true;
            }
        }

        internal void OnWritten(OutgoingPacket packet)
        {
            lock (_gate) packet.Status = PacketStatus.Sent;
            if (packet.EventArguments is object?[] all)
            {
                Interlocked.Increment(ref _eventsSent);
                if (EventSent != null) RaiseEventSent(all, packet.AckId);
            }
            packet.SetWritten(EmitOutcome.Sent);
            packet.ReturnRented(); // written once and for all: nothing reads its frames any more
        }

        // Its own method: the closure would otherwise be allocated on every OnWritten, listener or not.
        private void RaiseEventSent(object?[] all, long? ackId)
        {
            var arguments = new object?[all.Length - 1];
            Array.Copy(all, 1, arguments, 0, arguments.Length);
            var sent = new OutgoingEvent((string)all[0]!, Namespace, arguments, ackId, DateTime.UtcNow);
            _manager.Dispatcher.Post(() => EventSent?.Invoke(sent));
        }

        internal void OnWriteFailed(OutgoingPacket packet, Exception error)
        {
            PendingAck? pending = null;
            lock (_gate)
            {
                packet.Status = PacketStatus.Done;
                if (packet.AckId is long id && _pendingAcks.TryGetValue(id, out var registered) && ReferenceEquals(registered.Packet, packet))
                {
                    _pendingAcks.Remove(id);
                    pending = registered;
                }
                if (!packet.IsControl && packet.Retry == null) Interlocked.Increment(ref _emitsDiscarded);
            }
            packet.Error = error;
            packet.SetWritten(EmitOutcome.Dropped);
            if (pending != null) CompleteAck(pending, error, null);
        }

        /// <summary>The session ended before the packet was handed to the engine: it was not sent, so it goes back to
        /// the buffer (events), is dropped (volatile, counted) or fails (control packets).</summary>
        internal void OnNotSent(OutgoingPacket packet, EngineSession session)
        {
            var outcome = EmitOutcome.Dropped;
            PendingAck? pending = null;
            Exception? failure = null;
            lock (_gate)
            {
                if (packet.Status != PacketStatus.Queued) return;
                if (packet.IsControl)
                {
                    packet.Status = PacketStatus.Done;
                    packet.Error = new SocketIoNotConnectedException($"The connection closed before the packet for namespace '{Namespace}' was written.");
                }
                else if (packet.Retry != null)
                {
                    packet.Status = PacketStatus.Done; // the retry queue sends its head again after the reconnection
                }
                else if (_state == ConnectionState.Disconnected || packet.Volatile)
                {
                    packet.Status = PacketStatus.Done;
                    if (packet.Volatile) Interlocked.Increment(ref _volatileDropped);
                    else Interlocked.Increment(ref _emitsDiscarded);
                    failure = new SocketIoNotConnectedException($"Namespace '{Namespace}' lost its connection before the event was written.");
                    if (!packet.Volatile) packet.Error = failure;
                    if (packet.AckId is long id && _pendingAcks.TryGetValue(id, out var registered) && ReferenceEquals(registered.Packet, packet))
                    {
                        _pendingAcks.Remove(id);
                        pending = registered;
                    }
                }
                else if (_state == ConnectionState.Connected && _session != null && !ReferenceEquals(_session, session) && _session.IsOpen)
                {
                    // Joined again already (on a newer session): straight there.
                    packet.Status = PacketStatus.Queued;
                    packet.Session = _session;
                    if (_session.Enqueue(packet)) return;
                    InsertBufferedLocked(packet);
                    outcome = EmitOutcome.Buffered;
                }
                else
                {
                    InsertBufferedLocked(packet);
                    outcome = EmitOutcome.Buffered;
                }
            }
            packet.SetWritten(outcome);
            if (pending != null) CompleteAck(pending, failure, null);
        }

        internal void OnAckTimeout(PendingAck pending)
        {
            lock (_gate)
            {
                if (_pendingAcks.TryGetValue(pending.Id, out var registered) && ReferenceEquals(registered, pending)) _pendingAcks.Remove(pending.Id);
                if (pending.Retry == null && pending.Packet.Status == PacketStatus.Buffered)
                {
                    // socket.io-client: a timed-out emit leaves the send buffer; it will never be sent.
                    _sendBuffer.Remove(pending.Packet);
                    pending.Packet.Status = PacketStatus.Done;
                }
            }
            CompleteAck(pending, new SocketIoAckTimeoutException(pending.EventName, pending.Timeout ?? TimeSpan.Zero), null);
        }

        // ---- internals ----------------------------------------------------------------------------------------------

        private bool SendConnect(EngineSession session)
        {
            object? auth = Auth;
            string? pid;
            string? offset;
            lock (_gate)
            {
                pid = _pid;
                offset = _lastOffset;
            }
            if (pid != null) auth = WithRecovery(auth, pid, offset);
            var frames = _manager.Options.Parser.EncodeConnect(Namespace, auth, _manager.Options.ValueAdapter);
            var packet = new OutgoingPacket(this, frames, null, null, false) { Status = PacketStatus.Queued, Session = session, NeedsJoined = false };
            lock (_gate)
            {
                if (_state != ConnectionState.Connecting && _state != ConnectionState.Reconnecting) return true; // left meanwhile
                _session = session;
                return session.Enqueue(packet);
            }
        }

        /// <summary>socket.io-client sends <c>{pid, offset, ...auth}</c> (the user's keys win).</summary>
        private static object? WithRecovery(object? auth, string pid, string? offset)
        {
            var merged = new OrderedDictionary { ["pid"] = pid };
            if (offset != null) merged["offset"] = offset;
            switch (auth)
            {
                case null:
                    return merged;
                case IDictionary dictionary:
                    foreach (DictionaryEntry entry in dictionary)
                        if (entry.Key != null) merged[entry.Key.ToString()!] = entry.Value;
                    return merged;
                case IEnumerable<KeyValuePair<string, object?>> pairs:
                    foreach (var pair in pairs) merged[pair.Key] = pair.Value;
                    return merged;
                default:
                    return auth; // not a plain object: it is sent as it is, and the server cannot recover the session
            }
        }

        private void OnConnectReply(SioPacket packet, EngineSession session)
        {
            TaskCompletionSource<bool>? connecting;
            bool reconnected;
            bool recovered;
            lock (_gate)
            {
                if ((_state != ConnectionState.Connecting && _state != ConnectionState.Reconnecting) || !ReferenceEquals(_session, session)) return;
                connecting = _connecting;
                if (packet.Sid == null)
                {
                    var error = new SocketIoConnectFailedException(
                        "The server answered like a Socket.IO 2.x server (Engine.IO 3); this module speaks Socket.IO 3/4 (Engine.IO 4).");
                    if (connecting != null)
                    {
                        connecting.TrySetException(error);
                        return;
                    }
                    LastError = error;
                    var work = CloseLocked(DisconnectReason ?? DisconnectReasons.ParseError);
                    ThreadPool.QueueUserWorkItem(_ =>
                    {
                        Finish(work, raiseDisconnect: false, details: null);
                        RaiseLifecycle(new LifecycleEvent(LifecycleEventNames.ConnectError, Namespace) { Error = error });
                        _manager.SocketLeftInBackground();
                    });
                    return;
                }
                recovered = packet.Pid != null && packet.Pid == _pid;
                if (packet.Pid != _pid) _lastOffset = null;
                _pid = packet.Pid;
                _recovered = recovered;
                Id = packet.Sid;
                ConnectedAt = DateTime.UtcNow;
                reconnected = _everConnected;
                _everConnected = true;
                if (reconnected) _reconnects++;
                _state = ConnectionState.Connected;
                _connecting = null;

                // socket.io-client's emitBuffered, then _drainQueue(true): in order, before anything emitted from now on.
                int flushed = 0;
                foreach (var buffered in _sendBuffer)
                {
                    buffered.Status = PacketStatus.Queued;
                    buffered.Session = session;
                    if (!session.Enqueue(buffered))
                    {
                        buffered.Status = PacketStatus.Buffered; // the session ended already: the close that follows keeps them
                        break;
                    }
                    flushed++;
                }
                _sendBuffer.RemoveRange(0, flushed);
                DrainRetryQueueLocked(force: true);
            }
            if (Connected != null) _manager.Dispatcher.Post(() => Connected?.Invoke());
            RaiseLifecycle(new LifecycleEvent(LifecycleEventNames.Connect, Namespace) { SocketId = packet.Sid, Recovered = recovered, IsReconnect = reconnected });
            connecting?.TrySetResult(true);
        }

        private void OnConnectError(SioPacket packet)
        {
            var rejected = new SocketIoConnectRejectedException(packet.ErrorMessage ?? "Connection rejected by server", packet.Payload);
            TaskCompletionSource<bool>? connecting;
            CloseWork? work;
            lock (_gate)
            {
                if (_state != ConnectionState.Connecting && _state != ConnectionState.Reconnecting) return;
                connecting = _connecting;
                LastError = rejected;
                // socket.io-client destroys the socket: no automatic retry after a refusal.
                work = CloseLocked(connecting != null ? DisconnectReasons.IoServerDisconnect : DisconnectReason ?? DisconnectReasons.IoServerDisconnect);
            }
            Finish(work, raiseDisconnect: false, details: null);
            if (connecting != null)
            {
                connecting.TrySetException(rejected); // ConnectAsync reports connect_error
                return;
            }
            RaiseLifecycle(new LifecycleEvent(LifecycleEventNames.ConnectError, Namespace) { Error = rejected });
            _manager.SocketLeftInBackground();
        }

        private void OnEvent(SioPacket packet, DateTime receivedAt)
        {
            string name;
            object?[] arguments;
            if (packet.EventName != null)
            {
                name = packet.EventName;
                arguments = packet.EventArguments!; // the decoder split the name off already: no copy
            }
            else
            {
                var all = packet.Arguments!;
                name = (string)all[0]!;
                arguments = new object?[all.Length - 1];
                Array.Copy(all, 1, arguments, 0, arguments.Length);
            }
            string? offset = null;
            if (packet.Id == null && arguments.Length > 0 && arguments[arguments.Length - 1] is string last)
            {
                lock (_gate)
                {
                    // Only a session with recovery (a pid) appends offsets; events that ask for an ack never carry one.
                    if (_pid != null)
                    {
                        offset = last;
                        _lastOffset = last;
                    }
                }
            }
            var incoming = new IncomingEvent(name, Namespace, arguments, receivedAt, packet.Id,
                packet.Id == null ? null : SendAckAsync)
            {
                Offset = offset,
            };
            Interlocked.Increment(ref _eventsReceived);
            _manager.Dispatcher.Post(_raiseEventReceived, incoming);
        }

        private async Task SendAckAsync(long id, IReadOnlyList<object?> arguments)
        {
            var frames = _manager.Options.Parser.EncodeAck(Namespace, id, arguments, _manager.Options.ValueAdapter);
            var packet = new OutgoingPacket(this, frames, null, null, false);
            lock (_gate)
            {
                if (_state != ConnectionState.Connected || _session == null)
                    throw new SocketIoNotConnectedException($"Namespace '{Namespace}' is not connected (state: {_state}).");
                packet.Status = PacketStatus.Queued;
                packet.Session = _session;
                if (!_session.Enqueue(packet)) throw new SocketIoNotConnectedException($"Namespace '{Namespace}' lost its connection.");
            }
            await packet.Written.ConfigureAwait(false);
            if (packet.Error != null) ExceptionDispatchInfo.Capture(packet.Error).Throw();
        }

        /// <summary>Sends now, buffers, or drops (volatile) — socket.io-client's emit.</summary>
        private EmitOutcome Submit(OutgoingPacket packet, PendingAck? pending)
        {
            EngineSession? pumpHere = null;
            try
            {
                return SubmitLocked(packet, pending, ref pumpHere);
            }
            finally
            {
                pumpHere?.PumpInline(); // outside the lock: the emitting thread writes (see EngineSession.EnqueueDeferred)
            }
        }

        private EmitOutcome SubmitLocked(OutgoingPacket packet, PendingAck? pending, ref EngineSession? pumpHere)
        {
            lock (_gate)
            {
                if (_state == ConnectionState.Disconnected)
                    throw new SocketIoNotConnectedException($"Namespace '{Namespace}' is not connected (state: {_state}).");
                // socket.io-client drops a volatile packet when the transport is not writable; when it is writable but the
                // namespace is not joined yet, the packet is buffered like any other.
                bool writable = _state == ConnectionState.Connected ? _session != null && _session.IsOpen : _manager.IsOpen;
                if (packet.Volatile && !writable)
                {
                    packet.Status = PacketStatus.Done;
                    Interlocked.Increment(ref _volatileDropped);
                    return EmitOutcome.Dropped;
                }
                packet.Sequence = ++_nextSequence;
                if (pending != null) _pendingAcks[pending.Id] = pending;
                if (_state == ConnectionState.Connected && _session != null)
                {
                    packet.Status = PacketStatus.Queued;
                    packet.Session = _session;
                    if (_session.EnqueueDeferred(packet, out bool startPump))
                    {
                        if (startPump) pumpHere = _session;
                        return EmitOutcome.Sent;
                    }
                }
                packet.Status = PacketStatus.Buffered;
                _sendBuffer.Add(packet);
                return EmitOutcome.Buffered;
            }
        }

        private void InsertBufferedLocked(OutgoingPacket packet)
        {
            packet.Status = PacketStatus.Buffered;
            int index = _sendBuffer.FindIndex(p => p.Sequence > packet.Sequence);
            if (index < 0) _sendBuffer.Add(packet);
            else _sendBuffer.Insert(index, packet);
        }

        private RetryEntry EnqueueRetry(string eventName, object?[] all, int retries, TimeSpan? timeout, bool hasWaiter)
        {
            long id = Interlocked.Increment(ref _nextAckId) - 1;
            var entry = new RetryEntry(eventName, all, Encode(all, id), id, retries, timeout, hasWaiter);
            lock (_gate)
            {
                if (_state == ConnectionState.Disconnected)
                    throw new SocketIoNotConnectedException($"Namespace '{Namespace}' is not connected (state: {_state}).");
                _retryQueue.Add(entry);
                DrainRetryQueueLocked(force: false);
            }
            return entry;
        }

        /// <summary>socket.io-client's _drainQueue: one packet in flight, always with an ack id.</summary>
        private void DrainRetryQueueLocked(bool force)
        {
            if (_state != ConnectionState.Connected || _session == null || _retryQueue.Count == 0) return;
            var head = _retryQueue[0];
            if (head.Pending && !force) return;
            head.Pending = true;
            head.TryCount++;
            // Every try carries the same ack id: an ACK for an earlier try that arrives late still means "delivered".
            var packet = new OutgoingPacket(this, head.Frames, head.Arguments, head.AckId, false)
            {
                Retry = head,
                Sequence = ++_nextSequence,
                Status = PacketStatus.Queued,
                Session = _session,
            };
            var pending = new PendingAck(head.AckId, packet, head.EventName, head.Timeout) { Retry = head };
            if (_pendingAcks.TryGetValue(head.AckId, out var previous)) previous.TryFinish();
            _pendingAcks[head.AckId] = pending;
            if (!_session.Enqueue(packet)) packet.Status = PacketStatus.Done; // the close that follows; re-sent on reconnect
            pending.StartTimer(this);
        }

        private void OnRetryResult(RetryEntry entry, Exception? error, object?[]? result)
        {
            bool finished = false;
            lock (_gate)
            {
                if (_retryQueue.Count == 0 || !ReferenceEquals(_retryQueue[0], entry)) return;
                if (error == null || entry.TryCount > entry.MaxRetries)
                {
                    _retryQueue.RemoveAt(0);
                    finished = true;
                    if (error != null && !entry.HasWaiter) Interlocked.Increment(ref _emitsDiscarded);
                }
                entry.Pending = false;
                DrainRetryQueueLocked(force: false);
            }
            if (!finished) return;
            if (error == null) entry.Result.TrySetResult(result ?? Array.Empty<object?>());
            else if (entry.HasWaiter) entry.Result.TrySetException(error);
            else entry.Result.TrySetResult(Array.Empty<object?>()); // nobody waits: counted above, no unobserved fault
        }

        private void CompleteAck(PendingAck pending, Exception? error, object?[]? result)
        {
            if (!pending.TryFinish()) return;
            if (pending.Retry != null) OnRetryResult(pending.Retry, error, result);
            else if (error != null) pending.Completion.TrySetException(error);
            else pending.Completion.TrySetResult(result!);
        }

        /// <summary>The caller stopped waiting: the id is forgotten and the wait ends cancelled.</summary>
        internal void ForgetAck(PendingAck pending, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                if (_pendingAcks.TryGetValue(pending.Id, out var registered) && ReferenceEquals(registered, pending)) _pendingAcks.Remove(pending.Id);
            }
            if (pending.TryFinish()) pending.Completion.TrySetCanceled(cancellationToken);
        }

        /// <summary>socket.io-client's _clearAcks: the acknowledgements whose packet was written (not those still buffered
        /// or queued, which will be sent after the reconnection).</summary>
        private List<PendingAck> TakeWrittenAcksLocked()
        {
            var taken = new List<PendingAck>();
            foreach (var pending in _pendingAcks.Values)
                if (pending.Packet.Status == PacketStatus.Writing || pending.Packet.Status == PacketStatus.Sent) taken.Add(pending);
            foreach (var pending in taken) _pendingAcks.Remove(pending.Id);
            return taken;
        }

        /// <summary>Moves to Disconnected (closed for good) and collects what must fail; null when it was already.</summary>
        private CloseWork? CloseLocked(string reason)
        {
            if (_state == ConnectionState.Disconnected) return null;
            var work = new CloseWork(_state == ConnectionState.Connected, reason)
            {
                Acks = new List<PendingAck>(_pendingAcks.Values),
                Discarded = new List<OutgoingPacket>(_sendBuffer),
                Retries = new List<RetryEntry>(_retryQueue),
            };
            _state = ConnectionState.Disconnected;
            _connecting = null;
            _session = null;
            DisconnectReason = reason;
            _pendingAcks.Clear();
            _sendBuffer.Clear();
            _retryQueue.Clear();
            foreach (var packet in work.Discarded) packet.Status = PacketStatus.Done;
            long discarded = work.Discarded.Count;
            foreach (var entry in work.Retries) if (!entry.HasWaiter) discarded++;
            if (discarded > 0) Interlocked.Add(ref _emitsDiscarded, discarded);
            return work;
        }

        private void Finish(CloseWork? work, bool raiseDisconnect, object? details)
        {
            if (work == null) return;
            var closed = new SocketIoNotConnectedException($"The socket disconnected ({work.Reason}) before the acknowledgement arrived.");
            foreach (var pending in work.Acks)
                if (pending.Retry == null) CompleteAck(pending, closed, null);
                else pending.TryFinish();
            foreach (var entry in work.Retries)
            {
                if (entry.HasWaiter) entry.Result.TrySetException(new SocketIoNotConnectedException($"The socket disconnected ({work.Reason}) before '{entry.EventName}' was acknowledged."));
                else entry.Result.TrySetResult(Array.Empty<object?>());
            }
            foreach (var packet in work.Discarded) packet.SetWritten(EmitOutcome.Dropped);
            if (raiseDisconnect && work.WasConnected) RaiseDisconnect(work.Reason, details, willReconnect: false);
        }

        private void RaiseDisconnect(string reason, object? details, bool willReconnect)
        {
            if (Disconnected != null) _manager.Dispatcher.Post(() => Disconnected?.Invoke(reason, details));
            RaiseLifecycle(new LifecycleEvent(LifecycleEventNames.Disconnect, Namespace) { Reason = reason, Details = details, WillReconnect = willReconnect });
        }

        /// <summary>An emit sent at most once: with the default parser its text frame is a pooled buffer, returned
        /// once written (retry-queue emits, sent again on each try, use <see cref="Encode"/>).</summary>
        private OutgoingPacket EventPacket(object?[] all, long? ackId, bool isVolatile)
        {
            if (!ReferenceEquals(_manager.Options.Parser, DefaultSioParser.Instance))
                return new OutgoingPacket(this, Encode(all, ackId), all, ackId, isVolatile);
            var frames = SioPacketEncoder.EncodeEventPooled(Namespace, ackId, all, _manager.Options.ValueAdapter);
            return new OutgoingPacket(this, frames, all, ackId, isVolatile) { Rented = frames[0].Bytes.Array };
        }

        private IReadOnlyList<OutgoingFrame> Encode(object?[] all, long? ackId) =>
            _manager.Options.Parser.EncodeEvent(Namespace, ackId, all, _manager.Options.ValueAdapter);

        private static object?[] WithName(string eventName, IReadOnlyList<object?> arguments)
        {
            if (string.IsNullOrEmpty(eventName)) throw new ArgumentException("An event needs a name.", nameof(eventName));
            if (ReservedEventNames.Contains(eventName)) throw new SocketIoReservedEventNameException(eventName);
            var all = new object?[arguments.Count + 1];
            all[0] = eventName;
            for (int i = 0; i < arguments.Count; i++) all[i + 1] = arguments[i];
            return all;
        }

        private static async Task<T> WithCancellation<T>(Task<T> task, CancellationToken cancellationToken)
        {
            if (task.IsCompleted || !cancellationToken.CanBeCanceled) return await task.ConfigureAwait(false);
            var cancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            using (cancellationToken.Register(state => ((TaskCompletionSource<bool>)state!).TrySetResult(true), cancelled))
            {
                if (!ReferenceEquals(await Task.WhenAny(task, cancelled.Task).ConfigureAwait(false), task))
                    throw new OperationCanceledException(cancellationToken);
            }
            return await task.ConfigureAwait(false);
        }

        private sealed class CloseWork
        {
            public CloseWork(bool wasConnected, string reason)
            {
                WasConnected = wasConnected;
                Reason = reason;
            }

            public bool WasConnected { get; }
            public string Reason { get; }
            public List<PendingAck> Acks { get; set; } = new List<PendingAck>();
            public List<OutgoingPacket> Discarded { get; set; } = new List<OutgoingPacket>();
            public List<RetryEntry> Retries { get; set; } = new List<RetryEntry>();
        }
    }

    /// <summary>An acknowledgement this client waits for, with its timer (socket.io-client's acks[id]).</summary>
    internal sealed class PendingAck
    {
        private readonly object _gate = new object();
        private Timer? _timer;
        private static readonly TimerCallback OnTimer = state => ((PendingAck)state!).TimedOut();
        private CancellationTokenRegistration _registration;
        private NamespaceSocket? _owner;
        private bool _finished;

        public PendingAck(long id, OutgoingPacket packet, string eventName, TimeSpan? timeout)
        {
            Id = id;
            Packet = packet;
            EventName = eventName;
            Timeout = timeout;
        }

        public long Id { get; }
        public OutgoingPacket Packet { get; }
        public string EventName { get; }
        public TimeSpan? Timeout { get; }
        public RetryEntry? Retry { get; set; }

        public TaskCompletionSource<object?[]> Completion { get; } =
            new TaskCompletionSource<object?[]>(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Ends the wait (cancelled) when the token is cancelled first; runs at once when it is already.</summary>
        public void CancelWith(NamespaceSocket owner, CancellationToken cancellationToken)
        {
            var registration = cancellationToken.Register(state => owner.ForgetAck((PendingAck)state!, cancellationToken), this);
            lock (_gate)
            {
                if (!_finished)
                {
                    _registration = registration;
                    return;
                }
            }
            registration.Dispose(); // finished meanwhile (or cancelled already): nothing left to watch
        }

        public void StartTimer(NamespaceSocket owner)
        {
            if (!(Timeout is TimeSpan timeout) || timeout == System.Threading.Timeout.InfiniteTimeSpan) return;
            lock (_gate)
            {
                if (_finished || _timer != null) return;
                _owner = owner;
                _timer = new Timer(OnTimer, this, timeout < TimeSpan.Zero ? TimeSpan.Zero : timeout, System.Threading.Timeout.InfiniteTimeSpan);
            }
        }

        private void TimedOut() => _owner?.OnAckTimeout(this);

        /// <returns>true for the one caller that may complete it.</returns>
        public bool TryFinish()
        {
            CancellationTokenRegistration registration;
            lock (_gate)
            {
                if (_finished) return false;
                _finished = true;
                _timer?.Dispose();
                registration = _registration;
                _registration = default;
            }
            // Outside the lock: disposing waits for a cancellation callback in progress, which takes this lock.
            registration.Dispose();
            return true;
        }
    }

    /// <summary>One emit in the retry queue (socket.io-client's _queue entry).</summary>
    internal sealed class RetryEntry
    {
        public RetryEntry(string eventName, object?[] arguments, IReadOnlyList<OutgoingFrame> frames, long ackId, int maxRetries, TimeSpan? timeout, bool hasWaiter)
        {
            EventName = eventName;
            Arguments = arguments;
            Frames = frames;
            AckId = ackId;
            MaxRetries = maxRetries;
            Timeout = timeout;
            HasWaiter = hasWaiter;
        }

        public string EventName { get; }
        public object?[] Arguments { get; }
        public IReadOnlyList<OutgoingFrame> Frames { get; }
        public long AckId { get; }
        public int MaxRetries { get; }
        public TimeSpan? Timeout { get; }
        public bool HasWaiter { get; }
        public int TryCount { get; set; }
        public bool Pending { get; set; }

        public TaskCompletionSource<object?[]> Result { get; } =
            new TaskCompletionSource<object?[]>(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
