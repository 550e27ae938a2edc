using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo;

namespace SocketIo.Core.SocketIo
{
    public sealed partial class NamespaceSocket
    {
        // ---- joining: CONNECT (with the recovery pid and offset), its reply or refusal ----

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
            // A caller's token that can never be cancelled needs no linking (one source and registration less per connect).
            using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token) : null;
            var token = linked?.Token ?? timeout.Token;
            try
            {
                var session = await _manager.OpenAsync(token, null).ConfigureAwait(false);
                if (!SendConnect(session))
                    throw new SocketIoConnectFailedException($"The connection closed before namespace '{Namespace}' was joined.");
                using (token.Register(state => ((TaskCompletionSource<bool>)state!).TrySetCanceled(), connecting))
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
            if (Lifecycle != null) // the event object only when someone listens: every connect goes through here
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
    }
}
