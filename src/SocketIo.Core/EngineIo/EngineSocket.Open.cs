using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SocketIo.Core.EngineIo
{
    public sealed partial class EngineSocket
    {
        // ---- opening: the first transport and the handshake ----

        /// <summary>Opens the session on the first allowed transport (WebSocket directly when only it is allowed, or
        /// when rememberUpgrade applies). Fails with <see cref="SocketIoConnectFailedException"/> or
        /// <see cref="SocketIoCertificateException"/>, or is cancelled.</summary>
        public async Task<EngineHandshake> OpenAsync(CancellationToken cancellationToken)
        {
            EngineTransport transport;
            lock (_gate)
            {
                if (_transport != null) throw new InvalidOperationException("An EngineSocket opens once.");
                if (Volatile.Read(ref _state) != StateOpen) throw new SocketIoNotConnectedException("The connection is closed.");
                transport = StartsOnWebSocket()
                    ? WebSocketTransport.Create(_options, _validator)
                    : (EngineTransport)new PollingTransport(_options, _validator);
                transport.PacketReceived = OnPacket;
                transport.Closed = (reason, error) => OnTransportClosed(transport, reason, error);
                _transport = transport;
            }
            EngineHandshake handshake;
            try
            {
                await transport.OpenAsync(null, cancellationToken).ConfigureAwait(false);
                using (cancellationToken.Register(state => ((TaskCompletionSource<EngineHandshake>)state!).TrySetCanceled(), _opened))
                {
                    handshake = await _opened.Task.ConfigureAwait(false);
                }
            }
            catch
            {
                _options.WebSocketSucceeded = false;
                // CloseAsync during the handshake: the caller's close, not a transport failure.
                Close(Volatile.Read(ref _state) == StateClosing ? DisconnectReasons.IoClientDisconnect : DisconnectReasons.TransportError, null);
                throw;
            }
            _options.WebSocketSucceeded = transport is WebSocketTransport;
            ArmWatchdog();
            if (transport is PollingTransport polling && _options.Upgrade && _options.Allows(EngineTransports.WebSocket)
                && Contains(handshake.Upgrades, EngineTransport.WebSocketName))
                _ = Task.Run(() => UpgradeAsync(polling, handshake));
            return handshake;
        }

        private bool StartsOnWebSocket() => _options.FirstTransportName == EngineTransport.WebSocketName;

        private static bool Contains(IReadOnlyList<string> list, string value)
        {
            foreach (var item in list)
                if (item == value) return true;
            return false;
        }
    }
}
