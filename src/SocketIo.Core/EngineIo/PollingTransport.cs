using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo.Tls;

namespace SocketIo.Core.EngineIo
{
    /// <summary>
    /// Engine.IO HTTP long-polling (engine.io-client's Polling): one GET loop that never has two requests in flight,
    /// and POSTs of payloads (<c>\x1e</c>-separated, binary as <c>b</c>+base64, <c>text/plain;charset=UTF-8</c>) that
    /// <see cref="EngineSocket"/> never overlaps. Every request carries EIO, transport, sid, the user's query, a cache
    /// buster, the extra headers, the user agent and the shared cookies. Only HTTP 200 counts as success.
    /// </summary>
    internal sealed class PollingTransport : EngineTransport
    {
        private const string PayloadContentType = "text/plain;charset=UTF-8";
        private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);

        private readonly EngineOptions _options;
        private readonly CertificateValidator _validator;
        private readonly HttpClient _http;
        private readonly CancellationTokenSource _lifetime = new CancellationTokenSource();
        private readonly object _gate = new object();
        private bool _pausing;
        private bool _loopRunning;
        private TaskCompletionSource<bool>? _paused;
        private string? _sid;

        public PollingTransport(EngineOptions options, CertificateValidator validator)
        {
            _options = options;
            _validator = validator;
            _http = TransportSecurity.CreateHttpClient(options, validator);
            _http.MaxResponseContentBufferSize = Math.Max(options.MaxIncomingMessageBytes, 1024 * 1024);
        }

        public override string Name => PollingName;

        /// <summary>The session id, learnt from the open packet of the handshake response.</summary>
        public string? Sid => Volatile.Read(ref _sid);

        /// <summary>The handshake: the first GET must come back 200 with an open packet; then the GET loop runs.</summary>
        public override async Task OpenAsync(string? sid, CancellationToken cancellationToken)
        {
            _sid = sid;
            var endpoint = _options.DescribeEndpoint(PollingName);
            string body;
            try
            {
                body = await RequestAsync(HttpMethod.Get, null, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                Dispose();
                throw;
            }
            catch (PollingHttpException e)
            {
                Dispose();
                throw new SocketIoConnectFailedException($"The server at {endpoint} refused the Engine.IO handshake over HTTP long-polling: {e.Message}", e);
            }
            catch (Exception e) when (IsNetworkFailure(e))
            {
                Dispose();
                throw (Exception?)TransportSecurity.AsCertificateFailure(e, _validator, endpoint)
                    ?? new SocketIoConnectFailedException($"Could not reach {endpoint} (HTTP long-polling): {WebSocketTransport.Cause(e)}", e);
            }

            try
            {
                if (!DeliverPayload(body)) throw new SocketIoConnectFailedException($"The server at {endpoint} closed the session during the Engine.IO handshake.");
            }
            catch (SocketIoProtocolException e)
            {
                Dispose();
                throw new SocketIoConnectFailedException($"The server at {endpoint} did not answer like an Engine.IO 4 server: {e.Message}", e);
            }
            if (Sid == null)
            {
                Dispose();
                throw new SocketIoConnectFailedException($"The server at {endpoint} answered the Engine.IO handshake without an open packet (is it a Socket.IO 3/4 server?).");
            }
            lock (_gate) _loopRunning = true;
            _ = Task.Run(PollLoopAsync);
        }

        /// <summary>POSTs one payload. The caller keeps it within maxPayload and never overlaps two writes.</summary>
        public override async Task WriteAsync(IReadOnlyList<OutgoingFrame> frames, CancellationToken cancellationToken)
        {
            if (IsEnded) throw new SocketIoNotConnectedException("The connection is closed.");
            try
            {
                await RequestAsync(HttpMethod.Post, EnginePacketCodec.EncodePayload(frames), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !IsEnded)
            {
                throw;
            }
            catch (Exception e) when (e is PollingHttpException || IsNetworkFailure(e))
            {
                Fail(DisconnectReasons.TransportError, e);
                throw new SocketIoNotConnectedException("The connection was lost while sending: " + e.Message);
            }
        }

        /// <summary>engine.io-client's pause: no new GET; completes when the GET in flight (the server releases it
        /// with a noop during an upgrade) has been answered and its packets delivered.</summary>
        public Task PauseAsync()
        {
            lock (_gate)
            {
                _pausing = true;
                if (!_loopRunning) return Task.CompletedTask;
                _paused ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                return _paused.Task;
            }
        }

        /// <summary>Polls again after a pause (the upgrade failed).</summary>
        public void Resume()
        {
            lock (_gate)
            {
                _pausing = false;
                if (_loopRunning || IsEnded) return;
                _loopRunning = true;
            }
            _ = Task.Run(PollLoopAsync);
        }

        /// <summary>Client close: a close packet in a last POST (bounded), then the GET in flight is dropped.</summary>
        public override async Task CloseAsync()
        {
            if (!MarkEnded()) return;
            try
            {
                if (Sid == null) return; // no session yet: nothing to tell the server
                using var timeout = new CancellationTokenSource(CloseTimeout);
                await RequestAsync(HttpMethod.Post, "1", timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException || e is PollingHttpException || IsNetworkFailure(e))
            {
                // The server is gone or dropped the session already.
            }
            finally
            {
                Release();
            }
        }

        protected override void Release()
        {
            try { _lifetime.Cancel(); } catch (ObjectDisposedException) { }
            _http.Dispose();
            lock (_gate)
            {
                _paused?.TrySetResult(true);
                _paused = null;
            }
        }

        private async Task PollLoopAsync()
        {
            try
            {
                while (true)
                {
                    lock (_gate)
                    {
                        if (_pausing || IsEnded) return;
                    }
                    string body;
                    try
                    {
                        body = await RequestAsync(HttpMethod.Get, null, CancellationToken.None).ConfigureAwait(false);
                    }
                    catch (Exception) when (IsEnded)
                    {
                        return;
                    }
                    catch (Exception e) when (e is PollingHttpException || IsNetworkFailure(e))
                    {
                        Fail(DisconnectReasons.TransportError, e);
                        return;
                    }
                    if (IsEnded) return;
                    try
                    {
                        if (!DeliverPayload(body)) return;
                    }
                    catch (SocketIoProtocolException e)
                    {
                        Fail(DisconnectReasons.ParseError, e);
                        return;
                    }
                    catch (Exception e)
                    {
                        Fail(DisconnectReasons.TransportError, e);
                        return;
                    }
                }
            }
            finally
            {
                lock (_gate)
                {
                    _loopRunning = false;
                    _paused?.TrySetResult(true);
                    _paused = null;
                }
            }
        }

        /// <summary>Delivers a response's packets in order; false when it carried a close packet (the transport ended).</summary>
        private bool DeliverPayload(string body)
        {
            foreach (var packet in EnginePacketCodec.DecodePayload(body))
            {
                if (IsEnded) return false;
                if (packet.Data.Length > _options.MaxIncomingMessageBytes)
                    throw new SocketIoProtocolException($"The server sent a message larger than {_options.MaxIncomingMessageBytes} bytes (the connection's maximum message size).");
                switch (packet.Type)
                {
                    case EnginePacketType.Close:
                        Fail(DisconnectReasons.TransportClose, null);
                        return false;
                    case EnginePacketType.Open when Sid == null:
                        Volatile.Write(ref _sid, EngineHandshake.Parse(packet.Data).Sid); // before the next request goes out
                        break;
                }
                Deliver(packet);
            }
            return true;
        }

        private async Task<string> RequestAsync(HttpMethod method, string? payload, CancellationToken cancellationToken)
        {
            using var request = new HttpRequestMessage(method, _options.BuildPollingUri(Sid));
            bool userAgentGiven = false;
            foreach (var header in _options.Headers)
            {
                userAgentGiven |= string.Equals(header.Key, "User-Agent", StringComparison.OrdinalIgnoreCase);
                request.Headers.TryAddWithoutValidation(header.Key, header.Value); // content headers are ignored here
            }
            if (!userAgentGiven) request.Headers.TryAddWithoutValidation("User-Agent", _options.EffectiveUserAgent);
            request.Headers.TryAddWithoutValidation("Accept", "*/*");
            if (payload != null)
            {
                request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(payload));
                request.Content.Headers.TryAddWithoutValidation("Content-Type", PayloadContentType);
            }

            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, linked.Token).ConfigureAwait(false);
            var bytes = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
            var text = Encoding.UTF8.GetString(bytes);
            if (response.StatusCode != HttpStatusCode.OK)
                throw new PollingHttpException(response.StatusCode, EngineHttpError.Describe(response.StatusCode, response.ReasonPhrase, text), EngineHttpError.Code(text));
            return text;
        }

        private static bool IsNetworkFailure(Exception e) =>
            e is HttpRequestException || e is IOException || e is WebException || e is ObjectDisposedException
            || e is OperationCanceledException || e is System.Security.Authentication.AuthenticationException;
    }

    /// <summary>A polling request answered with a status other than 200; the message describes the server's reply.</summary>
    public sealed class PollingHttpException : SocketIoException
    {
        public PollingHttpException(HttpStatusCode status, string message, int? engineErrorCode) : base(message)
        {
            StatusCode = status;
            EngineErrorCode = engineErrorCode;
        }

        public HttpStatusCode StatusCode { get; }

        /// <summary>node engine.io's error code (0 unknown transport, 1 unknown session, 3 bad request, 4 forbidden,
        /// 5 unsupported protocol version), when the server sent one.</summary>
        public int? EngineErrorCode { get; }
    }
}
