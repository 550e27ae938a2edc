using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace SocketIo.Core.SockJs
{
    /// <summary>
    /// xhr-streaming: one long POST to <c>xhr_streaming</c> whose body is a 2048-<c>h</c> prelude line and then one
    /// frame per line. When the server ends a response (its response limit) the session lives on: the next POST
    /// follows at once, with the same session id.
    /// </summary>
    internal sealed class SockJsXhrStreamingTransport : SockJsXhrTransportBase
    {
        private const int InitialBuffer = 16 * 1024;

        private HttpResponseMessage? _response;

        public SockJsXhrStreamingTransport(SockJsClientOptions options, HttpClient http) : base(options, http) { }

        public override string Name => "xhr-streaming";

        protected override string ReceivePath => "xhr_streaming";

        protected override async Task OpenReceiverAsync(CancellationToken cancellationToken)
        {
            HttpResponseMessage response;
            try
            {
                response = await PostReceiveAsync(HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                throw OpenFailed(e);
            }
            if (response.StatusCode != HttpStatusCode.OK)
            {
                response.Dispose();
                throw OpenFailed(response.StatusCode);
            }
            _ = Task.Run(() => ReceiveLoopAsync(response));
        }

        protected override void Release()
        {
            base.Release();
            Interlocked.Exchange(ref _response, null)?.Dispose(); // ends a pending read
        }

        private async Task ReceiveLoopAsync(HttpResponseMessage first)
        {
            var response = first;
            try
            {
                while (true)
                {
                    using (response)
                    {
                        Volatile.Write(ref _response, response);
                        if (IsClosed) return;
                        var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                        await ReadFramesAsync(stream).ConfigureAwait(false);
                    }
                    if (IsClosed) return;
                    response = await PostReceiveAsync(HttpCompletionOption.ResponseHeadersRead, Lifetime.Token).ConfigureAwait(false);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        int status = (int)response.StatusCode;
                        response.Dispose();
                        End($"Server lost session (HTTP {status})", null);
                        return;
                    }
                }
            }
            catch (SocketIoProtocolException e)
            {
                End("Invalid frame from the server: " + e.Message, e);
            }
            catch (Exception e) when (IsClosed && (e is OperationCanceledException || e is ObjectDisposedException || e is IOException || e is HttpRequestException))
            {
                // Closed on purpose: the loop just ends.
            }
            catch (Exception e)
            {
                End("xhr-streaming connection broken: " + Cause(e), e);
            }
        }

        private async Task ReadFramesAsync(Stream stream)
        {
            var buffer = new byte[InitialBuffer];
            int count = 0;
            bool atResponseStart = true;
            while (!IsClosed)
            {
                if (count == buffer.Length)
                {
                    if (buffer.Length >= Options.MaxIncomingFrameBytes)
                        throw new SocketIoProtocolException($"The server sent a frame larger than {Options.MaxIncomingFrameBytes} bytes.");
                    Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, Options.MaxIncomingFrameBytes));
                }
                int read = await stream.ReadAsync(buffer, count, buffer.Length - count, Lifetime.Token).ConfigureAwait(false);
                if (read == 0) return; // the server ended this response; the caller asks for the next one
                count += read;
                int consumed = DeliverLines(buffer, count, ref atResponseStart);
                if (consumed > 0)
                {
                    Buffer.BlockCopy(buffer, consumed, buffer, 0, count - consumed);
                    count -= consumed;
                }
            }
        }
    }
}
