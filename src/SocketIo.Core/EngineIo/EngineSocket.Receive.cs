using System;
using System.Threading;
using System.Threading.Tasks;

namespace SocketIo.Core.EngineIo
{
    public sealed partial class EngineSocket
    {
        // ---- receiving, and the heartbeat watchdog -------------------------------------------------------------

        private void OnPacket(EnginePacket packet)
        {
            switch (packet.Type)
            {
                case EnginePacketType.Open when Handshake == null:
                    var handshake = EngineHandshake.Parse(packet.Data);
                    Handshake = handshake;
                    _opened.TrySetResult(handshake);
                    break;
                case EnginePacketType.Ping:
                    LastPingAt = DateTime.UtcNow;
                    ArmWatchdog();
                    _ = SendPongAsync();
                    break;
                case EnginePacketType.Message:
                    if (Handshake == null) throw new SocketIoProtocolException("A message arrived before the Engine.IO open packet.");
                    MessageReceived?.Invoke(packet);
                    break;
                case EnginePacketType.Close:
                    Close(DisconnectReasons.TransportClose, null);
                    break;
                default:
                    break; // noop, and packets that only matter during an upgrade
            }
        }

        private async Task SendPongAsync()
        {
            try { await SendAsync(Pong, CancellationToken.None).ConfigureAwait(false); }
            catch (SocketIoException) { /* the transport reports its own failure through Closed */ }
        }

        private void OnTransportClosed(EngineTransport transport, string reason, Exception? error)
        {
            lock (_gate)
            {
                if (!ReferenceEquals(transport, _transport)) return; // a transport left behind by an upgrade
            }
            if (reason == DisconnectReasons.TransportError) _options.WebSocketSucceeded = false;
            Close(reason, error);
        }

        // Static, with the engine as state: no delegate per connection held by its timer.
        private static readonly TimerCallback WatchdogFired = state => ((EngineSocket)state!).Close(DisconnectReasons.PingTimeout, null);

        private void ArmWatchdog()
        {
            var handshake = Handshake;
            if (handshake == null || Volatile.Read(ref _state) == StateClosed) return;
            var due = handshake.PingInterval + handshake.PingTimeout;
            lock (_watchdogLock)
            {
                if (Volatile.Read(ref _state) == StateClosed) return;
                if (_watchdog == null) _watchdog = new Timer(WatchdogFired, this, due, Timeout.InfiniteTimeSpan);
                else _watchdog.Change(due, Timeout.InfiniteTimeSpan);
            }
        }
    }
}
