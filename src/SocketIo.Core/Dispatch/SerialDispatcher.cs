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
        private readonly ConcurrentQueue<Action> _queue = new ConcurrentQueue<Action>();
        private readonly Action<Exception> _onHandlerError;
        private int _pumping;

        /// <param name="onHandlerError">Told about a handler that threw; the pump goes on.</param>
        public SerialDispatcher(Action<Exception> onHandlerError) => _onHandlerError = onHandlerError;

        public int Pending => _queue.Count;

        public void Post(Action work)
        {
            _queue.Enqueue(work);
            if (Interlocked.CompareExchange(ref _pumping, 1, 0) == 0)
                ThreadPool.UnsafeQueueUserWorkItem(state => ((SerialDispatcher)state!).Pump(), this);
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
                while (_queue.TryDequeue(out var work))
                {
                    try { work(); }
                    catch (Exception e) { Report(e); }
                }
                Volatile.Write(ref _pumping, 0);
                // Work posted between the last TryDequeue and the reset would otherwise wait for the next Post.
                if (_queue.IsEmpty || Interlocked.CompareExchange(ref _pumping, 1, 0) != 0) return;
            }
        }
    }
}
