using System;
using System.Buffers;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;

namespace SocketIo.Core.SockJs
{
    /// <summary>
    /// The SockJS WebSocket transport (<c>{endpoint}/{server}/{session}/websocket</c>): one frame per text message.
    /// No Origin header is sent (OctoPrint refuses a foreign one). The receive loop stays pending all the time, so the
    /// runtime answers the WebSocket pings sockjs-node uses as heartbeats.
    /// </summary>
    internal sealed class SockJsWebSocketTransport : SockJsTransportBase
    {
        private const int InitialReceiveBuffer = 16 * 1024;

        private readonly ClientWebSocket _socket = new ClientWebSocket();
        private readonly SemaphoreSlim _sendLock = new SemaphoreSlim(1, 1);
        private readonly CancellationTokenSource _lifetime = new CancellationTokenSource();

        public SockJsWebSocketTransport(SockJsClientOptions options) : base(options)
        {
            _socket.Options.Cookies = options.Cookies;
            foreach (var header in options.Headers) _socket.Options.SetRequestHeader(header.Key, header.Value);
        }

        public override string Name => "websocket";

        public override async Task OpenAsync(string server, string session, CancellationToken cancellationToken)
        {
            await _socket.ConnectAsync(SockJsUrls.WebSocket(Options.ServerUri, server, session), cancellationToken).ConfigureAwait(false);
            _ = Task.Run(ReceiveLoopAsync);
        }

        public override async Task SendAsync(byte[] frame, CancellationToken cancellationToken)
        {
            await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // Once started, a frame is written whole: cancelling a WebSocket send mid-frame aborts the socket.
                await _socket.SendAsync(new ArraySegment<byte>(frame), WebSocketMessageType.Text, endOfMessage: true, _lifetime.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is WebSocketException || e is ObjectDisposedException || e is OperationCanceledException || e is InvalidOperationException)
            {
                End("WebSocket connection broken while sending: " + Cause(e), e);
                throw new SocketIoNotConnectedException("The SockJS connection was lost while sending: " + Cause(e));
            }
            finally
            {
                _sendLock.Release();
            }
        }

        public override async Task CloseAsync()
        {
            try
            {
                if (!IsClosed && _socket.State == WebSocketState.Open)
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
                Dispose();
            }
        }

        protected override void Release()
        {
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
                        // sockjs-client reports any WebSocket close as 1006 unless a c frame came first.
                        End("WebSocket connection broken", null);
                        return;
                    }
                    if (result.MessageType == WebSocketMessageType.Binary)
                        throw new SocketIoProtocolException("The server sent a binary WebSocket message; SockJS frames are text.");
                    count += result.Count;
                    if (!result.EndOfMessage) continue;

                    Deliver(new ReadOnlySpan<byte>(buffer, 0, count));
                    count = 0;
                    if (buffer.Length > InitialReceiveBuffer) buffer = Shrink(buffer);
                }
            }
            catch (SocketIoProtocolException e)
            {
                End("Invalid frame from the server: " + e.Message, e);
            }
            catch (Exception e) when (IsClosed && (e is OperationCanceledException || e is WebSocketException || e is ObjectDisposedException))
            {
                // Closed on purpose: the loop just ends.
            }
            catch (Exception e)
            {
                End("WebSocket connection broken: " + Cause(e), e);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        private byte[] Grow(byte[] buffer, int count)
        {
            if (buffer.Length >= Options.MaxIncomingFrameBytes)
                throw new SocketIoProtocolException($"The server sent a frame larger than {Options.MaxIncomingFrameBytes} bytes.");
            var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, Options.MaxIncomingFrameBytes));
            Buffer.BlockCopy(buffer, 0, larger, 0, count);
            ArrayPool<byte>.Shared.Return(buffer);
            return larger;
        }

        private static byte[] Shrink(byte[] buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return ArrayPool<byte>.Shared.Rent(InitialReceiveBuffer);
        }
    }
}
