using System;
using System.Buffers;
using System.Collections.Generic;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;

namespace SocketIo.Core.EngineIo
{
    /// <summary>
    /// Engine.IO over one WebSocket: one packet per frame, text frames with the type digit, binary frames as bare
    /// messages. The receive loop only decodes frames and hands them to <see cref="PacketReceived"/>; sends are
    /// serialized so the frames of one Socket.IO packet (text + attachments) never interleave with another's.
    /// </summary>
    internal sealed class WebSocketTransport : IDisposable
    {
        private const int InitialReceiveBuffer = 16 * 1024;

        private readonly EngineOptions _options;
        private readonly ClientWebSocket _socket = new ClientWebSocket();
        private readonly SemaphoreSlim _sendLock = new SemaphoreSlim(1, 1);
        private readonly CancellationTokenSource _lifetime = new CancellationTokenSource();
        private int _closed;

        public WebSocketTransport(EngineOptions options)
        {
            _options = options;
            _socket.Options.KeepAliveInterval = TimeSpan.Zero; // Engine.IO has its own heartbeat
            _socket.Options.Cookies = options.Cookies;
            foreach (var header in options.Headers) _socket.Options.SetRequestHeader(header.Key, header.Value);
        }

        public string Name => "websocket";

        /// <summary>Called on the receive loop, one packet at a time, in order.</summary>
        public Action<EnginePacket>? PacketReceived { get; set; }

        /// <summary>Called once when the socket ends for any reason but <see cref="CloseAsync"/>.</summary>
        public Action<string, Exception?>? Closed { get; set; }

        public async Task OpenAsync(Uri uri, CancellationToken cancellationToken)
        {
            await _socket.ConnectAsync(uri, cancellationToken).ConfigureAwait(false);
            _ = Task.Run(ReceiveLoopAsync);
        }

        public async Task SendAsync(IReadOnlyList<OutgoingFrame> frames, CancellationToken cancellationToken)
        {
            await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // Once started, a group is written whole: cancelling a WebSocket send mid-frame aborts the socket.
                foreach (var frame in frames)
                {
                    var type = frame.IsBinary ? WebSocketMessageType.Binary : WebSocketMessageType.Text;
                    await _socket.SendAsync(frame.Bytes, type, endOfMessage: true, _lifetime.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is WebSocketException || e is ObjectDisposedException || e is OperationCanceledException)
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
        public async Task CloseAsync()
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0) return;
            try
            {
                if (_socket.State == WebSocketState.Open)
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, string.Empty, timeout.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is WebSocketException || e is OperationCanceledException || e is ObjectDisposedException)
            {
                // The peer is gone already; nothing left to close politely.
            }
            finally
            {
                Dispose();
            }
        }

        public void Dispose()
        {
            Interlocked.Exchange(ref _closed, 1);
            _lifetime.Cancel();
            _socket.Abort();
            _socket.Dispose();
        }

        private async Task ReceiveLoopAsync()
        {
            var buffer = ArrayPool<byte>.Shared.Rent(InitialReceiveBuffer);
            int count = 0;
            try
            {
                while (true)
                {
                    if (count == buffer.Length) buffer = Grow(buffer, count);
                    var result = await _socket.ReceiveAsync(new ArraySegment<byte>(buffer, count, buffer.Length - count), _lifetime.Token).ConfigureAwait(false);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        Fail(DisconnectReasons.TransportClose, null);
                        return;
                    }
                    count += result.Count;
                    if (!result.EndOfMessage) continue;

                    var frame = new ReadOnlyMemory<byte>(buffer, 0, count);
                    var packet = result.MessageType == WebSocketMessageType.Binary
                        ? EnginePacketCodec.DecodeBinary(frame)
                        : EnginePacketCodec.DecodeText(frame);
                    count = 0;
                    PacketReceived?.Invoke(packet);
                    if (buffer.Length > InitialReceiveBuffer) buffer = Shrink(buffer);
                }
            }
            catch (SocketIoProtocolException e)
            {
                Fail(DisconnectReasons.ParseError, e);
            }
            catch (Exception e) when (Volatile.Read(ref _closed) != 0 && (e is OperationCanceledException || e is WebSocketException || e is ObjectDisposedException))
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
            if (buffer.Length >= _options.MaxIncomingMessageBytes)
                throw new SocketIoProtocolException($"The server sent a message larger than {_options.MaxIncomingMessageBytes} bytes.");
            var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, _options.MaxIncomingMessageBytes));
            Buffer.BlockCopy(buffer, 0, larger, 0, count);
            ArrayPool<byte>.Shared.Return(buffer);
            return larger;
        }

        private static byte[] Shrink(byte[] buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return ArrayPool<byte>.Shared.Rent(InitialReceiveBuffer);
        }

        private void Fail(string reason, Exception? error)
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0) return;
            Dispose();
            Closed?.Invoke(reason, error);
        }
    }
}
