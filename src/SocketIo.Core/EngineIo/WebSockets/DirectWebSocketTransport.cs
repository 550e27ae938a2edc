using System;
using System.Runtime.CompilerServices;
using System.Collections.Generic;
using System.IO;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Authentication;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo.Tls;
using SocketIo.Core.Json;

namespace SocketIo.Core.EngineIo.WebSockets
{
    /// <summary>
    /// Engine.IO over our own RFC 6455 client (<see cref="WebSocketConnection"/>), used when no proxy applies: a batch
    /// of frames goes out in one socket write, every frame a read brought is decoded on the receive loop without a Task
    /// per message, and an idle connection holds almost nothing. Same contract as <see cref="ClientWebSocketTransport"/>.
    /// </summary>
    internal sealed class DirectWebSocketTransport : WebSocketTransport, IWebSocketFrameSink
    {
        private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);
        private static readonly UTF8Encoding StrictUtf8 = new UTF8Encoding(false, throwOnInvalidBytes: true);

        private readonly EngineOptions _options;
        private readonly CertificateValidator _validator;
        private readonly CancellationTokenSource _lifetime = new CancellationTokenSource();
        private WebSocketConnection? _connection;

        public DirectWebSocketTransport(EngineOptions options, CertificateValidator validator)
        {
            _options = options;
            _validator = validator;
        }

        public override async Task OpenAsync(string? sid, CancellationToken cancellationToken)
        {
            var uri = _options.BuildWebSocketUri(sid);
            try
            {
                _connection = await WebSocketConnection.ConnectAsync(uri, _options, _validator, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                Dispose();
                throw;
            }
            catch (SocketIoException)
            {
                Dispose();
                throw;
            }
            catch (Exception e) when (e is IOException || e is SocketException || e is AuthenticationException || e is ObjectDisposedException
                || e is OperationCanceledException || e is System.Security.Cryptography.CryptographicException)
            {
                Dispose();
                var endpoint = WebSocketHandshake.Endpoint(uri);
                throw (Exception?)TransportSecurity.AsCertificateFailure(e, _validator, endpoint)
                    ?? new SocketIoConnectFailedException($"Could not open a WebSocket to {endpoint}: {Cause(e)}", e);
            }
            if (IsEnded)
            {
                _connection.Dispose();
                throw new SocketIoConnectFailedException($"The WebSocket to {WebSocketHandshake.Endpoint(uri)} was closed while it opened.");
            }
            // On the pool, without the caller's execution context (the loop outlives the open); no Task for the start.
            ThreadPool.UnsafeQueueUserWorkItem(StartReceiveLoop, this);
        }

        public override async Task WriteAsync(IReadOnlyList<OutgoingFrame> frames, CancellationToken cancellationToken)
        {
            var connection = _connection;
            if (connection == null || IsEnded) throw new SocketIoNotConnectedException("The connection is closed.");
            try
            {
                // Once started, a batch is written whole: a frame cut in the middle would corrupt the stream.
                await connection.SendAsync(frames, _options.ForceBase64, cancellationToken, _lifetime.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !IsEnded)
            {
                throw; // withdrawn while waiting for the previous write: nothing of it was sent
            }
            catch (Exception e) when (e is IOException || e is SocketException || e is ObjectDisposedException || e is OperationCanceledException || e is InvalidOperationException)
            {
                Fail(DisconnectReasons.TransportError, e);
                throw new SocketIoNotConnectedException("The connection was lost while sending: " + e.Message);
            }
        }

        /// <summary>Client-initiated close: a normal close frame, bounded in time, then the socket is gone.</summary>
        public override async Task CloseAsync()
        {
            if (!MarkEnded()) return;
            try
            {
                var connection = _connection;
                if (connection != null) await connection.SendCloseAsync(1000, CloseTimeout).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException || e is SocketException || e is OperationCanceledException || e is ObjectDisposedException)
            {
                // The peer is gone already; nothing left to close politely.
            }
            finally
            {
                Release();
            }
        }

        protected override void Release()
        {
            try { _lifetime.Cancel(); } catch (ObjectDisposedException) { }
            _connection?.Dispose();
        }

        [MethodImpl(HotPath.Optimize)]
        void IWebSocketFrameSink.OnMessage(bool isText, ReadOnlyMemory<byte> payload)
        {
            if (IsEnded) return;
            EnginePacket packet;
            if (!isText) packet = EnginePacketCodec.DecodeBinary(payload);
            else
            {
                // RFC 6455 §8.1: a text message that is not UTF-8 fails the WebSocket (as ClientWebSocket does).
                if (MemoryMarshal.TryGetArray(payload, out var bytes)) StrictUtf8.GetCharCount(bytes.Array!, bytes.Offset, bytes.Count);
                if (payload.Length > 0 && payload.Span[0] == (byte)'b') packet = EnginePacketCodec.DecodeBase64(payload.Slice(1)); // b64=1 sessions
                else packet = EnginePacketCodec.DecodeText(payload);
            }
            Deliver(packet);
        }

        void IWebSocketFrameSink.OnPing(ReadOnlySpan<byte> payload)
        {
            // The connection answers pings itself.
        }

        void IWebSocketFrameSink.OnClose(int? code)
        {
            // Reported once the close was echoed, when the receive loop ends.
        }

        private static readonly WaitCallback StartReceiveLoop = state => _ = ((DirectWebSocketTransport)state!).ReceiveLoopAsync();

        private async Task ReceiveLoopAsync()
        {
            var connection = _connection!;
            try
            {
                await connection.ReceiveAsync(this, _lifetime.Token).ConfigureAwait(false);
                Fail(DisconnectReasons.TransportClose, null);
            }
            catch (SocketIoProtocolException e)
            {
                Fail(DisconnectReasons.ParseError, e);
            }
            catch (Exception e) when (IsEnded && (e is OperationCanceledException || e is IOException || e is SocketException || e is ObjectDisposedException))
            {
                // Closed on purpose: the loop just ends.
            }
            catch (Exception e)
            {
                Fail(DisconnectReasons.TransportError, e);
            }
        }
    }
}
