using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.Json;

namespace SocketIo.Core.EngineIo
{
    public sealed partial class EngineSocket
    {
        // ---- the write buffer: sending ----

        /// <summary>Queues frames as one group and completes once they are written (WebSocket frames sent, or the POST
        /// that carried the last of them answered 200). Groups go out in call order and never interleave. Fails with
        /// <see cref="SocketIoPayloadTooLargeException"/> before queuing when a frame exceeds the server's maxPayload
        /// (the server would drop the connection). Cancelling only withdraws a group nothing of which was written.</summary>
        public Task SendAsync(IReadOnlyList<OutgoingFrame> frames, CancellationToken cancellationToken)
        {
            CheckSendable(frames);
            if (frames.Count == 0) return Task.CompletedTask;
            cancellationToken.ThrowIfCancellationRequested();

            var group = new SendGroup(frames);
            Add(group);
            if (cancellationToken.CanBeCanceled) group.Registration = cancellationToken.Register(() => Withdraw(group));
            Flush();
            return group.Done!.Task;
        }

        /// <summary><see cref="SendAsync"/> without a task: the group (a subclass of <see cref="SendGroup"/>) hears once,
        /// in call order, that its frames were written or failed to be, on the writer's thread (it must not block).
        /// Throws as SendAsync does before queuing. Without <paramref name="flush"/> the frames wait for the caller's
        /// <see cref="Flush"/>, so that several sends go out in one write. A group is sent at most once.</summary>
        [MethodImpl(HotPath.Optimize)]
        internal void Send(SendGroup group, bool flush = true)
        {
            var frames = group.Frames;
            CheckSendable(frames);
            if (frames.Count == 0)
            {
                group.Complete();
                return;
            }
            Add(group);
            if (flush) Flush();
        }

        [MethodImpl(HotPath.Optimize)]
        private void CheckSendable(IReadOnlyList<OutgoingFrame> frames)
        {
            if (Volatile.Read(ref _state) != StateOpen || Handshake == null) throw new SocketIoNotConnectedException("The connection is closed.");
            long limit = Handshake.MaxPayload;
            if (limit <= 0) return;
            bool base64 = _options.ForceBase64 || TransportName == EngineTransport.PollingName;
            for (int i = 0; i < frames.Count; i++) // not foreach: no enumerator per send
            {
                long size = EnginePacketCodec.EncodedLength(frames[i], base64);
                if (size > limit) throw new SocketIoPayloadTooLargeException(size, limit);
            }
        }

        [MethodImpl(HotPath.Optimize)]
        private void Add(SendGroup group)
        {
            lock (_gate)
            {
                if (Volatile.Read(ref _state) != StateOpen) throw new SocketIoNotConnectedException("The connection is closed.");
                _queue.AddLast(group);
            }
        }

        // ---- writing ------------------------------------------------------------------------------------------

        private long _writes;

        /// <summary>Transport writes (WebSocket batches, POSTs) started so far: how well sends were batched.</summary>
        internal long Writes => Interlocked.Read(ref _writes);

        /// <summary>Starts the single writer unless it runs, the buffer is empty, or an upgrade holds writes back. A write
        /// that completes at once runs on the calling thread.</summary>
        [MethodImpl(HotPath.Optimize)]
        internal void Flush()
        {
            lock (_gate)
            {
                if (_flushing || _upgrading || _transport == null || _queue.Count == 0 || Volatile.Read(ref _state) == StateClosed) return;
                _flushing = true;
            }
            _ = FlushLoopAsync();
        }

        private async Task FlushLoopAsync()
        {
            while (true)
            {
                EngineTransport transport;
                Batch batch;
                lock (_gate)
                {
                    if (_upgrading || _transport == null || _queue.Count == 0 || Volatile.Read(ref _state) == StateClosed)
                    {
                        StopWriter();
                        return;
                    }
                    transport = _transport;
                    batch = TakeBatch(_queue, transport is PollingTransport ? (Handshake?.MaxPayload ?? 0) : -1, MaxPacketsPerPost, _batch);
                }
                Interlocked.Increment(ref _writes);
                try
                {
                    await transport.WriteAsync(batch.Frames, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    // The transport has reported its end (the session closes and fails the rest of the buffer).
                    lock (_gate)
                    {
                        foreach (var group in batch.Completed) _queue.Remove(group);
                        if (batch.Partial != null) _queue.Remove(batch.Partial);
                        StopWriter();
                    }
                    var failure = e as SocketIoException ?? new SocketIoNotConnectedException("The connection was lost while sending: " + e.Message);
                    foreach (var group in batch.Completed) group.Fail(failure);
                    batch.Partial?.Fail(failure);
                    return;
                }
                SettleWritten(batch);
            }
        }

        /// <summary>After a write: its groups leave the buffer and hear that they were written.</summary>
        [MethodImpl(HotPath.Optimize)]
        private void SettleWritten(Batch batch)
        {
            lock (_gate)
            {
                foreach (var group in batch.Completed) _queue.Remove(group); // unless a close cleared the queue
            }
            foreach (var group in batch.Completed) group.Complete();
            batch.Clear(); // the frames' buffers are not kept alive by the next idle period
        }

        /// <summary>The next write from the head of the buffer. WebSocket (<paramref name="maxPayload"/> &lt; 0): all of
        /// it. Polling: as engine.io-client does, packets while the payload stays within maxPayload (at least one), and
        /// at most <paramref name="maxPackets"/> packets (python-engineio's limit). A group may span two POSTs; nothing
        /// else comes between its frames.</summary>
        [MethodImpl(HotPath.Optimize)]
        internal static Batch TakeBatch(SendQueue queue, long maxPayload, int maxPackets, Batch? reuse = null)
        {
            var batch = reuse ?? new Batch();
            batch.Clear();
            long size = 0;
            for (var group = queue.First; group != null; group = group.NextInQueue)
            {
                while (group.Next < group.Frames.Count)
                {
                    var frame = group.Frames[group.Next];
                    if (maxPayload >= 0 && batch.Frames.Count > 0)
                    {
                        long projected = size + 1 + EnginePacketCodec.EncodedLength(frame, binaryAsBase64: true);
                        if (batch.Frames.Count >= maxPackets || (maxPayload > 0 && projected > maxPayload))
                        {
                            if (group.Started) batch.Partial = group;
                            return batch;
                        }
                        size = projected;
                    }
                    else if (maxPayload >= 0)
                    {
                        size = EnginePacketCodec.EncodedLength(frame, binaryAsBase64: true);
                    }
                    batch.Frames.Add(frame);
                    group.Started = true;
                    group.Next++;
                }
                batch.Completed.Add(group);
            }
            return batch;
        }

        private void Withdraw(SendGroup group)
        {
            lock (_gate)
            {
                if (group.Started || !_queue.Contains(group)) return;
                _queue.Remove(group);
                SignalIdle();
            }
            group.Cancel();
        }

        /// <summary>Under <see cref="_gate"/>: the writer loop ends.</summary>
        private void StopWriter()
        {
            _flushing = false;
            _writerStopped?.TrySetResult(true);
            _writerStopped = null;
            SignalIdle();
        }

        private Task WhenIdle()
        {
            lock (_gate)
            {
                if (IsIdle()) return Task.CompletedTask;
                var waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                (_idleWaiters ??= new List<TaskCompletionSource<bool>>()).Add(waiter);
                return waiter.Task;
            }
        }

        private bool IsIdle() => (_queue.Count == 0 || _transport == null || Volatile.Read(ref _state) == StateClosed) && !_flushing && !_upgrading;

        /// <summary>Under <see cref="_gate"/>: releases idle waiters once nothing is pending.</summary>
        private void SignalIdle()
        {
            if (_idleWaiters == null || !IsIdle()) return;
            foreach (var waiter in _idleWaiters) waiter.TrySetResult(true);
            _idleWaiters = null;
        }

        /// <summary>One SendAsync or Send call: frames that go out together, in order. SendAsync's groups complete a
        /// task; a subclass given to <see cref="Send"/> (the Socket.IO layer's packet) hears the outcome itself through
        /// <see cref="OnSent"/> and <see cref="OnSendFailed"/>, so that a packet on its way out is one object.</summary>
        internal class SendGroup
        {
            private int _settled;

            public SendGroup(IReadOnlyList<OutgoingFrame> frames) : this(frames, withTask: true) { }

            /// <param name="withTask">false for a subclass, which overrides <see cref="OnSent"/> and <see cref="OnSendFailed"/>.</param>
            protected SendGroup(IReadOnlyList<OutgoingFrame> frames, bool withTask)
            {
                Frames = frames;
                if (withTask) Done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            public IReadOnlyList<OutgoingFrame> Frames { get; }
            /// <summary>Index of the first frame not yet handed to a write.</summary>
            public int Next { get; set; }
            /// <summary>Some frame was handed to a write: the group can no longer be withdrawn.</summary>
            public bool Started { get; set; }
            /// <summary>The queue it is in (<see cref="SendQueue"/>'s links), or null.</summary>
            public SendQueue? Queue { get; set; }
            public SendGroup? PreviousInQueue { get; set; }
            public SendGroup? NextInQueue { get; set; }
            public CancellationTokenRegistration Registration { get; set; }
            /// <summary>SendAsync's task (null for a subclass's group).</summary>
            public TaskCompletionSource<bool>? Done { get; }

            [MethodImpl(HotPath.Optimize)]
            public void Complete()
            {
                if (Interlocked.Exchange(ref _settled, 1) != 0) return;
                Registration.Dispose();
                OnSent();
            }

            public void Fail(Exception error)
            {
                if (Interlocked.Exchange(ref _settled, 1) != 0) return;
                Registration.Dispose();
                OnSendFailed(error);
            }

            /// <summary>The frames were written: exactly one of this and <see cref="OnSendFailed"/> is called, on the
            /// writer's thread (or the closing one). It must not block: it runs inside the writer loop.</summary>
            protected virtual void OnSent() => Done!.TrySetResult(true);

            protected virtual void OnSendFailed(Exception error) => Done!.TrySetException(error);

            /// <summary>Withdrawn before anything of it was written (SendAsync's cancellation).</summary>
            public void Cancel()
            {
                if (Interlocked.Exchange(ref _settled, 1) != 0) return;
                Done?.TrySetCanceled();
            }
        }

        /// <summary>What one write takes from the buffer.</summary>
        internal sealed class Batch
        {
            public List<OutgoingFrame> Frames { get; } = new List<OutgoingFrame>();
            /// <summary>Groups whose last frame is in this batch.</summary>
            public List<SendGroup> Completed { get; } = new List<SendGroup>();
            /// <summary>A group this batch carries only the beginning of.</summary>
            public SendGroup? Partial { get; set; }

            public void Clear()
            {
                Frames.Clear();
                Completed.Clear();
                Partial = null;
            }
        }
    }
}
