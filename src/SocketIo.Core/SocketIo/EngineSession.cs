using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;
using SocketIo.Core.EngineIo;
using SocketIo.Core.Json;

namespace SocketIo.Core.SocketIo
{
    /// <summary>
    /// One Engine.IO session of a manager and its single writer: Socket.IO packets reach the engine in the order they
    /// were queued, whichever namespace queued them (so a flushed buffer never overtakes or is overtaken); the engine
    /// writes them in that order (batching them on polling). When the session ends, packets not yet handed to the
    /// engine go back to their namespace (<see cref="NamespaceSocket"/> re-buffers them), so an emit is not lost just
    /// because it was queued a moment before the connection dropped; packets the engine held when it closed may or may
    /// not have arrived (socket.io's at-most-once) and fail.
    /// </summary>
    internal sealed class EngineSession
    {
        /// <summary>Packets handed to the engine and not yet reported back; more wait in this session's queue, so that a
        /// session that ends gives them back to their namespace (re-buffered) instead of failing them.</summary>
        private const int MaxInFlight = 256;

        /// <summary>Emits closer together than this (20 µs, a few loopback writes) are written in batches by the pool.</summary>
        private static readonly long BurstTicks = Stopwatch.Frequency / 50_000;

        /// <summary>After a burst pump found a single packet (its emitter waits for each emit), this many emits of the
        /// burst are written inline before the pool is tried again.</summary>
        private const int InlineAfterSinglePacket = 64;

        private PacketFifo _queue; // a mutable struct: used in place
        private int _pumping;
        private long _pumpEndedAt; // Stopwatch ticks
        private int _inlineBeforeRetry; // see InlineAfterSinglePacket; only the pump's holder touches it
        private int _inFlight; // handed to the engine, not yet reported back
        private volatile bool _opened;
        private volatile bool _failed;

        public EngineSession(EngineSocket engine, ISioDecoder decoder, int generation)
        {
            Engine = engine;
            Decoder = decoder;
            Generation = generation;
        }

        public EngineSocket Engine { get; }

        public ISioDecoder Decoder { get; }

        /// <summary>1 for the manager's first session, then increasing.</summary>
        public int Generation { get; }

        /// <summary>The handshake completed (a session that never opened is never "closed": its open failed).</summary>
        public bool WasOpened => _opened;

        public bool IsOpen => _opened && !_failed && Engine.IsOpen;

        public void MarkOpened() => _opened = true;

        /// <summary>Queues a packet; false when the session has ended already (the caller keeps the packet).</summary>
        public bool Enqueue(OutgoingPacket packet)
        {
            if (_failed) return false;
            _queue.Enqueue(packet);
            Schedule();
            return true;
        }

        /// <summary>
        /// Queues a packet like <see cref="Enqueue"/>, but when no pump runs, the caller must start one with
        /// <see cref="StartReservedPump"/> once it holds no lock (<paramref name="startPump"/>): the emitting thread then
        /// writes at once, instead of handing over to the thread pool and waiting for it to be written.
        /// </summary>
        [MethodImpl(HotPath.Optimize)]
        public bool EnqueueDeferred(OutgoingPacket packet, out bool startPump)
        {
            startPump = false;
            if (_failed) return false;
            _queue.Enqueue(packet);
            startPump = Interlocked.CompareExchange(ref _pumping, 1, 0) == 0;
            return true;
        }

        /// <summary>
        /// Runs the pump that <see cref="EnqueueDeferred"/> reserved. An emit after a quiet spell is written on this
        /// thread at once (no pool hop before the write: the lowest latency). An emit that comes within
        /// <see cref="BurstTicks"/> of the last pump's end is part of a burst: the pool writes it, and whatever the
        /// emitting thread queues meanwhile goes into the same socket write, instead of one write (a system call, and
        /// the peer's wake-up) per emit. Unless the emitter waits for each emit (a pool pump then finds one packet, and
        /// the hop only delays the waiter): such emits go on inline. The caller's execution context does not flow into
        /// the writer.
        /// </summary>
        [MethodImpl(HotPath.Optimize)]
        public void StartReservedPump()
        {
            if (Stopwatch.GetTimestamp() - Volatile.Read(ref _pumpEndedAt) < BurstTicks)
            {
                if (_inlineBeforeRetry == 0)
                {
                    ThreadPool.UnsafeQueueUserWorkItem(BurstPumpCallback, this);
                    return;
                }
                _inlineBeforeRetry--;
            }
            if (ExecutionContext.IsFlowSuppressed())
            {
                Pump(PumpRun.Inline);
                return;
            }
            var flow = ExecutionContext.SuppressFlow();
            try { Pump(PumpRun.Inline); }
            finally { flow.Undo(); }
        }

        /// <summary>The session ended: whatever is still queued goes back to its owner, in order.</summary>
        public void Fail()
        {
            _failed = true;
            Schedule();
        }

        private void Schedule()
        {
            if (Interlocked.CompareExchange(ref _pumping, 1, 0) == 0)
                ThreadPool.UnsafeQueueUserWorkItem(PumpCallback, this);
        }

        private static readonly WaitCallback PumpCallback = state => ((EngineSession)state!).Pump(PumpRun.Pool);
        private static readonly WaitCallback BurstPumpCallback = state => ((EngineSession)state!).Pump(PumpRun.Burst);

        private enum PumpRun
        {
            /// <summary>On an emitting thread, which hands over at most <see cref="InlineBudget"/> packets.</summary>
            Inline,
            /// <summary>In the pool.</summary>
            Pool,
            /// <summary>In the pool, for a burst of emits (see <see cref="StartReservedPump"/>).</summary>
            Burst,
        }

        /// <summary>Packets an emitting thread hands over (and may write) for others before the pool takes over.</summary>
        private const int InlineBudget = 64;

        /// <summary>Hands queued packets to the engine (which keeps call order and batches), at most
        /// <see cref="MaxInFlight"/> unsettled at a time; the engine reports each one back (<see cref="OnSent"/>,
        /// <see cref="OnSendFailed"/>). Runs once at a time (<see cref="_pumping"/>).</summary>
        [MethodImpl(HotPath.Optimize)]
        private void Pump(PumpRun run)
        {
            int budget = run == PumpRun.Inline ? InlineBudget : int.MaxValue;
            int handed = 0;
            while (true)
            {
                bool handedOver = false; // packets given to the engine since its last flush
                while (_failed || Volatile.Read(ref _inFlight) < MaxInFlight)
                {
                    if (--budget < 0 && !_queue.IsEmpty)
                    {
                        // An emitting thread does not keep writing for others: the rest goes on in the pool (the pump
                        // stays reserved, so the order holds).
                        if (handedOver) Engine.Flush();
                        ThreadPool.UnsafeQueueUserWorkItem(PumpCallback, this);
                        return;
                    }
                    var packet = _queue.TryDequeue();
                    if (packet == null) break;
                    if (_failed || !Engine.IsOpen)
                    {
                        _failed = true;
                        packet.Owner.OnNotSent(packet, this);
                        continue;
                    }
                    if (!packet.Owner.OnWriting(packet, this))
                    {
                        // Its namespace left this session meanwhile (kicked, disconnected, or joined again elsewhere):
                        // a packet for a namespace the server does not consider joined makes node close the session.
                        packet.Owner.OnNotSent(packet, this);
                        continue;
                    }
                    packet.WrittenBy = this;
                    Interlocked.Increment(ref _inFlight);
                    try
                    {
                        // Queued without starting the writer: everything this run hands over goes out in one write.
                        Engine.Send(packet, flush: false);
                        handedOver = true;
                        handed++;
                    }
                    catch (SocketIoNotConnectedException)
                    {
                        // Refused before queuing: nothing of it was written, so it can go back to its namespace.
                        Interlocked.Decrement(ref _inFlight);
                        _failed = true;
                        packet.Owner.OnNotSent(packet, this);
                    }
                    catch (Exception e)
                    {
                        // Refused before anything was written (too large, not serializable): only this packet fails.
                        Interlocked.Decrement(ref _inFlight);
                        packet.Owner.OnWriteFailed(packet, e);
                    }
                }
                if (handedOver) Engine.Flush(); // may write (and report back) on this thread before it returns
                if (run == PumpRun.Burst && handed <= 1) _inlineBeforeRetry = InlineAfterSinglePacket;
                Volatile.Write(ref _pumpEndedAt, Stopwatch.GetTimestamp());
                Volatile.Write(ref _pumping, 0);
                // Look again after letting go: a packet queued, or a slot freed, meanwhile found the pump still reserved.
                if (_queue.IsEmpty || (Volatile.Read(ref _inFlight) >= MaxInFlight && !_failed)) return;
                if (Interlocked.CompareExchange(ref _pumping, 1, 0) != 0) return;
            }
        }

        /// <summary>From the engine: the packet's frames were written.</summary>
        [MethodImpl(HotPath.Optimize)]
        internal void OnSent(OutgoingPacket packet)
        {
            Interlocked.Decrement(ref _inFlight);
            packet.Owner.OnWritten(packet);
            ResumeIfWaiting();
        }

        /// <summary>From the engine: lost while the engine held it; it may or may not have reached the server (at most once).</summary>
        internal void OnSendFailed(OutgoingPacket packet, Exception error)
        {
            Interlocked.Decrement(ref _inFlight);
            if (!(error is SocketIoPayloadTooLargeException || error is SocketIoSerializationException)) _failed = true;
            packet.Owner.OnWriteFailed(packet, error);
            ResumeIfWaiting();
        }

        [MethodImpl(HotPath.Optimize)]
        private void ResumeIfWaiting()
        {
            if (!_queue.IsEmpty && Volatile.Read(ref _pumping) == 0) Schedule();
        }
    }
}
