using System;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SocketIo.Core.EngineIo
{
    public sealed partial class EngineSocket
    {
        // ---- upgrade ------------------------------------------------------------------------------------------

        /// <summary>engine.io-client's probe: open a WebSocket for this sid, send <c>2probe</c>, expect <c>3probe</c>;
        /// then hold writes, pause polling (the GET in flight is released by the server's noop) and let the POST in
        /// flight finish, switch, send <c>5</c> and flush what was held. Any failure before the switch keeps polling.</summary>
        private async Task UpgradeAsync(PollingTransport polling, EngineHandshake handshake)
        {
            var probe = WebSocketTransport.Create(_options, _validator);
            var answer = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            int switched = 0;
            probe.PacketReceived = packet =>
            {
                if (Volatile.Read(ref switched) != 0) { OnPacket(packet); return; }
                if (answer.Task.IsCompleted)
                {
                    if (packet.Type != EnginePacketType.Noop) OnPacket(packet); // a server that does not wait for "5"
                    return;
                }
                answer.TrySetResult(packet.IsBinary ? "binary" : (char)('0' + (int)packet.Type) + Encoding.UTF8.GetString(packet.Data.ToArray()));
            };
            probe.Closed = (reason, error) =>
            {
                if (Volatile.Read(ref switched) != 0) OnTransportClosed(probe, reason, error);
                else answer.TrySetException(new SocketIoException($"The WebSocket closed during the upgrade probe ({reason}).", error));
            };

            lock (_gate)
            {
                if (Volatile.Read(ref _state) != StateOpen) { probe.Dispose(); return; }
                _probe = probe;
            }
            _options.WebSocketSucceeded = false;
            try
            {
                await probe.OpenAsync(handshake.Sid, _lifetime.Token).ConfigureAwait(false);
                await probe.WriteAsync(ProbePing, _lifetime.Token).ConfigureAwait(false);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
                timeout.CancelAfter(ProbeTimeout);
                using (timeout.Token.Register(() => answer.TrySetException(new SocketIoException("The server did not answer the upgrade probe."))))
                {
                    var reply = await answer.Task.ConfigureAwait(false);
                    if (reply != "3probe") throw new SocketIoException($"The server answered the upgrade probe with '{Clip(reply)}' instead of '3probe'.");
                }
            }
            catch (Exception e)
            {
                AbandonProbe(probe, polling, resume: false);
                if (Volatile.Read(ref _state) == StateOpen) RaiseUpgradeFailed(e);
                return;
            }

            _options.WebSocketSucceeded = true;
            lock (_gate)
            {
                if (Volatile.Read(ref _state) == StateClosed) return;
                _upgrading = true;
            }
            await polling.PauseAsync().ConfigureAwait(false);
            await WhenWriterStopped().ConfigureAwait(false);

            lock (_gate)
            {
                bool usable = Volatile.Read(ref _state) != StateClosed && !probe.IsEnded && ReferenceEquals(_transport, polling) && !polling.IsEnded;
                if (usable)
                {
                    _transport = probe;
                    _probe = null;
                    Volatile.Write(ref switched, 1);
                }
            }
            if (Volatile.Read(ref switched) == 0)
            {
                AbandonProbe(probe, polling, resume: true);
                if (Volatile.Read(ref _state) == StateOpen) RaiseUpgradeFailed(new SocketIoException("The WebSocket closed before the upgrade completed."));
                return;
            }

            try
            {
                await probe.WriteAsync(UpgradePacket, CancellationToken.None).ConfigureAwait(false);
            }
            catch (SocketIoException)
            {
                // The WebSocket is the session's transport now: its failure closes the session.
            }
            polling.Dispose(); // paused and idle; the server has discarded it
            lock (_gate)
            {
                _upgrading = false;
                SignalIdle();
            }
            Flush();
            if (Volatile.Read(ref _state) != StateClosed)
            {
                try { Upgraded?.Invoke(EngineTransport.WebSocketName); }
                catch (Exception) { /* a listener's failure must not stop the session */ }
            }
        }

        private void RaiseUpgradeFailed(Exception error)
        {
            try { UpgradeFailed?.Invoke(error); }
            catch (Exception) { /* a listener's failure must not stop the session */ }
        }

        /// <summary>Completes when no write is in flight (the writer does not start new ones while upgrading).</summary>
        private Task WhenWriterStopped()
        {
            lock (_gate)
            {
                if (!_flushing) return Task.CompletedTask;
                _writerStopped ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                return _writerStopped.Task;
            }
        }

        private void AbandonProbe(WebSocketTransport probe, PollingTransport polling, bool resume)
        {
            probe.Dispose();
            lock (_gate)
            {
                if (ReferenceEquals(_probe, probe)) _probe = null;
                if (resume)
                {
                    _upgrading = false;
                    SignalIdle();
                }
            }
            if (resume && Volatile.Read(ref _state) != StateClosed)
            {
                polling.Resume();
                Flush();
            }
        }

        private static string Clip(string text) => text.Length <= 40 ? text : text.Substring(0, 40) + "...";
    }
}
