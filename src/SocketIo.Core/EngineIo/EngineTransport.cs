using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SocketIo.Core.EngineIo
{
    /// <summary>
    /// What <see cref="EngineSocket"/> needs from a transport (engine.io-client's Transport): open, write a batch,
    /// deliver packets in order on one receive loop, report its own end once, and close. The socket never has two
    /// writes in flight on one transport.
    /// </summary>
    internal abstract class EngineTransport : IDisposable
    {
        public const string PollingName = "polling";
        public const string WebSocketName = "websocket";

        private int _ended;

        /// <summary>"polling" or "websocket", as engine.io names them.</summary>
        public abstract string Name { get; }

        /// <summary>Called on the receive loop, one packet at a time, in order. <see cref="EnginePacket.Data"/> is valid
        /// only during the call.</summary>
        public Action<EnginePacket>? PacketReceived { get; set; }

        /// <summary>Called once when the transport ends by itself (not after <see cref="CloseAsync"/> or
        /// <see cref="Dispose"/>): "transport close", "transport error" or "parse error", and the error behind it.</summary>
        public Action<string, Exception?>? Closed { get; set; }

        /// <summary>True once the transport failed, closed or was disposed.</summary>
        public bool IsEnded => Volatile.Read(ref _ended) != 0;

        /// <summary>Opens the transport for session <paramref name="sid"/> (null: a new session, the server's open
        /// packet arrives through <see cref="PacketReceived"/>). Throws <see cref="SocketIoConnectFailedException"/> or
        /// <see cref="SocketIoCertificateException"/> naming the endpoint and the cause.</summary>
        public abstract Task OpenAsync(string? sid, CancellationToken cancellationToken);

        /// <summary>Writes frames (a whole batch, in order). Throws <see cref="SocketIoNotConnectedException"/> when the
        /// transport failed (and reports that through <see cref="Closed"/>).</summary>
        public abstract Task WriteAsync(IReadOnlyList<OutgoingFrame> frames, CancellationToken cancellationToken);

        /// <summary>Client-initiated close, bounded in time: polling posts a close packet, WebSocket closes politely.</summary>
        public abstract Task CloseAsync();

        /// <summary>Stops at once without telling the server (also used to drop a transport left behind by an upgrade).</summary>
        public void Dispose()
        {
            Interlocked.Exchange(ref _ended, 1);
            Release();
        }

        protected abstract void Release();

        /// <summary>Marks the transport ended; true for the caller that did it.</summary>
        protected bool MarkEnded() => Interlocked.Exchange(ref _ended, 1) == 0;

        /// <summary>Ends the transport because of the server or the network, and reports it once.</summary>
        protected void Fail(string reason, Exception? error)
        {
            if (!MarkEnded()) return;
            Release();
            Closed?.Invoke(reason, error);
        }

        protected void Deliver(EnginePacket packet) => PacketReceived?.Invoke(packet);
    }
}
