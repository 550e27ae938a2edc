using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Diagnostics;
using System.Threading;
using SocketIo.Core.Json;

namespace SocketIo.Core.Dispatch
{
    /// <summary>
    /// Runs posted work items one at a time, in order, on the thread pool, apart from the receive loop: a slow or
    /// throwing handler never delays reading (and answering pings). No dedicated thread: a pump is scheduled only
    /// while there is work. The pump takes everything posted so far in one swap and runs it without the lock, so a
    /// burst costs one hand-over, not one per item; posting takes a short uncontended lock and allocates nothing
    /// once the two buffers have grown to the burst size.
    /// </summary>
    public sealed class SerialDispatcher
    {
        // Buffers above this are dropped once the pump runs dry (an idle connection holds only small ones); up to it they
        // are kept, so a steady flood that lets the pump run dry now and then does not grow them again each time.
        private const int KeptCapacity = 1024;
        private const int InitialCapacity = 8;
        private static readonly long LingerTicks = Stopwatch.Frequency * 20 / 1_000_000; // 20 µs
        private static readonly long BusyTicks = Stopwatch.Frequency / 2000; // 500 µs

        private static readonly Action<object?> RunAction = state => ((Action)state!)();
        private static readonly WaitCallback PumpCallback = state => ((SerialDispatcher)state!).Pump();

        // The receive loop's batch (one read's frames, see BeginBatch): dispatchers posted to and not woken yet.
        [ThreadStatic] private static List<SerialDispatcher>? t_deferred;
        [ThreadStatic] private static int t_batchDepth;

        private readonly object _lock = new object();
        private readonly Action<Exception> _onHandlerError;
        // Under _lock: items posted since the pump's last swap, and whether a pump is scheduled or running.
        private WorkItem[] _incoming = Array.Empty<WorkItem>();
        private int _incomingCount;
        private bool _pumping;
        private bool _wakeDeferred; // a batch on the receive loop posted here and wakes the pump when it ends
        private bool _batchWake; // the running pump was woken by a batch's end: the next batch is a read away, no linger
        // The pump's own batch (swapped with _incoming), and how many of it have not run yet (read racily by Pending).
        private WorkItem[] _running = Array.Empty<WorkItem>();
        private int _runningLeft;
        // When the pump last ran dry (only the pump touches it; one pump at a time).
        private long _lastDry;

        /// <param name="onHandlerError">Told about a handler that threw; the pump goes on.</param>
        public SerialDispatcher(Action<Exception> onHandlerError) => _onHandlerError = onHandlerError;

        /// <summary>Items posted and not run yet (a diagnostic: read without the lock).</summary>
        public int Pending => Volatile.Read(ref _incomingCount) + Volatile.Read(ref _runningLeft);

        public void Post(Action work) => Post(RunAction, work);

        /// <summary>Runs <paramref name="work"/>(<paramref name="state"/>): with a cached delegate, posting allocates nothing.</summary>
        [MethodImpl(HotPath.Optimize)]
        public void Post(Action<object?> work, object? state)
        {
            bool defer;
            lock (_lock)
            {
                if (_incomingCount == _incoming.Length) Grow();
                _incoming[_incomingCount++] = new WorkItem(work, state);
                if (_pumping || _wakeDeferred) return;
                defer = t_batchDepth > 0;
                if (defer) _wakeDeferred = true;
                else _pumping = true;
            }
            if (defer) (t_deferred ??= new List<SerialDispatcher>()).Add(this);
            else ThreadPool.UnsafeQueueUserWorkItem(PumpCallback, this);
        }

        /// <summary>
        /// Until the matching <see cref="EndBatch"/>, posts made on this thread wake no pump: the receive loop brackets
        /// the frames of one read with these, so a burst costs one pump wake-up per read, not one each time the pump
        /// caught up. Only for synchronous code; <see cref="EndBatch"/> must run (finally).
        /// </summary>
        public static void BeginBatch() => t_batchDepth++;

        /// <summary>Ends a <see cref="BeginBatch"/>; the outermost one wakes the pumps that its posts deferred.</summary>
        public static void EndBatch()
        {
            if (--t_batchDepth > 0) return;
            var deferred = t_deferred;
            if (deferred == null || deferred.Count == 0) return;
            for (int i = 0; i < deferred.Count; i++) deferred[i].WakeDeferred();
            deferred.Clear();
        }

        private void WakeDeferred()
        {
            lock (_lock)
            {
                _wakeDeferred = false;
                if (_pumping) return;
                _pumping = true;
                _batchWake = true;
            }
            ThreadPool.UnsafeQueueUserWorkItem(PumpCallback, this);
        }

        /// <summary>Under <see cref="_lock"/>.</summary>
        private void Grow()
        {
            var larger = new WorkItem[Math.Max(InitialCapacity, _incoming.Length * 2)];
            Array.Copy(_incoming, larger, _incomingCount);
            _incoming = larger;
        }

        private void Report(Exception error)
        {
            try { _onHandlerError(error); }
            catch (Exception) { /* a throwing error reporter must not take the pump (or the process) down */ }
        }

        [MethodImpl(HotPath.Optimize)]
        private void Pump()
        {
            int count = 0;
            while (true)
            {
                WorkItem[] batch;
                // Only while events come close together (the pump ran dry moments ago): sparse events pay no spin.
                if (count > 0 && !_batchWake && Volatile.Read(ref _incomingCount) == 0 && Stopwatch.GetTimestamp() - _lastDry < BusyTicks) Linger();
                lock (_lock)
                {
                    count = _incomingCount;
                    if (count == 0)
                    {
                        // Idle: a burst's large buffers go.
                        if (_incoming.Length > KeptCapacity) _incoming = Array.Empty<WorkItem>();
                        if (_running.Length > KeptCapacity) _running = Array.Empty<WorkItem>();
                        _pumping = false;
                        _batchWake = false;
                        _lastDry = Stopwatch.GetTimestamp();
                        return;
                    }
                    batch = _incoming;
                    _incoming = _running; // the emptied buffer of the last batch takes the posts now
                    _incomingCount = 0;
                    _running = batch;
                    Volatile.Write(ref _runningLeft, count);
                }
                for (int i = 0; i < count; i++)
                {
                    var item = batch[i];
                    batch[i] = default; // the event is not kept alive by the buffer
                    Volatile.Write(ref _runningLeft, count - i - 1);
                    try { item.Work(item.State); }
                    catch (Exception e) { Report(e); }
                }
            }
        }

        /// <summary>Waits a few microseconds for the next post before the pump lets its thread go: in a burst the next
        /// event is that close, and starting a pump again (a thread-pool request and a wake-up, measured at several µs
        /// each, once per few events without this) costs about as much.</summary>
        private void Linger()
        {
            long until = Stopwatch.GetTimestamp() + LingerTicks;
            do
            {
                Thread.SpinWait(16);
                if (Volatile.Read(ref _incomingCount) != 0) return;
            }
            while (Stopwatch.GetTimestamp() < until);
        }

        private readonly struct WorkItem
        {
            public WorkItem(Action<object?> work, object? state)
            {
                Work = work;
                State = state;
            }

            public Action<object?> Work { get; }
            public object? State { get; }
        }
    }
}
