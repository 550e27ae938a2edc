using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace SocketIo.Core.SockJs
{
    /// <summary>
    /// xhr-polling: POST <c>xhr</c>, read the one frame of the response, POST again at once. The server holds a
    /// request until it has something (or its 25 s heartbeat), so there is always one request outstanding.
    /// </summary>
    internal sealed class SockJsXhrPollingTransport : SockJsXhrTransportBase
    {
        public SockJsXhrPollingTransport(SockJsClientOptions options, HttpClient http) : base(options, http) { }

        public override string Name => "xhr-polling";

        protected override string ReceivePath => "xhr";

        protected override async Task OpenReceiverAsync(CancellationToken cancellationToken)
        {
            HttpResponseMessage response;
            try
            {
                response = await PostReceiveAsync(HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                throw OpenFailed(e);
            }
            byte[] body;
            using (response)
            {
                if (response.StatusCode != HttpStatusCode.OK) throw OpenFailed(response.StatusCode);
                body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
            }
            _ = Task.Run(() => ReceiveLoopAsync(body)); // frames are delivered on the loop only, never here
        }

        /// <summary>One frame per response, <c>\n</c>-terminated; a last line without it is taken as well.</summary>
        private void DeliverBody(byte[] body)
        {
            bool atStart = false;
            int consumed = DeliverLines(body, body.Length, ref atStart);
            if (consumed < body.Length && !IsClosed) Deliver(new ReadOnlySpan<byte>(body, consumed, body.Length - consumed));
        }

        private async Task ReceiveLoopAsync(byte[] firstBody)
        {
            try
            {
                DeliverBody(firstBody);
                while (!IsClosed)
                {
                    byte[] body;
                    using (var response = await PostReceiveAsync(HttpCompletionOption.ResponseContentRead, Lifetime.Token).ConfigureAwait(false))
                    {
                        if (response.StatusCode != HttpStatusCode.OK)
                        {
                            End($"Server lost session (HTTP {(int)response.StatusCode})", null);
                            return;
                        }
                        body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
                    }
                    if (body.Length > Options.MaxIncomingFrameBytes)
                        throw new SocketIoProtocolException($"The server sent a frame larger than {Options.MaxIncomingFrameBytes} bytes.");
                    DeliverBody(body);
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
                End("xhr-polling connection broken: " + Cause(e), e);
            }
        }
    }
}
