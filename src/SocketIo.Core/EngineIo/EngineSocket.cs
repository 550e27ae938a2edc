using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SocketIo.Core.EngineIo
{
    /// <summary>
    /// One Engine.IO v4 session: handshake, server-driven heartbeat with a pingInterval+pingTimeout watchdog, message
    /// packets up to the Socket.IO layer, and a single close with a socket.io-client reason.
    /// </summary>
    public sealed class EngineSocket : IDisposable
    {
        private static readonly OutgoingFrame[] Pong = { EnginePacketCodec.EncodeText(EnginePacketType.Pong) };

        private readonly EngineOptions _options;
        private readonly TaskCompletionSource<EngineHandshake> _opened =
            new TaskCompletionSource<EngineHandshake>(TaskCreationOptions.RunContinuationsAsynchronously);
        private WebSocketTransport? _transport;
        private readonly object _watchdogLock = new object();
        private Timer? _watchdog;
        private int _closed;

        public EngineSocket(EngineOptions options) => _options = options;

        public EngineHandshake? Handshake { get; private set; }

        public string TransportName => _transport?.Name ?? "websocket";

        public bool IsOpen => Handshake != null && Volatile.Read(ref _closed) == 0;

        /// <summary>Message packets (text or binary), on the receive loop, in order. Throw
        /// <see cref="SocketIoProtocolException"/> to close the session with reason "parse error".</summary>
        public Action<EnginePacket>? MessageReceived { get; set; }

        /// <summary>Raised once when the session ends, with the reason and the error behind it, if any.</summary>
        public event Action<string, Exception?>? Closed;

        /// <summary>Time of the last ping from the server (UTC).</summary>
        public DateTime LastPingAt { get; private set; }

        public async Task<EngineHandshake> OpenAsync(CancellationToken cancellationToken)
        {
            var transport = new WebSocketTransport(_options)
            {
                PacketReceived = OnPacket,
                Closed = (reason, error) => Close(reason, error),
            };
            _transport = transport;
            try
            {
                await transport.OpenAsync(_options.BuildWebSocketUri(sid: null), cancellationToken).ConfigureAwait(false);
                using (cancellationToken.Register(() => _opened.TrySetCanceled()))
                {
                    Handshake = await _opened.Task.ConfigureAwait(false);
                }
                ArmWatchdog();
                return Handshake;
            }
            catch
            {
                Close(DisconnectReasons.TransportError, null);
                throw;
            }
        }

        /// <summary>Sends frames as one group. Fails with <see cref="SocketIoPayloadTooLargeException"/> before
        /// sending anything when a frame exceeds the server's maxPayload (the server would drop the connection).</summary>
        public Task SendAsync(IReadOnlyList<OutgoingFrame> frames, CancellationToken cancellationToken)
        {
            var transport = _transport;
            if (transport == null || Volatile.Read(ref _closed) != 0) throw new SocketIoNotConnectedException("The connection is closed.");
            long limit = Handshake?.MaxPayload ?? 0;
            if (limit > 0)
                foreach (var frame in frames)
                    if (frame.Bytes.Count > limit) throw new SocketIoPayloadTooLargeException(frame.Bytes.Count, limit);
            return transport.SendAsync(frames, cancellationToken);
        }

        /// <summary>Client-initiated close: no reconnect, reason "io client disconnect".</summary>
        public async Task CloseAsync()
        {
            var transport = _transport;
            if (!MarkClosed()) return;
            if (transport != null) await transport.CloseAsync().ConfigureAwait(false);
            Closed?.Invoke(DisconnectReasons.IoClientDisconnect, null);
        }

        public void Dispose() => Close(DisconnectReasons.IoClientDisconnect, null);

        private void OnPacket(EnginePacket packet)
        {
            switch (packet.Type)
            {
                case EnginePacketType.Open when Handshake == null:
                    _opened.TrySetResult(EngineHandshake.Parse(packet.Data));
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

        private void ArmWatchdog()
        {
            var handshake = Handshake;
            if (handshake == null || Volatile.Read(ref _closed) != 0) return;
            var due = handshake.PingInterval + handshake.PingTimeout;
            lock (_watchdogLock)
            {
                if (Volatile.Read(ref _closed) != 0) return;
                if (_watchdog == null) _watchdog = new Timer(_ => Close(DisconnectReasons.PingTimeout, null), null, due, Timeout.InfiniteTimeSpan);
                else _watchdog.Change(due, Timeout.InfiniteTimeSpan);
            }
        }

        private bool MarkClosed()
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0) return false;
            lock (_watchdogLock) _watchdog?.Dispose();
            _opened.TrySetException(new SocketIoConnectFailedException("The connection closed during the Engine.IO handshake."));
            return true;
        }

        private void Close(string reason, Exception? error)
        {
            if (!MarkClosed()) return;
            _transport?.Dispose();
            Closed?.Invoke(reason, error);
        }
    }
}
