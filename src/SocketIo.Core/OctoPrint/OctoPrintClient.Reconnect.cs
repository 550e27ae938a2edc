using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.SockJs;

namespace SocketIo.Core.OctoPrint
{
    public sealed partial class OctoPrintClient
    {
        // ---- a session lost: Disconnected, or the reconnect schedule ----

        /// <summary>A session ended (SockJS close, or dropped here). Only the current session counts.</summary>
        private void OnSessionClosed(PushSession session, int code, string reason)
        {
            bool reconnect = false;
            lock (_gate)
            {
                if (_current != session) return;
                _current = null;
                LastCloseCode = code;
                LastCloseReason = reason;
                var failure = new SocketIoConnectFailedException($"The SockJS session closed ({code} {reason}).");
                session.ConnectedMessage.TrySetException(failure);
                session.History.TrySetException(failure);
                if (_state != ConnectionState.Connected) return; // a connect attempt is running and sees the failure

                if (code == SockJsCloseCodes.Normal)
                    SetDisconnectedLocked($"closed by the server ({code} {reason})");
                else if (_options.ReconnectSchedule.Count == 0)
                    SetDisconnectedLocked($"connection lost ({code} {reason}); reconnection is off");
                else
                {
                    SetStateLocked(ConnectionState.Reconnecting);
                    reconnect = true;
                }
            }
            if (reconnect) _ = Task.Run(() => ReconnectLoopAsync(code, reason));
        }

        private async Task ReconnectLoopAsync(int closeCode, string closeReason)
        {
            CancellationToken lifetime;
            lock (_gate) lifetime = _lifetime?.Token ?? new CancellationToken(true);
            var schedule = _options.ReconnectSchedule.ToArray();
            string lastError = $"connection lost ({closeCode} {closeReason})";
            for (int trial = 0; trial < schedule.Length; trial++)
            {
                int attempt = trial + 1;
                var delay = schedule[trial];
                Dispatcher.Post(() => Reconnecting?.Invoke(attempt, delay));
                try
                {
                    await _options.Delay(delay, lifetime).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                if (lifetime.IsCancellationRequested) return;

                using var timeout = new CancellationTokenSource(_options.ConnectTimeout);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(lifetime, timeout.Token);
                try
                {
                    var session = await OpenSessionAsync(linked.Token).ConfigureAwait(false);
                    lock (_gate)
                    {
                        if (_state == ConnectionState.Reconnecting && _current == session)
                        {
                            ConnectedAt = DateTime.UtcNow;
                            _reconnects++;
                            SetStateLocked(ConnectionState.Connected);
                            return;
                        }
                    }
                    session.SockJs.Dispose(); // closed at once, or disconnected meanwhile
                    lastError = $"the session closed right after connecting ({LastCloseCode} {LastCloseReason})";
                }
                catch (Exception) when (lifetime.IsCancellationRequested)
                {
                    return;
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested)
                {
                    lastError = $"the attempt did not complete within {_options.ConnectTimeout.TotalSeconds:0.###} s";
                }
                catch (Exception e)
                {
                    lastError = e.Message;
                }
                if (lifetime.IsCancellationRequested) return;
            }
            lock (_gate)
            {
                if (_state == ConnectionState.Reconnecting)
                    SetDisconnectedLocked($"gave up reconnecting after {schedule.Length} attempts; last error: {lastError}");
            }
        }
    }
}
