using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo;

namespace SocketIo.Core.SocketIo
{
    public sealed partial class NamespaceSocket
    {
        // ---- leaving, losing the session, closing for good ----

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

        /// <summary>Moves to Disconnected (closed for good) and collects what must fail; null when it was already.</summary>
        private CloseWork? CloseLocked(string reason)
        {
            if (_state == ConnectionState.Disconnected) return null;
            var work = new CloseWork(_state == ConnectionState.Connected, reason)
            {
                Acks = _pendingAcks == null ? new List<PendingAck>() : new List<PendingAck>(_pendingAcks.Values),
                Discarded = new List<OutgoingPacket>(_sendBuffer),
                Retries = new List<RetryEntry>(_retryQueue),
            };
            _state = ConnectionState.Disconnected;
            _connecting = null;
            _session = null;
            DisconnectReason = reason;
            _pendingAcks?.Clear();
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
            // Closures and the event object only for listeners (a lambda here would capture the parameters at entry).
            if (Disconnected != null) PostDisconnected(reason, details);
            if (Lifecycle != null)
                RaiseLifecycle(new LifecycleEvent(LifecycleEventNames.Disconnect, Namespace) { Reason = reason, Details = details, WillReconnect = willReconnect });
        }

        private void PostDisconnected(string reason, object? details) => _manager.Dispatcher.Post(() => Disconnected?.Invoke(reason, details));

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
}
