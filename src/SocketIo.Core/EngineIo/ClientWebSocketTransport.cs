using System;
using System.Buffers;
using System.Collections.Generic;
using System.Net.WebSockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo.Tls;

namespace SocketIo.Core.EngineIo
{
    /// <summary>
    /// Engine.IO over System.Net.WebSockets.ClientWebSocket (used when a proxy applies): one packet per frame, text frames with the type digit, binary frames as bare
    /// messages (or <c>b</c>+base64 text frames with forceBase64, both ways). The receive loop only decodes frames and
    /// hands them over; writes are serialized so the frames of one Socket.IO packet never interleave with another's.
    /// </summary>
    internal sealed class ClientWebSocketTransport : WebSocketTransport
    {
        // Small, because every idle connection holds one for its life; a larger message grows it (in big steps), and it
        // goes back to this size only after a few small messages in a row, so a run of large messages (binary
        // attachments alternate with their small headers) does not grow and copy it again for each one.
        private const int InitialReceiveBuffer = 4 * 1024;
        private const int FirstGrowth = 64 * 1024;
        private const int SmallMessagesBeforeShrink = 4;

        private readonly EngineOptions _options;
        private readonly CertificateValidator _validator;
        private readonly ClientWebSocket _socket = new ClientWebSocket();
        private readonly SemaphoreSlim _sendLock = new SemaphoreSlim(1, 1);
        private readonly CancellationTokenSource _lifetime = new CancellationTokenSource();

        public ClientWebSocketTransport(EngineOptions options, CertificateValidator validator)
        {
            _options = options;
            _validator = validator;
        }

        public override async Task OpenAsync(string? sid, CancellationToken cancellationToken)
        {
            var uri = _options.BuildWebSocketUri(sid);
            var endpoint = uri.GetLeftPart(UriPartial.Path); // user query values may carry tokens
            IDisposable? registration = null;
            try
            {
                registration = TransportSecurity.Configure(_socket.Options, _options, _validator, uri);
                await _socket.ConnectAsync(uri, cancellationToken).ConfigureAwait(false);
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
            catch (Exception e) when (e is WebSocketException || e is System.Net.Http.HttpRequestException || e is System.IO.IOException
                || e is System.Security.Authentication.AuthenticationException || e is System.Net.WebException || e is ObjectDisposedException)
            {
                Dispose();
                throw (Exception?)TransportSecurity.AsCertificateFailure(e, _validator, endpoint)
                    ?? new SocketIoConnectFailedException($"Could not open a WebSocket to {endpoint}: {Cause(e)}", e);
            }
            finally
            {
                registration?.Dispose();
            }
            _ = Task.Run(ReceiveLoopAsync);
        }

        public override async Task WriteAsync(IReadOnlyList<OutgoingFrame> frames, CancellationToken cancellationToken)
        {
            await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // Once started, a batch is written whole: cancelling a WebSocket send mid-frame aborts the socket.
                foreach (var frame in frames)
                {
                    if (frame.IsBinary && _options.ForceBase64)
                    {
                        var text = "b" + Convert.ToBase64String(frame.Bytes.Array!, frame.Bytes.Offset, frame.Bytes.Count);
                        await _socket.SendAsync(new ArraySegment<byte>(Encoding.ASCII.GetBytes(text)), WebSocketMessageType.Text, true, _lifetime.Token).ConfigureAwait(false);
                        continue;
                    }
                    var type = frame.IsBinary ? WebSocketMessageType.Binary : WebSocketMessageType.Text;
                    await _socket.SendAsync(frame.Bytes, type, endOfMessage: true, _lifetime.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is WebSocketException || e is ObjectDisposedException || e is OperationCanceledException || e is InvalidOperationException)
            {
                Fail(DisconnectReasons.TransportError, e);
                throw new SocketIoNotConnectedException("The connection was lost while sending: " + e.Message);
            }
            finally
            {
                _sendLock.Release();
            }
        }

        /// <summary>Client-initiated close: a normal WebSocket close, bounded in time, then the socket is gone.</summary>
        public override async Task CloseAsync()
        {
            if (!MarkEnded()) return;
            try
            {
                if (_socket.State == WebSocketState.Open)
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, string.Empty, timeout.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is WebSocketException || e is OperationCanceledException || e is ObjectDisposedException || e is InvalidOperationException)
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
            _socket.Abort();
            _socket.Dispose();
        }

        private async Task ReceiveLoopAsync()
        {
            var buffer = ArrayPool<byte>.Shared.Rent(InitialReceiveBuffer);
            int count = 0;
            int smallInARow = 0;
            try
            {
                while (true)
                {
                    if (count == buffer.Length) buffer = Grow(buffer, count);
                    // Never more than one byte past the limit: enough to know a message is too large without buffering it
                    // (the pool's buffers are larger than asked for, so their size is no limit).
                    int room = (int)Math.Min(buffer.Length - count, (long)_options.MaxIncomingMessageBytes - count + 1);
                    var result = await _socket.ReceiveAsync(new ArraySegment<byte>(buffer, count, room), _lifetime.Token).ConfigureAwait(false);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        Fail(DisconnectReasons.TransportClose, null);
                        return;
                    }
                    count += result.Count;
                    if (count > _options.MaxIncomingMessageBytes) throw TooLarge();
                    if (!result.EndOfMessage) continue;

                    int length = count;
                    var frame = new ReadOnlyMemory<byte>(buffer, 0, count);
                    EnginePacket packet;
                    if (result.MessageType == WebSocketMessageType.Binary) packet = EnginePacketCodec.DecodeBinary(frame);
                    else if (count > 0 && buffer[0] == (byte)'b') packet = EnginePacketCodec.DecodeBase64(frame.Slice(1)); // b64=1 sessions
                    else packet = EnginePacketCodec.DecodeText(frame);
                    count = 0;
                    if (IsEnded) return;
                    Deliver(packet);
                    if (buffer.Length > InitialReceiveBuffer)
                    {
                        smallInARow = length <= InitialReceiveBuffer ? smallInARow + 1 : 0;
                        if (smallInARow >= SmallMessagesBeforeShrink)
                        {
                            buffer = Shrink(buffer);
                            smallInARow = 0;
                        }
                    }
                }
            }
            catch (SocketIoProtocolException e)
            {
                Fail(DisconnectReasons.ParseError, e);
            }
            catch (Exception e) when (IsEnded && (e is OperationCanceledException || e is WebSocketException || e is ObjectDisposedException))
            {
                // Closed on purpose: the loop just ends.
            }
            catch (Exception e)
            {
                Fail(DisconnectReasons.TransportError, e);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        private byte[] Grow(byte[] buffer, int count)
        {
            if (buffer.Length >= _options.MaxIncomingMessageBytes) throw TooLarge();
            var larger = ArrayPool<byte>.Shared.Rent(Math.Min(Math.Max(buffer.Length * 2, FirstGrowth), _options.MaxIncomingMessageBytes));
            Buffer.BlockCopy(buffer, 0, larger, 0, count);
            ArrayPool<byte>.Shared.Return(buffer);
            return larger;
        }

        private SocketIoProtocolException TooLarge() =>
            new SocketIoProtocolException($"The server sent a message larger than {_options.MaxIncomingMessageBytes} bytes (the connection's maximum message size).");

        private static byte[] Shrink(byte[] buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return ArrayPool<byte>.Shared.Rent(InitialReceiveBuffer);
        }
    }
}
