using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SocketIo.Core.EngineIo
{
    public sealed partial class EngineSocket
    {
        /// <summary>Client-initiated close: no reconnect, reason "io client disconnect". Lets queued frames and an
        /// upgrade in progress finish first (bounded), then closes the transport politely (polling: a close packet).</summary>
        public async Task CloseAsync()
        {
            if (Interlocked.CompareExchange(ref _state, StateClosing, StateOpen) != StateOpen) return;
            FailOpened();
            var idle = WhenIdle();
            await Task.WhenAny(idle, Task.Delay(CloseDrainTimeout)).ConfigureAwait(false);
            if (!MarkClosed()) return;
            var (transport, probe, pending) = Detach();
            probe?.Dispose();
            if (transport != null) await transport.CloseAsync().ConfigureAwait(false);
            FailAll(pending, DisconnectReasons.IoClientDisconnect);
            Closed?.Invoke(DisconnectReasons.IoClientDisconnect, null);
        }

        public void Dispose() => Close(DisconnectReasons.IoClientDisconnect, null);

        // ---- closing ------------------------------------------------------------------------------------------

        private (EngineTransport? Transport, WebSocketTransport? Probe, List<SendGroup> Pending) Detach()
        {
            lock (_gate)
            {
                // A group the writer has handed whole to a write is the writer's: it completes or fails it with that
                // write's outcome (a close racing a finished write must not fail what the server already has).
                var pending = new List<SendGroup>();
                for (var group = _queue.First; group != null; group = group.NextInQueue)
                    if (group.Next < group.Frames.Count) pending.Add(group);
                _queue.Clear();
                var transport = _transport;
                var probe = _probe;
                _probe = null;
                _upgrading = false;
                _flushing = false;
                SignalIdle();
                _writerStopped?.TrySetResult(true);
                _writerStopped = null;
                return (transport, probe, pending);
            }
        }

        private static void FailAll(List<SendGroup> pending, string reason)
        {
            if (pending.Count == 0) return;
            var failure = new SocketIoNotConnectedException($"The connection closed ({reason}) before the message was sent.");
            foreach (var group in pending) group.Fail(failure);
        }

        private bool MarkClosed()
        {
            if (Interlocked.Exchange(ref _state, StateClosed) == StateClosed) return false;
            lock (_watchdogLock) _watchdog?.Dispose();
            try { _lifetime.Cancel(); } catch (ObjectDisposedException) { }
            FailOpened();
            return true;
        }

        /// <summary>Fails the handshake wait. Nobody awaits it when the transport failed to open (OpenAsync never got
        /// to the await, e.g. connection refused on a reconnect attempt), so the fault is marked observed: otherwise
        /// every such attempt surfaces later as a TaskScheduler.UnobservedTaskException.</summary>
        private void FailOpened()
        {
            if (_opened.TrySetException(new SocketIoConnectFailedException("The connection closed during the Engine.IO handshake.")))
                _ = _opened.Task.Exception;
        }

        private void Close(string reason, Exception? error)
        {
            if (!MarkClosed()) return;
            var (transport, probe, pending) = Detach();
            transport?.Dispose();
            probe?.Dispose();
            FailAll(pending, reason);
            Closed?.Invoke(reason, error);
        }
    }
}
