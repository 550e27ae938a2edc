using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo;

namespace SocketIo.Core.SocketIo
{
    /// <summary>
    /// One Socket.IO namespace on a manager's Engine.IO session: CONNECT with auth, emits with and without
    /// acknowledgement, the server's events and acknowledgement requests, DISCONNECT both ways.
    /// Events (<see cref="EventReceived"/>, <see cref="Connected"/>, <see cref="Disconnected"/>) run on the
    /// manager's dispatcher, never on the receive loop.
    /// </summary>
    public sealed class NamespaceSocket
    {
        private readonly SocketIoManager _manager;
        private readonly object _gate = new object();
        private readonly Dictionary<long, PendingAck> _pendingAcks = new Dictionary<long, PendingAck>();
        private TaskCompletionSource<bool>? _connecting;
        private long _nextAckId;
        private long _eventsReceived;
        private long _eventsSent;
        private ConnectionState _state = ConnectionState.Disconnected;

        internal NamespaceSocket(SocketIoManager manager, string nsp)
        {
            _manager = manager;
            Namespace = nsp;
        }

        public string Namespace { get; }

        public ConnectionState State { get { lock (_gate) return _state; } }

        /// <summary>The Socket.IO socket id from the CONNECT reply.</summary>
        public string? Id { get; private set; }

        /// <summary>The private session id (connection-state recovery); confidential.</summary>
        internal string? Pid { get; private set; }

        /// <summary>The CONNECT payload (socket.io's <c>auth</c>); may be changed before each connect.</summary>
        public object? Auth { get; set; }

        public DateTime? ConnectedAt { get; private set; }

        public long EventsReceived => Interlocked.Read(ref _eventsReceived);

        public long EventsSent => Interlocked.Read(ref _eventsSent);

        /// <summary>Why the socket disconnected last (a socket.io-client reason), or null.</summary>
        public string? DisconnectReason { get; private set; }

        public SocketIoManager Manager => _manager;

        public event Action<IncomingEvent>? EventReceived;
        public event Action? Connected;
        /// <summary>The reason (socket.io-client's words) and, for a server DISCONNECT with a payload, that payload.</summary>
        public event Action<string, object?>? Disconnected;

        /// <summary>Opens the Engine.IO session if needed and joins the namespace, within the connect timeout.</summary>
        public async Task ConnectAsync(CancellationToken cancellationToken)
        {
            var connecting = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                if (_state != ConnectionState.Disconnected) throw new InvalidOperationException($"Namespace '{Namespace}' is already {_state}.");
                _state = ConnectionState.Connecting;
                _connecting = connecting;
                DisconnectReason = null;
            }

            using var timeout = new CancellationTokenSource(_manager.Options.ConnectTimeout);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                await _manager.EnsureOpenAsync(linked.Token).ConfigureAwait(false);
                await _manager.SendFramesAsync(SioPacketEncoder.EncodeConnect(Namespace, Auth, _manager.Options.ValueAdapter), linked.Token).ConfigureAwait(false);
                using (linked.Token.Register(() => connecting.TrySetCanceled()))
                {
                    await connecting.Task.ConfigureAwait(false);
                }
            }
            catch (Exception e)
            {
                SetDisconnected(DisconnectReasons.IoClientDisconnect, raise: false);
                await _manager.OnSocketLeftAsync().ConfigureAwait(false);
                if (e is OperationCanceledException && timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                    throw new SocketIoConnectTimeoutException(
                        $"The connection to namespace '{Namespace}' did not complete within {_manager.Options.ConnectTimeout.TotalSeconds:0.###} s.");
                throw;
            }
        }

        /// <summary>Emits an event without asking for an acknowledgement. Completes once it is written.</summary>
        public async Task EmitAsync(string eventName, IReadOnlyList<object?> arguments, CancellationToken cancellationToken)
        {
            var frames = SioPacketEncoder.EncodeEvent(Namespace, null, WithName(eventName, arguments), _manager.Options.ValueAdapter);
            EnsureConnected();
            await _manager.SendFramesAsync(frames, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _eventsSent);
        }

        /// <summary>Emits an event and waits for the server's acknowledgement; returns its arguments.</summary>
        public async Task<object?[]> EmitWithAckAsync(string eventName, IReadOnlyList<object?> arguments, TimeSpan timeout, CancellationToken cancellationToken)
        {
            long id = Interlocked.Increment(ref _nextAckId) - 1; // socket.io-client counts from 0
            var frames = SioPacketEncoder.EncodeEvent(Namespace, id, WithName(eventName, arguments), _manager.Options.ValueAdapter);
            EnsureConnected();
            var pending = new PendingAck();
            lock (_gate) _pendingAcks[id] = pending;
            try
            {
                await _manager.SendFramesAsync(frames, cancellationToken).ConfigureAwait(false);
                Interlocked.Increment(ref _eventsSent);
                using var timer = new CancellationTokenSource(timeout);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
                using (linked.Token.Register(() => pending.Completion.TrySetCanceled()))
                {
                    try
                    {
                        return await pending.Completion.Task.ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                    {
                        throw new SocketIoAckTimeoutException(eventName, timeout);
                    }
                }
            }
            finally
            {
                lock (_gate) _pendingAcks.Remove(id); // a late ACK for a forgotten id is ignored
            }
        }

        /// <summary>Leaves the namespace (DISCONNECT) and, when it was the last one, closes the session.</summary>
        public async Task DisconnectAsync()
        {
            bool wasConnected;
            TaskCompletionSource<bool>? connecting;
            lock (_gate)
            {
                wasConnected = _state == ConnectionState.Connected;
                connecting = _connecting; // a ConnectAsync still waiting: it must end now, not at its timeout
            }
            if (wasConnected)
            {
                try
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    await _manager.SendFramesAsync(SioPacketEncoder.EncodeDisconnect(Namespace), timeout.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is SocketIoException || e is OperationCanceledException)
                {
                    // Already gone: leaving is still done.
                }
            }
            if (SetDisconnected(DisconnectReasons.IoClientDisconnect, raise: true))
                await _manager.OnSocketLeftAsync().ConfigureAwait(false);
            connecting?.TrySetException(new SocketIoConnectFailedException(
                $"The connection closed before namespace '{Namespace}' was joined ({DisconnectReasons.IoClientDisconnect})."));
        }

        internal void OnPacket(SioPacket packet, DateTime receivedAt)
        {
            switch (packet.Type)
            {
                case SioPacketType.Connect:
                    OnConnectReply(packet);
                    break;
                case SioPacketType.ConnectError:
                    var rejected = new SocketIoConnectRejectedException(packet.ErrorMessage ?? "Connection rejected by server", packet.Payload);
                    TaskCompletionSource<bool>? connecting;
                    lock (_gate) connecting = _connecting;
                    if (connecting == null) return;
                    SetDisconnected(DisconnectReasons.IoServerDisconnect, raise: false); // before the connect call resumes
                    connecting.TrySetException(rejected);
                    break;
                case SioPacketType.Disconnect:
                    if (SetDisconnected(DisconnectReasons.IoServerDisconnect, raise: true, packet.Payload))
                        _ = _manager.OnSocketLeftAsync();
                    break;
                case SioPacketType.Event:
                case SioPacketType.BinaryEvent:
                    OnEvent(packet, receivedAt);
                    break;
                default:
                    PendingAck? pending;
                    lock (_gate) _pendingAcks.TryGetValue(packet.Id!.Value, out pending);
                    pending?.Completion.TrySetResult(packet.Arguments!);
                    break;
            }
        }

        internal void OnEngineClosed(string reason, Exception? error)
        {
            TaskCompletionSource<bool>? connecting;
            lock (_gate) connecting = _connecting;
            connecting?.TrySetException(new SocketIoConnectFailedException($"The connection closed before namespace '{Namespace}' was joined ({reason}).", error));
            SetDisconnected(reason, raise: true);
        }

        private void OnConnectReply(SioPacket packet)
        {
            TaskCompletionSource<bool>? connecting;
            lock (_gate)
            {
                connecting = _connecting;
                if (connecting == null) return;
                if (packet.Sid == null)
                {
                    connecting.TrySetException(new SocketIoConnectFailedException(
                        "The server answered like a Socket.IO 2.x server (Engine.IO 3); this module speaks Socket.IO 3/4 (Engine.IO 4)."));
                    return;
                }
                Id = packet.Sid;
                Pid = packet.Pid;
                ConnectedAt = DateTime.UtcNow;
                _state = ConnectionState.Connected;
                _connecting = null;
            }
            _manager.Dispatcher.Post(() => Connected?.Invoke());
            connecting.TrySetResult(true);
        }

        private void OnEvent(SioPacket packet, DateTime receivedAt)
        {
            var all = packet.Arguments!;
            var arguments = new object?[all.Length - 1];
            Array.Copy(all, 1, arguments, 0, arguments.Length);
            var incoming = new IncomingEvent((string)all[0]!, Namespace, arguments, receivedAt, packet.Id,
                packet.Id == null ? null : SendAckAsync);
            Interlocked.Increment(ref _eventsReceived);
            _manager.Dispatcher.Post(() => EventReceived?.Invoke(incoming));
        }

        private async Task SendAckAsync(long id, IReadOnlyList<object?> arguments)
        {
            var frames = SioPacketEncoder.EncodeAck(Namespace, id, arguments, _manager.Options.ValueAdapter);
            EnsureConnected();
            await _manager.SendFramesAsync(frames, CancellationToken.None).ConfigureAwait(false);
        }

        /// <returns>true when this call moved the socket to Disconnected.</returns>
        private bool SetDisconnected(string reason, bool raise, object? details = null)
        {
            List<PendingAck> pending;
            lock (_gate)
            {
                if (_state == ConnectionState.Disconnected) return false;
                bool wasConnected = _state == ConnectionState.Connected;
                _state = ConnectionState.Disconnected;
                _connecting = null;
                DisconnectReason = reason;
                pending = new List<PendingAck>(_pendingAcks.Values);
                _pendingAcks.Clear();
                raise &= wasConnected;
            }
            foreach (var ack in pending)
                ack.Completion.TrySetException(new SocketIoNotConnectedException($"The socket disconnected ({reason}) before the acknowledgement arrived."));
            if (raise) _manager.Dispatcher.Post(() => Disconnected?.Invoke(reason, details));
            return true;
        }

        private void EnsureConnected()
        {
            var state = State;
            if (state != ConnectionState.Connected)
                throw new SocketIoNotConnectedException($"Namespace '{Namespace}' is not connected (state: {state}).");
        }

        private static object?[] WithName(string eventName, IReadOnlyList<object?> arguments)
        {
            if (string.IsNullOrEmpty(eventName)) throw new ArgumentException("An event needs a name.", nameof(eventName));
            if (ReservedEventNames.Contains(eventName)) throw new SocketIoReservedEventNameException(eventName);
            var all = new object?[arguments.Count + 1];
            all[0] = eventName;
            for (int i = 0; i < arguments.Count; i++) all[i + 1] = arguments[i];
            return all;
        }

        private sealed class PendingAck
        {
            public TaskCompletionSource<object?[]> Completion { get; } =
                new TaskCompletionSource<object?[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }
}
