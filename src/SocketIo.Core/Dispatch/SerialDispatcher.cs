using System;
using System.Collections.Concurrent;
using System.Threading;

namespace SocketIo.Core.Dispatch
{
    /// <summary>
    /// Runs posted work items one at a time, in order, on the thread pool, apart from the receive loop: a slow or
    /// throwing handler never delays reading (and answering pings). No dedicated thread: a pump is scheduled only
    /// while there is work.
    /// </summary>
    public sealed class SerialDispatcher
    {
        private static readonly Action<object?> RunAction = state => ((Action)state!)();
        private static readonly WaitCallback PumpCallback = state => ((SerialDispatcher)state!).Pump();

        private readonly ConcurrentQueue<WorkItem> _queue = new ConcurrentQueue<WorkItem>();
        private readonly Action<Exception> _onHandlerError;
        private int _pumping;

        /// <param name="onHandlerError">Told about a handler that threw; the pump goes on.</param>
        public SerialDispatcher(Action<Exception> onHandlerError) => _onHandlerError = onHandlerError;

        public int Pending => _queue.Count;

        public void Post(Action work) => Post(RunAction, work);

        /// <summary>Runs <paramref name="work"/>(<paramref name="state"/>): with a cached delegate, posting allocates nothing.</summary>
        public void Post(Action<object?> work, object? state)
        {
            _queue.Enqueue(new WorkItem(work, state));
            if (Interlocked.CompareExchange(ref _pumping, 1, 0) == 0)
                ThreadPool.UnsafeQueueUserWorkItem(PumpCallback, this);
        }

        private void Report(Exception error)
        {
            try { _onHandlerError(error); }
            catch (Exception) { /* a throwing error reporter must not take the pump (or the process) down */ }
        }

        private void Pump()
        {
            while (true)
            {
                while (_queue.TryDequeue(out var item))
                {
                    try { item.Work(item.State); }
                    catch (Exception e) { Report(e); }
                }
                Volatile.Write(ref _pumping, 0);
                // Work posted between the last TryDequeue and the reset would otherwise wait for the next Post.
                if (_queue.IsEmpty || Interlocked.CompareExchange(ref _pumping, 1, 0) != 0) return;
            }
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
