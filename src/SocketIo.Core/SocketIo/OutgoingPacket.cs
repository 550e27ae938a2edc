using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo;
using SocketIo.Core.Json;

namespace SocketIo.Core.SocketIo
{
    internal enum PacketStatus
    {
        /// <summary>In the namespace's send buffer (not connected).</summary>
        Buffered,
        /// <summary>In a session's write queue.</summary>
        Queued,
        /// <summary>Being written.</summary>
        Writing,
        /// <summary>Written.</summary>
        Sent,
        /// <summary>Dropped, discarded or failed: it will not be written.</summary>
        Done,
    }

    /// <summary>One Socket.IO packet on its way out: an event (with or without ack id), or a control packet
    /// (CONNECT, DISCONNECT, ACK) that is never buffered.</summary>
    internal sealed class OutgoingPacket : EngineSocket.SendGroup
    {
        public OutgoingPacket(NamespaceSocket owner, IReadOnlyList<OutgoingFrame> frames, object?[]? eventArguments, long? ackId, bool isVolatile)
            : base(frames, withTask: false)
        {
            Owner = owner;
            EventArguments = eventArguments;
            AckId = ackId;
            Volatile = isVolatile;
        }

        public NamespaceSocket Owner { get; }
        /// <summary>An event's name then its arguments; null for a control packet.</summary>
        public object?[]? EventArguments { get; }
        public bool IsControl => EventArguments == null;
        /// <summary>Only written while its namespace is joined on the session (events and ACK replies; not CONNECT or
        /// DISCONNECT).</summary>
        public bool NeedsJoined { get; set; } = true;
        public long? AckId { get; }
        public bool Volatile { get; }
        /// <summary>Emit order within the namespace (keeps re-buffered packets in place).</summary>
        public long Sequence { get; set; }
        /// <summary>Changed under the owner's lock.</summary>
        public PacketStatus Status { get; set; }
        /// <summary>The retry-queue entry this try belongs to, if any.</summary>
        public RetryEntry? Retry { get; set; }
        /// <summary>The session it was queued on.</summary>
        public EngineSession? Session { get; set; }
        /// <summary>The link in its session's write queue (<see cref="PacketFifo"/>); null once the pump took it.</summary>
        internal OutgoingPacket? NextQueued;

        private static readonly Task<EmitOutcome>[] Outcomes =
        {
            Task.FromResult(EmitOutcome.Sent), Task.FromResult(EmitOutcome.Buffered),
            Task.FromResult(EmitOutcome.Dropped), Task.FromResult(EmitOutcome.Queued),
        };

        // The outcome once known; a TaskCompletionSource only when someone waits before that (an emit written before
        // its caller looks never needs one).
        private TaskCompletionSource<EmitOutcome>? _written;
        private TaskCompletionSource<EmitOutcome>? _emitted;
        private EmitOutcome _outcome;
        private bool _done;

        /// <summary>Completes when the packet was written (Sent), went back to the buffer (Buffered), or will not be
        /// written (Dropped, with <see cref="Error"/> set when that is a failure). Never faults: nobody may be waiting.</summary>
        public Task<EmitOutcome> Written
        {
            get
            {
                lock (this)
                {
                    if (_done) return Completed(_outcome);
                    return (_written ??= new TaskCompletionSource<EmitOutcome>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
                }
            }
        }

        /// <summary><see cref="Written"/> for the emitter: faults with <see cref="Error"/> when there is one. Completed by
        /// the writer itself (no continuation hop per emit; the caller's continuations run in the pool).</summary>
        public Task<EmitOutcome> Emitted
        {
            [MethodImpl(HotPath.Optimize)]
            get
            {
                lock (this)
                {
                    if (_done) return Error == null ? Completed(_outcome) : Task.FromException<EmitOutcome>(Error);
                    return (_emitted ??= new TaskCompletionSource<EmitOutcome>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
                }
            }
        }

        /// <summary>Sets the outcome of <see cref="Written"/> and <see cref="Emitted"/> (the first call wins); a failure's
        /// <see cref="Error"/> is set before.</summary>
        [MethodImpl(HotPath.Optimize)]
        public void SetWritten(EmitOutcome outcome)
        {
            TaskCompletionSource<EmitOutcome>? waiter, emitter;
            lock (this)
            {
                if (_done) return;
                _done = true;
                _outcome = outcome;
                waiter = _written;
                emitter = _emitted;
            }
            waiter?.TrySetResult(outcome);
            if (emitter == null) return;
            var error = Error;
            if (error == null) emitter.TrySetResult(outcome);
            else emitter.TrySetException(error);
        }

        /// <summary>A completed task with that outcome (cached: no allocation).</summary>
        public static Task<EmitOutcome> Completed(EmitOutcome outcome)
        {
            int index = (int)outcome;
            return index >= 0 && index < Outcomes.Length && Outcomes[index].Result == outcome ? Outcomes[index] : Task.FromResult(outcome);
        }

        /// <summary>Why the packet could not be written, if it could not.</summary>
        public Exception? Error { get; set; }

        /// <summary>The pooled buffer behind its text frame, if any: back to the pool once written, never earlier (a
        /// packet that was not written may be sent later; one that failed is left to the GC, as the transport may
        /// still have held it).</summary>
        public byte[]? Rented { get; set; }

        /// <summary>The session that handed it to its engine (which reports back through this packet).</summary>
        public EngineSession? WrittenBy { get; set; }

        [MethodImpl(HotPath.Optimize)]
        protected override void OnSent() => WrittenBy!.OnSent(this);

        protected override void OnSendFailed(Exception error) => WrittenBy!.OnSendFailed(this, error);

        [MethodImpl(HotPath.Optimize)]
        public void ReturnRented()
        {
            var rented = Rented;
            Rented = null;
            if (rented != null) System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
