using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace SocketIo.Core.SockJs
{
    /// <summary>
    /// One SockJS session (sockjs-protocol 0.3) over WebSocket, xhr-streaming or xhr-polling. <see cref="OpenAsync"/>
    /// tries the transports in order (or the pinned one) until one delivers the <c>o</c> frame. Messages arrive as
    /// JSON text; the session ends once, with the <c>c</c> frame's code and reason, or a synthesized 1006 when the
    /// connection broke (or no frame came within <see cref="SockJsClientOptions.HeartbeatTimeout"/>), or 1000 when
    /// this side closed it. A client is used for one session; open a new one to reconnect.
    /// <see cref="Opened"/>, <see cref="MessageReceived"/> and <see cref="Closed"/> run on the receive loop: keep
    /// them short and hand work elsewhere.
    /// </summary>
    public sealed class SockJsClient : IDisposable
    {
        private const int StateNew = 0, StateOpening = 1, StateOpen = 2, StateClosed = 3;

        private readonly SockJsClientOptions _options;
        private readonly object _gate = new object();
        private SockJsTransportBase? _transport;
        private Opening? _opening;
        private HttpClient? _ownedHttp;
        private Timer? _watchdog;
        private int _state;
        private long _lastFrameTicks;

        public SockJsClient(SockJsClientOptions options) => _options = options ?? throw new ArgumentNullException(nameof(options));

        public SockJsClientOptions Options => _options;

        /// <summary>The transport in use once open: <c>websocket</c>, <c>xhr-streaming</c> or <c>xhr-polling</c>.</summary>
        public string? TransportName { get; private set; }

        /// <summary>The random session id of the open session (not a secret: it only names the session).</summary>
        public string? SessionId { get; private set; }

        public bool IsOpen => Volatile.Read(ref _state) == StateOpen;

        /// <summary>When the last frame (any kind) was read, UTC.</summary>
        public DateTime LastFrameAt => new DateTime(Interlocked.Read(ref _lastFrameTicks), DateTimeKind.Utc);

        /// <summary>The code the session ended with, once it has.</summary>
        public int? CloseCode { get; private set; }

        public string? CloseReason { get; private set; }

        /// <summary>The <c>o</c> frame arrived (before <see cref="OpenAsync"/> completes). On the receive loop.</summary>
        public Action? Opened { get; set; }

        /// <summary>One application message's JSON text (UTF-8), in order, on the receive loop.</summary>
        public Action<byte[]>? MessageReceived { get; set; }

        /// <summary>Raised once for a session that opened, however it ended: (code, reason).</summary>
        public event Action<int, string>? Closed;

        /// <summary>Opens the session: each candidate transport gets <see cref="SockJsClientOptions.TransportTimeout"/>
        /// to deliver <c>o</c>. Fails with <see cref="SocketIoConnectFailedException"/> naming what each one did.</summary>
        public async Task OpenAsync(CancellationToken cancellationToken)
        {
            if (Interlocked.CompareExchange(ref _state, StateOpening, StateNew) != StateNew)
                throw new InvalidOperationException("A SockJsClient opens one session; create a new one to reconnect.");

            var failures = new List<string>();
            try
            {
                foreach (var kind in Candidates(_options.Transport))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (await TryTransportAsync(kind, failures, cancellationToken).ConfigureAwait(false)) return;
                }
            }
            catch
            {
                Interlocked.Exchange(ref _state, StateClosed);
                Interlocked.Exchange(ref _ownedHttp, null)?.Dispose();
                throw;
            }
            Interlocked.Exchange(ref _state, StateClosed);
            Interlocked.Exchange(ref _ownedHttp, null)?.Dispose();
            throw new SocketIoConnectFailedException(
                $"Could not open a SockJS session at {SockJsUrls.Describe(_options.ServerUri)}: {string.Join("; ", failures)}");
        }

        /// <summary>Sends one application message (JSON text such as <c>{"throttle":2}</c>) as <c>["..."]</c>.</summary>
        public Task SendAsync(string message, CancellationToken cancellationToken) =>
            SendAsync(new[] { message ?? throw new ArgumentNullException(nameof(message)) }, cancellationToken);

        /// <summary>Sends several application messages in one client frame.</summary>
        public Task SendAsync(IReadOnlyList<string> messages, CancellationToken cancellationToken)
        {
            var frame = SockJsFrameCodec.EncodeMessages(messages);
            SockJsTransportBase? transport;
            lock (_gate) transport = _state == StateOpen ? _transport : null;
            if (transport == null) throw new SocketIoNotConnectedException("The SockJS session is not open.");
            return transport.SendAsync(frame, cancellationToken);
        }

        /// <summary>Client-initiated close: <see cref="Closed"/> reports 1000 "Normal closure".</summary>
        public async Task CloseAsync()
        {
            var transport = MarkClosed(SockJsCloseCodes.Normal, SockJsCloseCodes.NormalReason, out bool wasOpen);
            if (transport != null) await transport.CloseAsync().ConfigureAwait(false);
            Finish(wasOpen);
        }

        public void Dispose()
        {
            var transport = MarkClosed(SockJsCloseCodes.Normal, SockJsCloseCodes.NormalReason, out bool wasOpen);
            transport?.Dispose();
            Finish(wasOpen);
        }

        /// <returns>true once the transport delivered <c>o</c>; false (with a note in failures) when it failed.</returns>
        private async Task<bool> TryTransportAsync(SockJsTransport kind, List<string> failures, CancellationToken cancellationToken)
        {
            var transport = Create(kind);
            var opening = new Opening(SockJsUrls.NewSessionId());
            lock (_gate)
            {
                if (_state == StateClosed) throw new ObjectDisposedException(nameof(SockJsClient));
                _transport = transport;
                _opening = opening;
            }
            transport.FrameReceived = frame => OnFrame(transport, frame);
            transport.Ended = (reason, error) => OnEnded(transport, reason, error);

            using var timeout = new CancellationTokenSource(_options.TransportTimeout);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                await transport.OpenAsync(SockJsUrls.NewServerId(), opening.SessionId, linked.Token).ConfigureAwait(false);
                using (linked.Token.Register(() => opening.Completion.TrySetCanceled()))
                {
                    await opening.Completion.Task.ConfigureAwait(false); // completed by the o frame, in OnFrame
                }
                return true;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && Volatile.Read(ref _state) != StateClosed)
            {
                // The o frame was not accepted (the completion can change only once), so this transport never opened.
                lock (_gate)
                {
                    _transport = null;
                    _opening = null;
                }
                transport.Dispose();
                failures.Add(transport.Name + ": " + Describe(e, timeout.IsCancellationRequested));
                return false;
            }
            catch
            {
                transport.Dispose();
                throw;
            }
        }

        private void OnFrame(SockJsTransportBase transport, SockJsFrame frame)
        {
            Opening? opening;
            lock (_gate)
            {
                if (transport != _transport || _state == StateClosed) return;
                opening = _opening;
                if (opening != null && frame.Type == SockJsFrameType.Open)
                {
                    // Publish the open state before completing: OpenAsync's continuation may run at once on another thread.
                    int previousState = _state;
                    TransportName = transport.Name;
                    SessionId = opening.SessionId;
                    _state = StateOpen;
                    _opening = null;
                    if (!opening.Completion.TrySetResult(true))
                    {
                        TransportName = null; // OpenAsync gave up on this transport already
                        SessionId = null;
                        Interlocked.CompareExchange(ref _state, previousState, StateOpen); // unless a close won meanwhile
                        _opening = opening;
                        return;
                    }
                }
            }
            Interlocked.Exchange(ref _lastFrameTicks, DateTime.UtcNow.Ticks);
            ArmWatchdog();

            switch (frame.Type)
            {
                case SockJsFrameType.Open:
                    if (opening != null) Opened?.Invoke();
                    else Terminate(SockJsCloseCodes.Abnormal, "Server lost session"); // a new session: ours is gone (sockjs-client does the same)
                    return;
                case SockJsFrameType.Heartbeat:
                    return;
                case SockJsFrameType.Close:
                    if (opening != null)
                        opening.Completion.TrySetException(new SocketIoConnectFailedException($"the server closed the session ({frame.CloseCode} {frame.CloseReason})"));
                    else
                        Terminate(frame.CloseCode, frame.CloseReason ?? string.Empty);
                    return;
                default:
                    if (opening != null) throw new SocketIoProtocolException("The server sent messages before the SockJS open frame.");
                    foreach (var message in frame.Messages)
                    {
                        if (Volatile.Read(ref _state) == StateClosed) return;
                        MessageReceived?.Invoke(message);
                    }
                    return;
            }
        }

        private void OnEnded(SockJsTransportBase transport, string reason, Exception? error)
        {
            Opening? opening;
            lock (_gate)
            {
                if (transport != _transport) return;
                opening = _opening;
            }
            if (opening != null) opening.Completion.TrySetException(new SocketIoConnectFailedException(reason, error));
            else Terminate(SockJsCloseCodes.Abnormal, reason);
        }

        /// <summary>The session ended on its own (server close, broken connection, watchdog).</summary>
        private void Terminate(int code, string reason)
        {
            var transport = MarkClosed(code, reason, out bool wasOpen);
            transport?.Dispose();
            Finish(wasOpen);
        }

        private SockJsTransportBase? MarkClosed(int code, string reason, out bool wasOpen)
        {
            SockJsTransportBase? transport;
            Opening? opening;
            lock (_gate)
            {
                wasOpen = _state == StateOpen;
                if (_state == StateClosed) return null;
                _state = StateClosed;
                transport = _transport;
                opening = _opening;
                _opening = null;
                if (wasOpen)
                {
                    CloseCode = code;
                    CloseReason = reason;
                }
                _watchdog?.Dispose();
                _watchdog = null;
            }
            opening?.Completion.TrySetException(new ObjectDisposedException(nameof(SockJsClient)));
            return transport;
        }

        private void Finish(bool wasOpen)
        {
            Interlocked.Exchange(ref _ownedHttp, null)?.Dispose();
            if (wasOpen) Closed?.Invoke(CloseCode ?? SockJsCloseCodes.Normal, CloseReason ?? string.Empty);
        }

        private void ArmWatchdog()
        {
            var due = _options.HeartbeatTimeout;
            if (due <= TimeSpan.Zero || due == Timeout.InfiniteTimeSpan) return;
            lock (_gate)
            {
                if (_state != StateOpen) return;
                if (_watchdog == null) _watchdog = new Timer(_ => OnWatchdog(), null, due, Timeout.InfiniteTimeSpan);
                else _watchdog.Change(due, Timeout.InfiniteTimeSpan);
            }
        }

        private void OnWatchdog() =>
            Terminate(SockJsCloseCodes.Abnormal, $"No frame from the server for {_options.HeartbeatTimeout.TotalSeconds:0.###} s");

        private SockJsTransportBase Create(SockJsTransport kind)
        {
            switch (kind)
            {
                case SockJsTransport.WebSocket: return new SockJsWebSocketTransport(_options);
                case SockJsTransport.XhrStreaming: return new SockJsXhrStreamingTransport(_options, Http());
                case SockJsTransport.XhrPolling: return new SockJsXhrPollingTransport(_options, Http());
                default: throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a single transport.");
            }
        }

        private HttpClient Http()
        {
            if (_options.HttpClient != null) return _options.HttpClient;
            lock (_gate)
            {
                if (_ownedHttp == null)
                {
                    var handler = new HttpClientHandler { CookieContainer = _options.Cookies, UseCookies = true };
                    _ownedHttp = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
                }
                return _ownedHttp;
            }
        }

        private static IEnumerable<SockJsTransport> Candidates(SockJsTransport transport)
        {
            if (transport != SockJsTransport.Auto)
            {
                yield return transport;
                yield break;
            }
            yield return SockJsTransport.WebSocket;
            yield return SockJsTransport.XhrStreaming;
            yield return SockJsTransport.XhrPolling;
        }

        private string Describe(Exception e, bool timedOut)
        {
            if (timedOut) return $"no open frame within {_options.TransportTimeout.TotalSeconds:0.###} s";
            var message = e.InnerException?.Message is string inner && inner != e.Message ? $"{e.Message} ({inner})" : e.Message;
            return message;
        }

        /// <summary>One transport attempt: its session id, completed by the o frame.</summary>
        private sealed class Opening
        {
            public Opening(string sessionId) => SessionId = sessionId;

            public string SessionId { get; }

            public TaskCompletionSource<bool> Completion { get; } =
                new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }
}
