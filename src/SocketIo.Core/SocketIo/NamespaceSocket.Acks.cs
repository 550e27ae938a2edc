using System;
using System.Collections.Generic;
using System.Threading;

namespace SocketIo.Core.SocketIo
{
    public sealed partial class NamespaceSocket
    {
        // ---- acknowledgements this client waits for ----

        internal void OnAckTimeout(PendingAck pending)
        {
            lock (_gate)
            {
                ForgetLocked(pending);
                if (pending.Retry == null && pending.Packet.Status == PacketStatus.Buffered)
                {
                    // socket.io-client: a timed-out emit leaves the send buffer; it will never be sent.
                    _sendBuffer.Remove(pending.Packet);
                    pending.Packet.Status = PacketStatus.Done;
                }
            }
            CompleteAck(pending, new SocketIoAckTimeoutException(pending.EventName, pending.Timeout ?? TimeSpan.Zero), null);
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
                ForgetLocked(pending);
            }
            if (pending.TryFinish()) pending.Completion.TrySetCanceled(cancellationToken);
        }

        /// <summary>Takes the acknowledgement registered under <paramref name="id"/> out of the table, if any.</summary>
        private PendingAck? TakeLocked(long id)
        {
            if (_pendingAcks == null || !_pendingAcks.TryGetValue(id, out var pending)) return null;
            _pendingAcks.Remove(id);
            return pending;
        }

        /// <summary>The acknowledgement waiting for <paramref name="packet"/>, taken out of the table; null when the packet
        /// asks none or its id now belongs to another try.</summary>
        private PendingAck? TakeLocked(OutgoingPacket packet)
        {
            if (!(packet.AckId is long id) || _pendingAcks == null || !_pendingAcks.TryGetValue(id, out var registered)
                || !ReferenceEquals(registered.Packet, packet)) return null;
            _pendingAcks.Remove(id);
            return registered;
        }

        /// <summary>Takes <paramref name="pending"/> out of the table unless its id belongs to another wait by now.</summary>
        private void ForgetLocked(PendingAck pending)
        {
            if (_pendingAcks != null && _pendingAcks.TryGetValue(pending.Id, out var registered) && ReferenceEquals(registered, pending))
                _pendingAcks.Remove(pending.Id);
        }

        /// <summary>socket.io-client's _clearAcks: the acknowledgements whose packet was written (not those still buffered
        /// or queued, which will be sent after the reconnection).</summary>
        private List<PendingAck> TakeWrittenAcksLocked()
        {
            var taken = new List<PendingAck>();
            if (_pendingAcks == null) return taken;
            foreach (var pending in _pendingAcks.Values)
                if (pending.Packet.Status == PacketStatus.Writing || pending.Packet.Status == PacketStatus.Sent) taken.Add(pending);
            foreach (var pending in taken) _pendingAcks.Remove(pending.Id);
            return taken;
        }
    }
}
