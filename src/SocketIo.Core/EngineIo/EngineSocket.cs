using System;
using System.Collections.Generic;
using System.Text;
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
    public sealed class EngineSocket : IDisposable
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
        private readonly LinkedList<SendGroup> _queue = new LinkedList<SendGroup>();
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

        /// <summary>Opens the session on the first allowed transport (WebSocket directly when only it is allowed, or
        /// when rememberUpgrade applies). Fails with <see cref="SocketIoConnectFailedException"/> or
        /// <see cref="SocketIoCertificateException"/>, or is cancelled.</summary>
        public async Task<EngineHandshake> OpenAsync(CancellationToken cancellationToken)
        {
            EngineTransport transport;
            lock (_gate)
            {
                if (_transport != null) throw new InvalidOperationException("An EngineSocket opens once.");
                if (Volatile.Read(ref _state) != StateOpen) throw new SocketIoNotConnectedException("The connection is closed.");
                transport = StartsOnWebSocket()
                    ? WebSocketTransport.Create(_options, _validator)
                    : (EngineTransport)new PollingTransport(_options, _validator);
                transport.PacketReceived = OnPacket;
                transport.Closed = (reason, error) => OnTransportClosed(transport, reason, error);
                _transport = transport;
            }
            EngineHandshake handshake;
            try
            {
                await transport.OpenAsync(null, cancellationToken).ConfigureAwait(false);
                using (cancellationToken.Register(() => _opened.TrySetCanceled()))
                {
                    handshake = await _opened.Task.ConfigureAwait(false);
                }
            }
            catch
            {
                _options.WebSocketSucceeded = false;
                // CloseAsync during the handshake: the caller's close, not a transport failure.
                Close(Volatile.Read(ref _state) == StateClosing ? DisconnectReasons.IoClientDisconnect : DisconnectReasons.TransportError, null);
                throw;
            }
            _options.WebSocketSucceeded = transport is WebSocketTransport;
            ArmWatchdog();
            if (transport is PollingTransport polling && _options.Upgrade && _options.Allows(EngineTransports.WebSocket)
                && Contains(handshake.Upgrades, EngineTransport.WebSocketName))
                _ = Task.Run(() => UpgradeAsync(polling, handshake));
            return handshake;
        }

        /// <summary>Queues frames as one group and completes once they are written (WebSocket frames sent, or the POST
        /// that carried the last of them answered 200). Groups go out in call order and never interleave. Fails with
        /// <see cref="SocketIoPayloadTooLargeException"/> before queuing when a frame exceeds the server's maxPayload
        /// (the server would drop the connection). Cancelling only withdraws a group nothing of which was written.</summary>
        public Task SendAsync(IReadOnlyList<OutgoingFrame> frames, CancellationToken cancellationToken)
        {
            CheckSendable(frames);
            if (frames.Count == 0) return Task.CompletedTask;
            cancellationToken.ThrowIfCancellationRequested();

            var group = new SendGroup(frames);
            Add(group);
            if (cancellationToken.CanBeCanceled) group.Registration = cancellationToken.Register(() => Withdraw(group));
            Flush();
            return group.Done!.Task;
        }

        /// <summary><see cref="SendAsync"/> without a task: <paramref name="callback"/> hears once, in call order, that the
        /// frames were written or failed to be, on the writer's thread (it must not block). Throws as SendAsync does
        /// before queuing.</summary>
        internal void Send(IReadOnlyList<OutgoingFrame> frames, ISendCallback callback)
        {
            CheckSendable(frames);
            var group = new SendGroup(frames, callback);
            if (frames.Count == 0)
            {
                group.Complete();
                return;
            }
            Add(group);
            Flush();
        }

        private void CheckSendable(IReadOnlyList<OutgoingFrame> frames)
        {
            if (Volatile.Read(ref _state) != StateOpen || Handshake == null) throw new SocketIoNotConnectedException("The connection is closed.");
            long limit = Handshake.MaxPayload;
            if (limit <= 0) return;
            bool base64 = _options.ForceBase64 || TransportName == EngineTransport.PollingName;
            for (int i = 0; i < frames.Count; i++) // not foreach: no enumerator per send
            {
                long size = EnginePacketCodec.EncodedLength(frames[i], base64);
                if (size > limit) throw new SocketIoPayloadTooLargeException(size, limit);
            }
        }

        private void Add(SendGroup group)
        {
            lock (_gate)
            {
                if (Volatile.Read(ref _state) != StateOpen) throw new SocketIoNotConnectedException("The connection is closed.");
                group.Node = _queue.AddLast(group);
            }
        }

        /// <summary>Client-initiated close: no reconnect, reason "io client disconnect". Lets queued frames and an
        /// upgrade in progress finish first (bounded), then closes the transport politely (polling: a close packet).</summary>
        public async Task CloseAsync()
        {
            if (Interlocked.CompareExchange(ref _state, StateClosing, StateOpen) != StateOpen) return;
            FailOpened();
            var idle = WhenIdle();
            await Task.WhenAny(idle, Task.Delay(CloseDrainTimeout)).ConfigureAwait(false);
            if (!MarkClosed()) return;
            var (transport, probe, pending) = Detach();
            probe?.Dispose();
            if (transport != null) await transport.CloseAsync().ConfigureAwait(false);
            FailAll(pending, DisconnectReasons.IoClientDisconnect);
            Closed?.Invoke(DisconnectReasons.IoClientDisconnect, null);
        }

        public void Dispose() => Close(DisconnectReasons.IoClientDisconnect, null);

        // ---- receiving ----------------------------------------------------------------------------------------

        private void OnPacket(EnginePacket packet)
        {
            switch (packet.Type)
            {
                case EnginePacketType.Open when Handshake == null:
                    var handshake = EngineHandshake.Parse(packet.Data);
                    Handshake = handshake;
                    _opened.TrySetResult(handshake);
                    break;
                case EnginePacketType.Ping:
                    LastPingAt = DateTime.UtcNow;
                    ArmWatchdog();
                    _ = SendPongAsync();
                    break;
                case EnginePacketType.Message:
                    if (Handshake == null) throw new SocketIoProtocolException("A message arrived before the Engine.IO open packet.");
                    MessageReceived?.Invoke(packet);
                    break;
                case EnginePacketType.Close:
                    Close(DisconnectReasons.TransportClose, null);
                    break;
                default:
                    break; // noop, and packets that only matter during an upgrade
            }
        }

        private async Task SendPongAsync()
        {
            try { await SendAsync(Pong, CancellationToken.None).ConfigureAwait(false); }
            catch (SocketIoException) { /* the transport reports its own failure through Closed */ }
        }

        private void OnTransportClosed(EngineTransport transport, string reason, Exception? error)
        {
            lock (_gate)
            {
                if (!ReferenceEquals(transport, _transport)) return; // a transport left behind by an upgrade
            }
            if (reason == DisconnectReasons.TransportError) _options.WebSocketSucceeded = false;
            Close(reason, error);
        }

        // ---- writing ------------------------------------------------------------------------------------------

        /// <summary>Starts the single writer unless it runs, the buffer is empty, or an upgrade holds writes back.</summary>
        private void Flush()
        {
            lock (_gate)
            {
                if (_flushing || _upgrading || _transport == null || _queue.Count == 0 || Volatile.Read(ref _state) == StateClosed) return;
                _flushing = true;
            }
            _ = FlushLoopAsync();
        }

        private async Task FlushLoopAsync()
        {
            while (true)
            {
                EngineTransport transport;
                Batch batch;
                lock (_gate)
                {
                    if (_upgrading || _transport == null || _queue.Count == 0 || Volatile.Read(ref _state) == StateClosed)
                    {
                        StopWriter();
                        return;
                    }
                    transport = _transport;
                    batch = TakeBatch(_queue, transport is PollingTransport ? (Handshake?.MaxPayload ?? 0) : -1, MaxPacketsPerPost, _batch);
                }
                try
                {
                    await transport.WriteAsync(batch.Frames, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    // The transport has reported its end (the session closes and fails the rest of the buffer).
                    lock (_gate)
                    {
                        foreach (var group in batch.Completed)
                            if (group.Node?.List != null) _queue.Remove(group.Node);
                        if (batch.Partial != null && batch.Partial.Node?.List != null) _queue.Remove(batch.Partial.Node);
                        StopWriter();
                    }
                    var failure = e as SocketIoException ?? new SocketIoNotConnectedException("The connection was lost while sending: " + e.Message);
                    foreach (var group in batch.Completed) group.Fail(failure);
                    batch.Partial?.Fail(failure);
                    return;
                }
                lock (_gate)
                {
                    foreach (var group in batch.Completed)
                        if (group.Node?.List != null) _queue.Remove(group.Node);
                }
                foreach (var group in batch.Completed) group.Complete();
                batch.Clear(); // the frames' buffers are not kept alive by the next idle period
            }
        }

        /// <summary>The next write from the head of the buffer. WebSocket (<paramref name="maxPayload"/> &lt; 0): all of
        /// it. Polling: as engine.io-client does, packets while the payload stays within maxPayload (at least one), and
        /// at most <paramref name="maxPackets"/> packets (python-engineio's limit). A group may span two POSTs; nothing
        /// else comes between its frames.</summary>
        internal static Batch TakeBatch(LinkedList<SendGroup> queue, long maxPayload, int maxPackets, Batch? reuse = null)
        {
            var batch = reuse ?? new Batch();
            batch.Clear();
            long size = 0;
            for (var node = queue.First; node != null; node = node.Next)
            {
                var group = node.Value;
                while (group.Next < group.Frames.Count)
                {
                    var frame = group.Frames[group.Next];
                    if (maxPayload >= 0 && batch.Frames.Count > 0)
                    {
                        long projected = size + 1 + EnginePacketCodec.EncodedLength(frame, binaryAsBase64: true);
                        if (batch.Frames.Count >= maxPackets || (maxPayload > 0 && projected > maxPayload))
                        {
                            if (group.Started) batch.Partial = group;
                            return batch;
                        }
                        size = projected;
                    }
                    else if (maxPayload >= 0)
                    {
                        size = EnginePacketCodec.EncodedLength(frame, binaryAsBase64: true);
                    }
                    batch.Frames.Add(frame);
                    group.Started = true;
                    group.Next++;
                }
                batch.Completed.Add(group);
            }
            return batch;
        }

        private void Withdraw(SendGroup group)
        {
            lock (_gate)
            {
                if (group.Started || group.Node?.List == null) return;
                _queue.Remove(group.Node);
                SignalIdle();
            }
            group.Cancel();
        }

        /// <summary>Under <see cref="_gate"/>: the writer loop ends.</summary>
        private void StopWriter()
        {
            _flushing = false;
            _writerStopped?.TrySetResult(true);
            _writerStopped = null;
            SignalIdle();
        }

        private Task WhenIdle()
        {
            lock (_gate)
            {
                if (IsIdle()) return Task.CompletedTask;
                var waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                (_idleWaiters ??= new List<TaskCompletionSource<bool>>()).Add(waiter);
                return waiter.Task;
            }
        }

        private bool IsIdle() => (_queue.Count == 0 || _transport == null || Volatile.Read(ref _state) == StateClosed) && !_flushing && !_upgrading;

        /// <summary>Under <see cref="_gate"/>: releases idle waiters once nothing is pending.</summary>
        private void SignalIdle()
        {
            if (_idleWaiters == null || !IsIdle()) return;
            foreach (var waiter in _idleWaiters) waiter.TrySetResult(true);
            _idleWaiters = null;
        }

        // ---- upgrade ------------------------------------------------------------------------------------------

        /// <summary>engine.io-client's probe: open a WebSocket for this sid, send <c>2probe</c>, expect <c>3probe</c>;
        /// then hold writes, pause polling (the GET in flight is released by the server's noop) and let the POST in
        /// flight finish, switch, send <c>5</c> and flush what was held. Any failure before the switch keeps polling.</summary>
        private async Task UpgradeAsync(PollingTransport polling, EngineHandshake handshake)
        {
            var probe = WebSocketTransport.Create(_options, _validator);
            var answer = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            int switched = 0;
            probe.PacketReceived = packet =>
            {
                if (Volatile.Read(ref switched) != 0) { OnPacket(packet); return; }
                if (answer.Task.IsCompleted)
                {
                    if (packet.Type != EnginePacketType.Noop) OnPacket(packet); // a server that does not wait for "5"
                    return;
                }
                answer.TrySetResult(packet.IsBinary ? "binary" : (char)('0' + (int)packet.Type) + Encoding.UTF8.GetString(packet.Data.ToArray()));
            };
            probe.Closed = (reason, error) =>
            {
                if (Volatile.Read(ref switched) != 0) OnTransportClosed(probe, reason, error);
                else answer.TrySetException(new SocketIoException($"The WebSocket closed during the upgrade probe ({reason}).", error));
            };

            lock (_gate)
            {
                if (Volatile.Read(ref _state) != StateOpen) { probe.Dispose(); return; }
                _probe = probe;
            }
            _options.WebSocketSucceeded = false;
            try
            {
                await probe.OpenAsync(handshake.Sid, _lifetime.Token).ConfigureAwait(false);
                await probe.WriteAsync(ProbePing, _lifetime.Token).ConfigureAwait(false);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
                timeout.CancelAfter(ProbeTimeout);
                using (timeout.Token.Register(() => answer.TrySetException(new SocketIoException("The server did not answer the upgrade probe."))))
                {
                    var reply = await answer.Task.ConfigureAwait(false);
                    if (reply != "3probe") throw new SocketIoException($"The server answered the upgrade probe with '{Clip(reply)}' instead of '3probe'.");
                }
            }
            catch (Exception e)
            {
                AbandonProbe(probe, polling, resume: false);
                if (Volatile.Read(ref _state) == StateOpen) RaiseUpgradeFailed(e);
                return;
            }

            _options.WebSocketSucceeded = true;
            lock (_gate)
            {
                if (Volatile.Read(ref _state) == StateClosed) return;
                _upgrading = true;
            }
            await polling.PauseAsync().ConfigureAwait(false);
            await WhenWriterStopped().ConfigureAwait(false);

            lock (_gate)
            {
                bool usable = Volatile.Read(ref _state) != StateClosed && !probe.IsEnded && ReferenceEquals(_transport, polling) && !polling.IsEnded;
                if (usable)
                {
                    _transport = probe;
                    _probe = null;
                    Volatile.Write(ref switched, 1);
                }
            }
            if (Volatile.Read(ref switched) == 0)
            {
                AbandonProbe(probe, polling, resume: true);
                if (Volatile.Read(ref _state) == StateOpen) RaiseUpgradeFailed(new SocketIoException("The WebSocket closed before the upgrade completed."));
                return;
            }

            try
            {
                await probe.WriteAsync(UpgradePacket, CancellationToken.None).ConfigureAwait(false);
            }
            catch (SocketIoException)
            {
                // The WebSocket is the session's transport now: its failure closes the session.
            }
            polling.Dispose(); // paused and idle; the server has discarded it
            lock (_gate)
            {
                _upgrading = false;
                SignalIdle();
            }
            Flush();
            if (Volatile.Read(ref _state) != StateClosed)
            {
                try { Upgraded?.Invoke(EngineTransport.WebSocketName); }
                catch (Exception) { /* a listener's failure must not stop the session */ }
            }
        }

        private void RaiseUpgradeFailed(Exception error)
        {
            try { UpgradeFailed?.Invoke(error); }
            catch (Exception) { /* a listener's failure must not stop the session */ }
        }

        /// <summary>Completes when no write is in flight (the writer does not start new ones while upgrading).</summary>
        private Task WhenWriterStopped()
        {
            lock (_gate)
            {
                if (!_flushing) return Task.CompletedTask;
                _writerStopped ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                return _writerStopped.Task;
            }
        }

        private void AbandonProbe(WebSocketTransport probe, PollingTransport polling, bool resume)
        {
            probe.Dispose();
            lock (_gate)
            {
                if (ReferenceEquals(_probe, probe)) _probe = null;
                if (resume)
                {
                    _upgrading = false;
                    SignalIdle();
                }
            }
            if (resume && Volatile.Read(ref _state) != StateClosed)
            {
                polling.Resume();
                Flush();
            }
        }

        // ---- closing ------------------------------------------------------------------------------------------

        private (EngineTransport? Transport, WebSocketTransport? Probe, List<SendGroup> Pending) Detach()
        {
            lock (_gate)
            {
                // A group the writer has handed whole to a write is the writer's: it completes or fails it with that
                // write's outcome (a close racing a finished write must not fail what the server already has).
                var pending = new List<SendGroup>();
                foreach (var group in _queue)
                    if (group.Next < group.Frames.Count) pending.Add(group);
                _queue.Clear();
                var transport = _transport;
                var probe = _probe;
                _probe = null;
                _upgrading = false;
                _flushing = false;
                SignalIdle();
                _writerStopped?.TrySetResult(true);
                _writerStopped = null;
                return (transport, probe, pending);
            }
        }

        private static void FailAll(List<SendGroup> pending, string reason)
        {
            if (pending.Count == 0) return;
            var failure = new SocketIoNotConnectedException($"The connection closed ({reason}) before the message was sent.");
            foreach (var group in pending) group.Fail(failure);
        }

        private void ArmWatchdog()
        {
            var handshake = Handshake;
            if (handshake == null || Volatile.Read(ref _state) == StateClosed) return;
            var due = handshake.PingInterval + handshake.PingTimeout;
            lock (_watchdogLock)
            {
                if (Volatile.Read(ref _state) == StateClosed) return;
                if (_watchdog == null) _watchdog = new Timer(_ => Close(DisconnectReasons.PingTimeout, null), null, due, Timeout.InfiniteTimeSpan);
                else _watchdog.Change(due, Timeout.InfiniteTimeSpan);
            }
        }

        private bool MarkClosed()
        {
            if (Interlocked.Exchange(ref _state, StateClosed) == StateClosed) return false;
            lock (_watchdogLock) _watchdog?.Dispose();
            try { _lifetime.Cancel(); } catch (ObjectDisposedException) { }
            FailOpened();
            return true;
        }

        /// <summary>Fails the handshake wait. Nobody awaits it when the transport failed to open (OpenAsync never got
        /// to the await, e.g. connection refused on a reconnect attempt), so the fault is marked observed: otherwise
        /// every such attempt surfaces later as a TaskScheduler.UnobservedTaskException.</summary>
        private void FailOpened()
        {
            if (_opened.TrySetException(new SocketIoConnectFailedException("The connection closed during the Engine.IO handshake.")))
                _ = _opened.Task.Exception;
        }

        private void Close(string reason, Exception? error)
        {
            if (!MarkClosed()) return;
            var (transport, probe, pending) = Detach();
            transport?.Dispose();
            probe?.Dispose();
            FailAll(pending, reason);
            Closed?.Invoke(reason, error);
        }

        private bool StartsOnWebSocket() => _options.FirstTransportName == EngineTransport.WebSocketName;

        private static bool Contains(IReadOnlyList<string> list, string value)
        {
            foreach (var item in list)
                if (item == value) return true;
            return false;
        }

        private static string Clip(string text) => text.Length <= 40 ? text : text.Substring(0, 40) + "...";

        /// <summary>One SendAsync or Send call: frames that go out together, in order.</summary>
        internal sealed class SendGroup
        {
            private readonly ISendCallback? _callback;
            private int _settled;

            public SendGroup(IReadOnlyList<OutgoingFrame> frames) : this(frames, null) { }

            public SendGroup(IReadOnlyList<OutgoingFrame> frames, ISendCallback? callback)
            {
                Frames = frames;
                _callback = callback;
                if (callback == null) Done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            public IReadOnlyList<OutgoingFrame> Frames { get; }
            /// <summary>Index of the first frame not yet handed to a write.</summary>
            public int Next { get; set; }
            /// <summary>Some frame was handed to a write: the group can no longer be withdrawn.</summary>
            public bool Started { get; set; }
            public LinkedListNode<SendGroup>? Node { get; set; }
            public CancellationTokenRegistration Registration { get; set; }
            /// <summary>SendAsync's task (null for a group with a callback).</summary>
            public TaskCompletionSource<bool>? Done { get; }

            public void Complete()
            {
                if (Interlocked.Exchange(ref _settled, 1) != 0) return;
                Registration.Dispose();
                if (_callback != null) _callback.OnSent();
                else Done!.TrySetResult(true);
            }

            public void Fail(Exception error)
            {
                if (Interlocked.Exchange(ref _settled, 1) != 0) return;
                Registration.Dispose();
                if (_callback != null) _callback.OnSendFailed(error);
                else Done!.TrySetException(error);
            }

            /// <summary>Withdrawn before anything of it was written (SendAsync's cancellation).</summary>
            public void Cancel()
            {
                if (Interlocked.Exchange(ref _settled, 1) != 0) return;
                Done?.TrySetCanceled();
            }
        }

        /// <summary>What one write takes from the buffer.</summary>
        internal sealed class Batch
        {
            public List<OutgoingFrame> Frames { get; } = new List<OutgoingFrame>();
            /// <summary>Groups whose last frame is in this batch.</summary>
            public List<SendGroup> Completed { get; } = new List<SendGroup>();
            /// <summary>A group this batch carries only the beginning of.</summary>
            public SendGroup? Partial { get; set; }

            public void Clear()
            {
                Frames.Clear();
                Completed.Clear();
                Partial = null;
            }
        }
    }

    /// <summary>Hears how an <see cref="EngineSocket.Send"/> ended: exactly one call, on the writer's thread (or the closing one). It
    /// must not block: it runs inside the writer loop.</summary>
    internal interface ISendCallback
    {
        void OnSent();

        void OnSendFailed(Exception error);
    }
}
