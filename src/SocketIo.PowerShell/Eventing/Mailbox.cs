using System;
using System.Collections.Generic;
using System.Threading;

namespace SocketIo.PowerShell.Eventing
{
    /// <summary>
    /// A connection's bounded store of messages nobody has read yet (api.md, "Receiving"): filled from the moment the
    /// connection opens, read in arrival order by filter, each message to one reader. When full, the oldest message
    /// is dropped and counted. Readers block on a <see cref="MailboxSignal"/>, never on the mailbox lock.
    /// </summary>
    internal sealed class Mailbox
    {
        private const int InitialSize = 64;
        // A ring of messages in arrival order, grown by doubling up to Capacity: no node per message, and a reader takes
        // a batch from the head in one pass. (A linked list allocated a node per message and, with a large backlog, each
        // node pointing at a younger one made every gen0 collection walk the whole queue's cards.)
        private SocketIoMessage?[] _ring = new SocketIoMessage?[InitialSize];
        private int _head;
        private int _count;
        private readonly object _lock = new object();
        private readonly List<MailboxSignal> _signals = new List<MailboxSignal>();
        private long _dropped;
        private bool _completed;

        public Mailbox(int capacity) => Capacity = capacity;

        public int Capacity { get; }

        public long Dropped => Interlocked.Read(ref _dropped);

        public int Count { get { lock (_lock) return _count; } }

        /// <summary>True once the connection is closed for good: nothing more will arrive.</summary>
        public bool IsCompleted { get { lock (_lock) return _completed; } }

        public void Add(SocketIoMessage message)
        {
            lock (_lock)
            {
                if (_count >= Capacity) DropOldest();
                if (_count == _ring.Length) Grow();
                _ring[Slot(_count)] = message;
                _count++;
            }
            Signal();
        }

        public void Complete()
        {
            lock (_lock) _completed = true;
            Signal();
        }

        /// <summary>
        /// Puts back messages a reader took but never wrote (its pipeline stopped: Select-Object -First, Ctrl+C, an error
        /// downstream): each goes back to its place in arrival order, as if it had not been taken. If that overfills the
        /// mailbox, the oldest messages are dropped and counted, as they would have been without the take.
        /// </summary>
        public void Restore(IEnumerable<SocketIoMessage> messages)
        {
            lock (_lock)
            {
                // Rare (a stopped pipeline): merge the two arrival-ordered runs into a fresh ring.
                var restored = new List<SocketIoMessage>(messages);
                restored.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
                var merged = new List<SocketIoMessage>(_count + restored.Count);
                int i = 0, j = 0;
                while (i < _count || j < restored.Count)
                {
                    if (j == restored.Count || (i < _count && _ring[Slot(i)]!.Sequence < restored[j].Sequence)) merged.Add(_ring[Slot(i++)]!);
                    else merged.Add(restored[j++]);
                }
                int skip = Math.Max(0, merged.Count - Capacity);
                Interlocked.Add(ref _dropped, skip);
                int size = _ring.Length;
                while (size < merged.Count - skip) size *= 2;
                _ring = new SocketIoMessage?[size];
                _head = 0;
                _count = merged.Count - skip;
                for (int k = 0; k < _count; k++) _ring[k] = merged[skip + k];
            }
            Signal();
        }

        /// <summary>Moves up to <paramref name="max"/> matching messages, oldest first, into <paramref name="into"/>.</summary>
        public int Take(EventNameFilter filter, int max, List<SocketIoMessage> into)
        {
            int taken = 0;
            lock (_lock)
            {
                // Scan from the head up to the last message taken; the ones left in that stretch (other names) slide
                // towards the tail, keeping their order, and the head moves past the gap. Taking everything in order,
                // the usual case, just moves the head.
                int last = -1;
                for (int i = 0; i < _count && taken < max; i++)
                {
                    var message = _ring[Slot(i)]!;
                    if (!filter.Matches(message)) continue;
                    into.Add(message);
                    _ring[Slot(i)] = null;
                    taken++;
                    last = i;
                }
                if (taken == 0) return 0;
                int write = last;
                for (int i = last; i >= 0; i--)
                {
                    var message = _ring[Slot(i)];
                    if (message == null) continue;
                    _ring[Slot(i)] = null;
                    _ring[Slot(write--)] = message;
                }
                _head = (_head + taken) % _ring.Length;
                _count -= taken;
            }
            return taken;
        }

        /// <summary>The arrival sequence of the oldest matching message, or null.</summary>
        public long? PeekSequence(EventNameFilter filter)
        {
            lock (_lock)
            {
                for (int i = 0; i < _count; i++)
                {
                    var message = _ring[Slot(i)]!;
                    if (filter.Matches(message)) return message.Sequence;
                }
            }
            return null;
        }

        /// <summary>
        /// The arrival sequence of the oldest matching message among those that arrived after <paramref name="after"/>
        /// (a sequence), or null; <paramref name="newest"/> is the newest sequence looked at. A waiter that remembers
        /// it looks at each message once, however many unread messages of other names pile up.
        /// </summary>
        public long? PeekSequenceAfter(EventNameFilter filter, long after, out long newest)
        {
            long? found = null;
            newest = after;
            lock (_lock)
            {
                if (_count > 0 && _ring[Slot(_count - 1)]!.Sequence > after) newest = _ring[Slot(_count - 1)]!.Sequence;
                for (int i = _count - 1; i >= 0; i--)
                {
                    var message = _ring[Slot(i)]!;
                    if (message.Sequence <= after) break;
                    if (filter.Matches(message)) found = message.Sequence;
                }
            }
            return found;
        }

        public void Subscribe(MailboxSignal signal)
        {
            lock (_signals) _signals.Add(signal);
        }

        public void Unsubscribe(MailboxSignal signal)
        {
            lock (_signals) _signals.Remove(signal);
        }

        private int Slot(int index)
        {
            int slot = _head + index;
            return slot < _ring.Length ? slot : slot - _ring.Length;
        }

        private void DropOldest()
        {
            _ring[_head] = null;
            _head = (_head + 1) % _ring.Length;
            _count--;
            Interlocked.Increment(ref _dropped);
        }

        private void Grow()
        {
            var grown = new SocketIoMessage?[Math.Max(InitialSize, _ring.Length * 2)];
            for (int i = 0; i < _count; i++) grown[i] = _ring[Slot(i)];
            _ring = grown;
            _head = 0;
        }

        private void Signal()
        {
            lock (_signals)
                foreach (var signal in _signals) signal.Set();
        }
    }

    /// <summary>Wakes a reader when any of the mailboxes it watches changes.</summary>
    internal sealed class MailboxSignal : System.IDisposable
    {
        // No spinning before blocking: the writer it waits for needs the CPU (2 cores), and a wake is rare once readers
        // take batches.
        private readonly ManualResetEventSlim _event = new ManualResetEventSlim(false, spinCount: 1);

        public void Set() => _event.Set();

        /// <summary>Call before looking at the mailboxes, so a message added meanwhile is not missed.</summary>
        public void Reset() => _event.Reset();

        /// <returns>false on timeout.</returns>
        public bool Wait(int milliseconds, CancellationToken cancellationToken) => _event.Wait(milliseconds, cancellationToken);

        public void Dispose() => _event.Dispose();
    }
}
