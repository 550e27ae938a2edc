using System.Runtime.CompilerServices;
using SocketIo.Core.Json;
using SendGroup = SocketIo.Core.EngineIo.EngineSocket.SendGroup;

namespace SocketIo.Core.EngineIo
{
    /// <summary>
    /// The engine's write buffer: send groups in call order, linked through the groups themselves (no node object per
    /// send, as a LinkedList would allocate), removable from anywhere (a withdrawn SendAsync). Not thread-safe: the
    /// engine uses it under its lock.
    /// </summary>
    internal sealed class SendQueue
    {
        private SendGroup? _last;

        public SendGroup? First { get; private set; }

        public int Count { get; private set; }

        [MethodImpl(HotPath.Optimize)]
        public void AddLast(SendGroup group)
        {
            group.Queue = this;
            group.PreviousInQueue = _last;
            group.NextInQueue = null;
            if (_last == null) First = group;
            else _last.NextInQueue = group;
            _last = group;
            Count++;
        }

        public bool Contains(SendGroup group) => ReferenceEquals(group.Queue, this);

        /// <summary>Takes the group out; nothing when it is not (or no longer) in this queue.</summary>
        [MethodImpl(HotPath.Optimize)]
        public void Remove(SendGroup group)
        {
            if (!Contains(group)) return;
            var previous = group.PreviousInQueue;
            var next = group.NextInQueue;
            if (previous == null) First = next;
            else previous.NextInQueue = next;
            if (next == null) _last = previous;
            else next.PreviousInQueue = previous;
            Unlink(group);
            Count--;
        }

        public void Clear()
        {
            for (var group = First; group != null;)
            {
                var next = group.NextInQueue;
                Unlink(group);
                group = next;
            }
            First = _last = null;
            Count = 0;
        }

        private static void Unlink(SendGroup group)
        {
            group.Queue = null;
            group.PreviousInQueue = group.NextInQueue = null;
        }
    }
}
