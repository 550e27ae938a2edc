using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;

namespace SocketIo.Core.SockJs
{
    /// <summary>
    /// What the two xhr transports share: POSTs to <c>{session}/{receive path}</c> for frames, and
    /// <c>{session}/xhr_send</c> for client frames (one at a time, in order). Headers and cookies go on every request.
    /// </summary>
    internal abstract class SockJsXhrTransportBase : SockJsTransportBase
    {
        private static readonly MediaTypeHeaderValue SendContentType = MediaTypeHeaderValue.Parse("text/plain; charset=UTF-8");

        private readonly HttpClient _http;
        private readonly SemaphoreSlim _sendLock = new SemaphoreSlim(1, 1);
        private Uri? _sendUri;

        protected SockJsXhrTransportBase(SockJsClientOptions options, HttpClient http) : base(options) => _http = http;

        protected CancellationTokenSource Lifetime { get; } = new CancellationTokenSource();

        protected Uri? ReceiveUri { get; private set; }

        /// <summary><c>xhr</c> or <c>xhr_streaming</c>.</summary>
        protected abstract string ReceivePath { get; }

        public override Task OpenAsync(string server, string session, CancellationToken cancellationToken)
        {
            ReceiveUri = SockJsUrls.Http(Options.ServerUri, server, session, ReceivePath);
            _sendUri = SockJsUrls.Http(Options.ServerUri, server, session, "xhr_send");
            return OpenReceiverAsync(cancellationToken);
        }

        /// <summary>Makes the first receive request (failing with <see cref="SocketIoConnectFailedException"/>) and
        /// starts the receive loop.</summary>
        protected abstract Task OpenReceiverAsync(CancellationToken cancellationToken);

        public override async Task SendAsync(byte[] frame, CancellationToken cancellationToken)
        {
            await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (IsClosed) throw new SocketIoNotConnectedException("The SockJS session is closed.");
                using var request = NewRequest(_sendUri!);
                request.Content = new ByteArrayContent(frame);
                request.Content.Headers.ContentType = SendContentType;
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, Lifetime.Token);
                HttpResponseMessage response;
                try
                {
                    response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception e) when (e is HttpRequestException || e is OperationCanceledException || e is ObjectDisposedException || e is IOException)
                {
                    End("Sending error: " + Cause(e), e);
                    throw new SocketIoNotConnectedException("The SockJS connection was lost while sending: " + Cause(e));
                }
                using (response)
                {
                    if (response.StatusCode != HttpStatusCode.NoContent && response.StatusCode != HttpStatusCode.OK)
                    {
                        // 404: the server does not know the session (any more).
                        End($"Sending error: HTTP {(int)response.StatusCode}", null);
                        throw new SocketIoNotConnectedException($"The SockJS session is gone: xhr_send answered HTTP {(int)response.StatusCode}.");
                    }
                }
            }
            finally
            {
                _sendLock.Release();
            }
        }

        protected override void Release() => Lifetime.Cancel();

        protected Task<HttpResponseMessage> PostReceiveAsync(HttpCompletionOption completion, CancellationToken cancellationToken)
        {
            var request = NewRequest(ReceiveUri!);
            return SendAndDisposeRequestAsync(request, completion, cancellationToken);
        }

        protected SocketIoConnectFailedException OpenFailed(HttpStatusCode status) =>
            new SocketIoConnectFailedException($"HTTP {(int)status} from {SockJsUrls.Describe(ReceiveUri!)}");

        protected SocketIoConnectFailedException OpenFailed(Exception e) =>
            new SocketIoConnectFailedException($"could not reach {SockJsUrls.Describe(ReceiveUri!)}: {Cause(e)}", e);

        /// <summary>Splits xhr data into frames at <c>\n</c>; returns how many bytes were consumed (whole lines).
        /// A streaming response's first line of only <c>h</c>s is its prelude, not a frame.</summary>
        protected int DeliverLines(byte[] data, int count, ref bool atResponseStart)
        {
            int lineStart = 0;
            for (int i = 0; i < count && !IsClosed; i++)
            {
                if (data[i] != (byte)'\n') continue;
                var line = new ReadOnlySpan<byte>(data, lineStart, i - lineStart);
                bool prelude = atResponseStart && line.Length > 1 && IsAllH(line);
                atResponseStart = false;
                if (line.Length > 0 && !prelude) Deliver(line);
                lineStart = i + 1;
            }
            return lineStart;
        }

        private async Task<HttpResponseMessage> SendAndDisposeRequestAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken)
        {
            using (request)
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, Lifetime.Token);
                return await _http.SendAsync(request, completion, linked.Token).ConfigureAwait(false);
            }
        }

        private HttpRequestMessage NewRequest(Uri uri)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, uri);
            foreach (var header in Options.Headers) request.Headers.TryAddWithoutValidation(header.Key, header.Value);
            return request;
        }

        private static bool IsAllH(ReadOnlySpan<byte> line)
        {
            foreach (var b in line)
                if (b != (byte)'h') return false;
            return true;
        }
    }
}
