using System;

namespace SocketIo.Core.EngineIo
{
    /// <summary>
    /// Large attachment arrays their receiver gave back (<see cref="SocketIo.IncomingEvent.ReleaseAttachments"/>), for
    /// later attachments of exactly the same length. Each such array is a large-object-heap allocation the runtime
    /// faults in page by page and reclaims only with a full GC: reusing them is what lets a stream of large binary
    /// events run at the socket's speed. Held weakly, so an array nobody asks for again goes with the next full GC and
    /// the pool never keeps memory alive.
    /// </summary>
    internal static class RecycledArrays
    {
        // The receive loop reads ahead of the handlers (events wait in the dispatch queue), so a stream has several arrays
        // in flight: with 4 slots a 1 MiB stream still allocated for 5-10 % of its events (the overflow was dropped),
        // with 16 for 0.2-0.5 %.
        private const int Slots = 16;

        private static readonly WeakReference<byte[]?>[] Held = CreateSlots();
        private static int _next;

        /// <summary>Takes an array of exactly <paramref name="length"/> bytes out of the pool, or returns null.</summary>
        public static byte[]? TryTake(int length)
        {
            lock (Held)
            {
                foreach (var slot in Held)
                {
                    if (slot.TryGetTarget(out var array) && array != null && array.Length == length)
                    {
                        slot.SetTarget(null);
                        return array;
                    }
                }
            }
            return null;
        }

        /// <summary>Offers <paramref name="array"/> for reuse: its contents will be overwritten. Small arrays are
        /// not kept (the small object heap recycles them cheaply itself).</summary>
        public static void Return(byte[] array)
        {
            if (array.Length < DetachedPayload.Threshold) return;
            lock (Held)
            {
                foreach (var slot in Held)
                {
                    if (slot.TryGetTarget(out var held) && ReferenceEquals(held, array)) return; // given back twice
                }
                foreach (var slot in Held)
                {
                    if (!slot.TryGetTarget(out var held) || held == null)
                    {
                        slot.SetTarget(array);
                        return;
                    }
                }
                // Full: replace slots in turn, so a change of attachment size does not leave the pool stuck on the old one.
                Held[_next].SetTarget(array);
                _next = (_next + 1) % Slots;
            }
        }

        private static WeakReference<byte[]?>[] CreateSlots()
        {
            var slots = new WeakReference<byte[]?>[Slots];
            for (int i = 0; i < slots.Length; i++) slots[i] = new WeakReference<byte[]?>(null);
            return slots;
        }
    }
}
