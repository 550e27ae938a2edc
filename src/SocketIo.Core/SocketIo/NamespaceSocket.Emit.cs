using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo;
using SocketIo.Core.Json;

namespace SocketIo.Core.SocketIo
{
    public sealed partial class NamespaceSocket
    {
        // ---- emitting: send now, buffer, drop (volatile), or the retry queue ----

        /// <summary>Emits an event without asking for an acknowledgement: completes once it is written, or at once when
        /// it is buffered (not connected) or queued for retries (<see cref="Retries"/>).</summary>
        public Task EmitAsync(string eventName, IReadOnlyList<object?> arguments, CancellationToken cancellationToken) =>
            EmitAsync(eventName, arguments, EmitOptions.Default, cancellationToken);

        /// <summary>Emits an event without waiting for an acknowledgement; says whether it was sent, buffered, dropped
        /// (volatile) or queued (retries). Fails with <see cref="SocketIoNotConnectedException"/> once the socket is
        /// Disconnected (closed for good).</summary>
        [MethodImpl(HotPath.Optimize)]
        public Task<EmitOutcome> EmitAsync(string eventName, IReadOnlyList<object?> arguments, EmitOptions options, CancellationToken cancellationToken)
        {
            // Not async: an emit the emitting thread wrote at once (the usual case) returns a cached completed task,
            // without a state machine; failures still come back in the task, as from an async method.
            OutgoingPacket packet;
            try
            {
                var all = WithName(eventName, arguments);
                int retries = options.Retries ?? Retries;
                if (retries > 0 && !options.Volatile)
                {
                    EnqueueRetry(eventName, all, retries, options.AckTimeout ?? AckTimeout, hasWaiter: false);
                    return OutgoingPacket.Completed(EmitOutcome.Queued);
                }
                packet = EventPacket(all, null, options.Volatile);
                var outcome = Submit(packet, null);
                if (outcome != EmitOutcome.Sent) return OutgoingPacket.Completed(outcome);
            }
            catch (Exception e)
            {
                return Task.FromException<EmitOutcome>(e);
            }
            var emitted = packet.Emitted;
            return emitted.IsCompleted || !cancellationToken.CanBeCanceled ? emitted : WithCancellation(emitted, cancellationToken);
        }

        /// <summary>Emits an event and waits for the server's acknowledgement; returns its arguments.</summary>
        public Task<object?[]> EmitWithAckAsync(string eventName, IReadOnlyList<object?> arguments, TimeSpan timeout, CancellationToken cancellationToken) =>
            EmitWithAckAsync(eventName, arguments, timeout, null, false, cancellationToken);

        /// <summary>
        /// Emits an event and waits for the acknowledgement. The timeout runs from the emit, also while it is buffered
        /// (then it leaves the buffer on timeout). A disconnect fails the wait once the packet was written. With retries
        /// (<see cref="EmitOptions.Retries"/> or <see cref="Retries"/>) it goes through the FIFO retry queue and is
        /// re-sent on each timeout and after each reconnection until acknowledged or tried retries+1 times.
        /// Cancelling only stops waiting: the emit stands.
        /// </summary>
        public Task<object?[]> EmitWithAckAsync(string eventName, IReadOnlyList<object?> arguments, EmitOptions options, CancellationToken cancellationToken) =>
            EmitWithAckAsync(eventName, arguments, options.AckTimeout, options.Retries, options.Volatile, cancellationToken);

        private Task<object?[]> EmitWithAckAsync(string eventName, IReadOnlyList<object?> arguments, TimeSpan? ackTimeout, int? retryCount, bool isVolatile,
            CancellationToken cancellationToken)
        {
            // Not async: the caller gets the acknowledgement's own task. Its completion runs no continuation on the
            // receive loop (RunContinuationsAsynchronously: an awaiting caller resumes in the thread pool), but a
            // synchronous waiter (Wait, AsyncWaitHandle: the cmdlets) is woken right there, without a pool hop.
            try
            {
                var all = WithName(eventName, arguments);
                var timeout = ackTimeout ?? AckTimeout;
                int retries = retryCount ?? Retries;
                if (retries > 0 && !isVolatile) return EmitWithRetriesAsync(eventName, all, retries, timeout, cancellationToken);

                long id = Interlocked.Increment(ref _nextAckId) - 1; // socket.io-client counts from 0
                var packet = EventPacket(all, id, isVolatile);
                var pending = new PendingAck(id, packet, eventName, timeout);
                if (Submit(packet, pending) == EmitOutcome.Dropped)
                    throw new SocketIoNotConnectedException($"The volatile event '{eventName}' was dropped: namespace '{Namespace}' is not connected.");
                pending.StartTimer(this);
                // Cancelling only stops waiting: a late ACK for the forgotten id is ignored.
                if (cancellationToken.CanBeCanceled) pending.CancelWith(this, cancellationToken);
                return pending.Completion.Task;
            }
            catch (Exception e)
            {
                return Task.FromException<object?[]>(e);
            }
        }

        private async Task<object?[]> EmitWithRetriesAsync(string eventName, object?[] all, int retries, TimeSpan? timeout, CancellationToken cancellationToken)
        {
            var entry = EnqueueRetry(eventName, all, retries, timeout, hasWaiter: true);
            try
            {
                return await WithCancellation(entry.Result.Task, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The emit stays queued (at least once); nobody waits for its outcome any more.
                _ = entry.Result.Task.ContinueWith(t => _ = t.Exception, CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                throw;
            }
        }

        /// <summary>Sends now, buffers, or drops (volatile) — socket.io-client's emit.</summary>
        [MethodImpl(HotPath.Optimize)]
        private EmitOutcome Submit(OutgoingPacket packet, PendingAck? pending)
        {
            EngineSession? pumpHere = null;
            try
            {
                return SubmitLocked(packet, pending, ref pumpHere);
            }
            finally
            {
                pumpHere?.StartReservedPump(); // outside the lock (see EngineSession.EnqueueDeferred)
            }
        }

        [MethodImpl(HotPath.Optimize)]
        private EmitOutcome SubmitLocked(OutgoingPacket packet, PendingAck? pending, ref EngineSession? pumpHere)
        {
            lock (_gate)
            {
                if (_state == ConnectionState.Disconnected)
                    throw new SocketIoNotConnectedException($"Namespace '{Namespace}' is not connected (state: {_state}).");
                // socket.io-client drops a volatile packet when the transport is not writable; when it is writable but the
                // namespace is not joined yet, the packet is buffered like any other.
                bool writable = _state == ConnectionState.Connected ? _session != null && _session.IsOpen : _manager.IsOpen;
                if (packet.Volatile && !writable)
                {
                    packet.Status = PacketStatus.Done;
                    Interlocked.Increment(ref _volatileDropped);
                    return EmitOutcome.Dropped;
                }
                packet.Sequence = ++_nextSequence;
                if (pending != null) (_pendingAcks ??= new Dictionary<long, PendingAck>())[pending.Id] = pending;
                if (_state == ConnectionState.Connected && _session != null)
                {
                    packet.Status = PacketStatus.Queued;
                    packet.Session = _session;
                    if (_session.EnqueueDeferred(packet, out bool startPump))
                    {
                        if (startPump) pumpHere = _session;
                        return EmitOutcome.Sent;
                    }
                }
                packet.Status = PacketStatus.Buffered;
                _sendBuffer.Add(packet);
                return EmitOutcome.Buffered;
            }
        }

        private void InsertBufferedLocked(OutgoingPacket packet)
        {
            packet.Status = PacketStatus.Buffered;
            int index = _sendBuffer.FindIndex(p => p.Sequence > packet.Sequence);
            if (index < 0) _sendBuffer.Add(packet);
            else _sendBuffer.Insert(index, packet);
        }

        private RetryEntry EnqueueRetry(string eventName, object?[] all, int retries, TimeSpan? timeout, bool hasWaiter)
        {
            long id = Interlocked.Increment(ref _nextAckId) - 1;
            var entry = new RetryEntry(eventName, all, Encode(all, id), id, retries, timeout, hasWaiter);
            lock (_gate)
            {
                if (_state == ConnectionState.Disconnected)
                    throw new SocketIoNotConnectedException($"Namespace '{Namespace}' is not connected (state: {_state}).");
                _retryQueue.Add(entry);
                DrainRetryQueueLocked(force: false);
            }
            return entry;
        }

        /// <summary>socket.io-client's _drainQueue: one packet in flight, always with an ack id.</summary>
        private void DrainRetryQueueLocked(bool force)
        {
            if (_state != ConnectionState.Connected || _session == null || _retryQueue.Count == 0) return;
            var head = _retryQueue[0];
            if (head.Pending && !force) return;
            head.Pending = true;
            head.TryCount++;
            // Every try carries the same ack id: an ACK for an earlier try that arrives late still means "delivered".
            var packet = new OutgoingPacket(this, head.Frames, head.Arguments, head.AckId, false)
            {
                Retry = head,
                Sequence = ++_nextSequence,
                Status = PacketStatus.Queued,
                Session = _session,
            };
            var pending = new PendingAck(head.AckId, packet, head.EventName, head.Timeout) { Retry = head };
            var acks = _pendingAcks ??= new Dictionary<long, PendingAck>();
            if (acks.TryGetValue(head.AckId, out var previous)) previous.TryFinish();
            acks[head.AckId] = pending;
            if (!_session.Enqueue(packet)) packet.Status = PacketStatus.Done; // the close that follows; re-sent on reconnect
            pending.StartTimer(this);
        }

        private void OnRetryResult(RetryEntry entry, Exception? error, object?[]? result)
        {
            bool finished = false;
            lock (_gate)
            {
                if (_retryQueue.Count == 0 || !ReferenceEquals(_retryQueue[0], entry)) return;
                if (error == null || entry.TryCount > entry.MaxRetries)
                {
                    _retryQueue.RemoveAt(0);
                    finished = true;
                    if (error != null && !entry.HasWaiter) Interlocked.Increment(ref _emitsDiscarded);
                }
                entry.Pending = false;
                DrainRetryQueueLocked(force: false);
            }
            if (!finished) return;
            if (error == null) entry.Result.TrySetResult(result ?? Array.Empty<object?>());
            else if (entry.HasWaiter) entry.Result.TrySetException(error);
            else entry.Result.TrySetResult(Array.Empty<object?>()); // nobody waits: counted above, no unobserved fault
        }

        /// <summary>An emit sent at most once: with the default parser its text frame is a pooled buffer, returned
        /// once written (retry-queue emits, sent again on each try, use <see cref="Encode"/>).</summary>
        [MethodImpl(HotPath.Optimize)]
        private OutgoingPacket EventPacket(object?[] all, long? ackId, bool isVolatile)
        {
            if (!ReferenceEquals(_manager.Options.Parser, DefaultSioParser.Instance))
                return new OutgoingPacket(this, Encode(all, ackId), all, ackId, isVolatile);
            var frames = SioPacketEncoder.EncodeEventPooled(Namespace, ackId, all, _manager.Options.ValueAdapter);
            return new OutgoingPacket(this, frames, all, ackId, isVolatile) { Rented = frames[0].Bytes.Array };
        }

        private IReadOnlyList<OutgoingFrame> Encode(object?[] all, long? ackId) =>
            _manager.Options.Parser.EncodeEvent(Namespace, ackId, all, _manager.Options.ValueAdapter);

        [MethodImpl(HotPath.Optimize)]
        private static object?[] WithName(string eventName, IReadOnlyList<object?> arguments)
        {
            if (string.IsNullOrEmpty(eventName)) throw new ArgumentException("An event needs a name.", nameof(eventName));
            if (ReservedEventNames.Contains(eventName)) throw new SocketIoReservedEventNameException(eventName);
            var all = new object?[arguments.Count + 1];
            all[0] = eventName;
            for (int i = 0; i < arguments.Count; i++) all[i + 1] = arguments[i];
            return all;
        }

        private static async Task<T> WithCancellation<T>(Task<T> task, CancellationToken cancellationToken)
        {
            if (task.IsCompleted || !cancellationToken.CanBeCanceled) return await task.ConfigureAwait(false);
            var cancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            using (cancellationToken.Register(state => ((TaskCompletionSource<bool>)state!).TrySetResult(true), cancelled))
            {
                if (!ReferenceEquals(await Task.WhenAny(task, cancelled.Task).ConfigureAwait(false), task))
                    throw new OperationCanceledException(cancellationToken);
            }
            return await task.ConfigureAwait(false);
        }
    }
}
