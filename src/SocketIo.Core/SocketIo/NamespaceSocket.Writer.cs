using System;
using System.Runtime.CompilerServices;
using System.Threading;
using SocketIo.Core.Json;

namespace SocketIo.Core.SocketIo
{
    public sealed partial class NamespaceSocket
    {
        // ---- from the session's writer ------------------------------------------------------------------------------

        /// <returns>false when the packet must not be written on <paramref name="session"/> (then it is not sent).</returns>
        [MethodImpl(HotPath.Optimize)]
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

        [MethodImpl(HotPath.Optimize)]
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
                pending = TakeLocked(packet);
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
                    pending = TakeLocked(packet);
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
    }
}
