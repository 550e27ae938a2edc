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
        private readonly LinkedList<SocketIoMessage> _messages = new LinkedList<SocketIoMessage>();
        private readonly List<MailboxSignal> _signals = new List<MailboxSignal>();
        private long _dropped;
        private bool _completed;

        public Mailbox(int capacity) => Capacity = capacity;

        public int Capacity { get; }

        public long Dropped => Interlocked.Read(ref _dropped);

        public int Count { get { lock (_messages) return _messages.Count; } }

        /// <summary>True once the connection is closed for good: nothing more will arrive.</summary>
        public bool IsCompleted { get { lock (_messages) return _completed; } }

        public void Add(SocketIoMessage message)
        {
            lock (_messages)
            {
                if (_messages.Count >= Capacity)
                {
                    _messages.RemoveFirst();
                    Interlocked.Increment(ref _dropped);
                }
                _messages.AddLast(message);
            }
            Signal();
        }

        public void Complete()
        {
            lock (_messages) _completed = true;
            Signal();
        }

        /// <summary>
        /// Puts back messages a reader took but never wrote (its pipeline stopped: Select-Object -First, Ctrl+C, an error
        /// downstream): each goes back to its place in arrival order, as if it had not been taken. If that overfills the
        /// mailbox, the oldest messages are dropped and counted, as they would have been without the take.
        /// </summary>
        public void Restore(IEnumerable<SocketIoMessage> messages)
        {
            lock (_messages)
            {
                foreach (var message in messages)
                {
                    var node = _messages.First;
                    while (node != null && node.Value.Sequence < message.Sequence) node = node.Next;
                    if (node == null) _messages.AddLast(message);
                    else _messages.AddBefore(node, message);
                }
                while (_messages.Count > Capacity)
                {
                    _messages.RemoveFirst();
                    Interlocked.Increment(ref _dropped);
                }
            }
            Signal();
        }

        /// <summary>Moves up to <paramref name="max"/> matching messages, oldest first, into <paramref name="into"/>.</summary>
        public int Take(EventNameFilter filter, int max, List<SocketIoMessage> into)
        {
            int taken = 0;
            lock (_messages)
            {
                var node = _messages.First;
                while (node != null && taken < max)
                {
                    var next = node.Next;
                    if (filter.Matches(node.Value))
                    {
                        into.Add(node.Value);
                        _messages.Remove(node);
                        taken++;
                    }
                    node = next;
                }
            }
            return taken;
        }

        /// <summary>The arrival sequence of the oldest matching message, or null.</summary>
        public long? PeekSequence(EventNameFilter filter)
        {
            lock (_messages)
            {
                for (var node = _messages.First; node != null; node = node.Next)
                    if (filter.Matches(node.Value)) return node.Value.Sequence;
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
            lock (_messages)
            {
                if (_messages.Last != null && _messages.Last.Value.Sequence > after) newest = _messages.Last.Value.Sequence;
                for (var node = _messages.Last; node != null && node.Value.Sequence > after; node = node.Previous)
                    if (filter.Matches(node.Value)) found = node.Value.Sequence;
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
