using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.Reconnect;

namespace SocketIo.Core.SocketIo
{
    public sealed partial class SocketIoManager
    {
        // ---- reconnection ------------------------------------------------------------------------------------------

        private void RequestReconnect(string reason, int closedGeneration)
        {
            CancellationToken token;
            lock (_gate)
            {
                if (_disposed) return;
                if (_loopRunning)
                {
                    // The running loop may have just opened the session that closed: it starts again when it ends.
                    _loopAgainReason = reason;
                    _loopAgainGeneration = closedGeneration;
                    return;
                }
                _loopRunning = true;
                _loopCancel = NewLoopCancelLocked();
                token = _loopCancel.Token;
            }
            _ = Task.Run(() => ReconnectLoopAsync(reason, token));
        }

        /// <summary>socket.io-client's reconnect(): wait the policy's delay, reconnect_attempt, open; on failure
        /// reconnect_error and again; reconnect_failed when the policy gives up.</summary>
        private async Task ReconnectLoopAsync(string reason, CancellationToken token)
        {
            var clock = Stopwatch.StartNew();
            int attempts = 0;
            Exception? lastError = null;
            try
            {
                while (true)
                {
                    if (!AnySocketWaiting()) return;
                    TimeSpan? delay;
                    try
                    {
                        delay = _policy.NextDelay(new ReconnectContext(attempts, clock.Elapsed, reason, lastError));
                    }
                    catch (Exception e)
                    {
                        Report(e);
                        delay = null;
                    }
                    if (delay == null)
                    {
                        GiveUp(attempts, lastError);
                        return;
                    }
                    try
                    {
                        await Task.Delay(delay.Value < TimeSpan.Zero ? TimeSpan.Zero : delay.Value, token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                    if (!AnySocketWaiting() || token.IsCancellationRequested) return;
                    attempts++;
                    lock (_gate) _reconnectAttempt = attempts;
                    RaiseManagerEvent(new LifecycleEvent(LifecycleEventNames.ReconnectAttempt, null) { Attempt = attempts, Delay = delay });

                    int attempt = attempts;
                    try
                    {
                        using var timeout = new CancellationTokenSource(Options.ConnectTimeout);
                        using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, timeout.Token);
                        await OpenAsync(linked.Token, _ =>
                        {
                            // Before the namespaces send CONNECT, as socket.io-client emits "reconnect" before their "connect".
                            Interlocked.Increment(ref _reconnects);
                            RaiseManagerEvent(new LifecycleEvent(LifecycleEventNames.Reconnect, null) { Attempt = attempt });
                        }).ConfigureAwait(false);
                        return;
                    }
                    catch (OperationCanceledException) when (token.IsCancellationRequested)
                    {
                        return;
                    }
                    catch (Exception e)
                    {
                        lastError = e is OperationCanceledException
                            ? new SocketIoConnectTimeoutException($"The Engine.IO handshake did not complete within {Options.ConnectTimeout.TotalSeconds:0.###} s.")
                            : e;
                        RaiseManagerEvent(new LifecycleEvent(LifecycleEventNames.ReconnectError, null) { Attempt = attempts, Error = lastError });
                        // socket.io-client: each waiting socket also gets connect_error (it is still active: it retries).
                        var failed = lastError;
                        foreach (var socket in SocketsSnapshot())
                            if (socket.State == ConnectionState.Reconnecting)
                                socket.RaiseLifecycle(new LifecycleEvent(LifecycleEventNames.ConnectError, socket.Namespace) { Error = failed, WillReconnect = true, Attempt = attempts });
                    }
                }
            }
            catch (Exception e)
            {
                Report(e);
            }
            finally
            {
                EndLoop();
            }
        }

        private void EndLoop()
        {
            string? again;
            CancellationToken token = default;
            lock (_gate)
            {
                _reconnectAttempt = 0;
                _loopCancel?.Dispose();
                _loopCancel = null;
                again = _loopAgainReason;
                _loopAgainReason = null;
                // Start again only if the session that closed is still the latest one (not one opened since).
                var current = Volatile.Read(ref _session);
                if (again != null && (_disposed || (current != null && current.Generation > _loopAgainGeneration && current.IsOpen))) again = null;
                if (again == null)
                {
                    _loopRunning = false;
                    return;
                }
                _loopCancel = NewLoopCancelLocked();
                token = _loopCancel.Token;
            }
            _ = Task.Run(() => ReconnectLoopAsync(again, token));
        }

        private void GiveUp(int attempts, Exception? lastError)
        {
            var failed = new LifecycleEvent(LifecycleEventNames.ReconnectFailed, null) { Attempt = attempts, Error = lastError };
            if (Lifecycle != null) Dispatcher.Post(() => Lifecycle?.Invoke(failed));
            foreach (var socket in SocketsSnapshot()) socket.OnReconnectFailed(failed);
            SocketLeftInBackground();
        }

        private void RaiseManagerEvent(LifecycleEvent e)
        {
            if (Lifecycle != null) Dispatcher.Post(() => Lifecycle?.Invoke(e));
            foreach (var socket in SocketsSnapshot())
                if (socket.State == ConnectionState.Reconnecting) socket.RaiseLifecycle(e.For(socket.Namespace));
        }

        private bool AnySocketWaiting() => SocketsSnapshot().Any(s => s.State == ConnectionState.Reconnecting);
    }
}
