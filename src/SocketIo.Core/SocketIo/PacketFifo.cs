using System.Threading;

namespace SocketIo.Core.SocketIo
{
    /// <summary>
    /// A session's write queue: packets from any thread, in order, to the one pump that takes them
    /// (<see cref="EngineSession"/> runs one pump at a time). The packets link themselves
    /// (<see cref="OutgoingPacket.NextQueued"/>), so an idle queue is two null references, where a ConcurrentQueue
    /// held a segment of slots per session (~800 bytes for each idle connection). Producers push onto a stack with one
    /// compare-exchange; the pump takes the whole stack at once and reverses it into its own list, which keeps the
    /// order: every packet taken in one batch was queued after every packet of the batch before.
    /// A mutable struct: keep it in a field and call it there, never copy it.
    /// </summary>
    internal struct PacketFifo
    {
        private OutgoingPacket? _pushed; // newest first; any thread pushes
        private OutgoingPacket? _ready; // oldest first; only the pump changes it

        public bool IsEmpty => Volatile.Read(ref _ready) == null && Volatile.Read(ref _pushed) == null;

        public void Enqueue(OutgoingPacket packet)
        {
            var head = Volatile.Read(ref _pushed);
            while (true)
            {
                packet.NextQueued = head;
                var seen = Interlocked.CompareExchange(ref _pushed, packet, head);
                if (ReferenceEquals(seen, head)) return;
                head = seen;
            }
        }

        /// <summary>The oldest packet, or null when there is none. Only the pump calls it.</summary>
        public OutgoingPacket? TryDequeue()
        {
            var first = _ready;
            if (first == null)
            {
                var pushed = Interlocked.Exchange(ref _pushed, null);
                if (pushed == null) return null;
                while (pushed != null)
                {
                    var older = pushed.NextQueued;
                    pushed.NextQueued = first;
                    first = pushed;
                    pushed = older;
                }
            }
            Volatile.Write(ref _ready, first!.NextQueued);
            first.NextQueued = null; // a packet queued again (re-buffered, then flushed) starts unlinked
            return first;
        }
    }
}
