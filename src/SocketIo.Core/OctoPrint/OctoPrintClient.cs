using System;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.Dispatch;
using SocketIo.Core.OctoPrint.Rest;

namespace SocketIo.Core.OctoPrint
{
    /// <summary>
    /// OctoPrint's push API, the way OctoPrint's JS client uses it. <see cref="ConnectAsync"/>: log in (REST), open
    /// SockJS, wait for <c>connected</c>, send <c>auth</c>, wait for the first <c>history</c> → Connected.
    /// <c>reauthRequired</c> → log in again and re-send <c>auth</c>. A session closed with a code other than 1000
    /// reconnects on <see cref="OctoPrintClientOptions.ReconnectSchedule"/> (logging in again before each attempt),
    /// then gives up (Disconnected). Events run on <see cref="Dispatcher"/>, never on the receive loop.
    /// This file: the public surface and the state; one session's connect flow, messages and sends are in
    /// OctoPrintClient.Session.cs, losing a session and the reconnect schedule in OctoPrintClient.Reconnect.cs.
    /// </summary>
    public sealed partial class OctoPrintClient : IDisposable
    {
        private readonly OctoPrintClientOptions _options;
        private readonly HttpClient _http;
        private readonly RateThrottle _throttle;
        private readonly object _gate = new object();
        private ConnectionState _state = ConnectionState.Disconnected;
        private PushSession? _current;
        private CancellationTokenSource? _lifetime;
        private bool _disposed;
        private long _messagesReceived;
        private long _messagesSent;
        private int _reconnects;

        public OctoPrintClient(OctoPrintClientOptions options)
        {
            _options = options ?? throw new ArgumentNullException(nameof(options));
            options.Validate();
            _throttle = new RateThrottle(options.ThrottleWindow);
            var handler = new HttpClientHandler { CookieContainer = options.Cookies, UseCookies = true };
            _http = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
            Dispatcher = new SerialDispatcher(e => HandlerError?.Invoke(e));
            Rest = new OctoPrintRestClient(_http, options);
        }

        /// <summary>OctoPrint's REST API on this connection's HTTP client, cookies and credentials.</summary>
        public OctoPrintRestClient Rest { get; }

        public OctoPrintClientOptions Options => _options;

        /// <summary>Runs every event of this client, one at a time, in order.</summary>
        public SerialDispatcher Dispatcher { get; }

        public ConnectionState State { get { lock (_gate) return _state; } }

        /// <summary>The OctoPrint user the connection is logged in as.</summary>
        public string? UserName { get; private set; }

        /// <summary>The server's version from its <c>connected</c> message.</summary>
        public string? ServerVersion { get; private set; }

        /// <summary>The SockJS transport of the current session: websocket, xhr-streaming or xhr-polling.</summary>
        public string? TransportName { get; private set; }

        /// <summary>When the connection last became Connected (UTC).</summary>
        public DateTime? ConnectedAt { get; private set; }

        public long MessagesReceived => Interlocked.Read(ref _messagesReceived);

        /// <summary>Messages this client sent (auth, throttle, subscribe, <see cref="SendAsync"/>).</summary>
        public long MessagesSent => Interlocked.Read(ref _messagesSent);

        /// <summary>Successful automatic reconnects.</summary>
        public int Reconnects => Volatile.Read(ref _reconnects);

        /// <summary>The throttle factor in force (1 = OctoPrint's full rate of one <c>current</c> per 500 ms).</summary>
        public int ThrottleFactor { get { lock (_throttle) return _throttle.Factor; } }

        /// <summary>Why the connection is Disconnected, once it is.</summary>
        public string? DisconnectReason { get; private set; }

        /// <summary>The code and reason the last SockJS session ended with.</summary>
        public int? LastCloseCode { get; private set; }

        public string? LastCloseReason { get; private set; }

        /// <summary>Every push message, in arrival order, from the first <c>connected</c> on.</summary>
        public event Action<OctoPrintMessage>? MessageReceived;

        /// <summary>The new state (Connecting, Connected, Reconnecting, Disconnected).</summary>
        public event Action<ConnectionState>? StateChanged;

        /// <summary>The connection is Disconnected for good (after having connected), with the reason.</summary>
        public event Action<string>? Disconnected;

        /// <summary>(old factor, new factor) whenever the throttle changes.</summary>
        public event Action<int, int>? ThrottleChanged;

        /// <summary>(attempt from 1, delay before it) before each reconnect attempt.</summary>
        public event Action<int, TimeSpan>? Reconnecting;

        /// <summary>An event handler threw; it is reported here and dispatching goes on.</summary>
        public event Action<Exception>? HandlerError;

        /// <summary>Connects within <see cref="OctoPrintClientOptions.ConnectTimeout"/>. Fails with
        /// <see cref="OctoPrintLoginFailedException"/>, <see cref="OctoPrintRequestFailedException"/>,
        /// <see cref="SocketIoConnectFailedException"/> or <see cref="SocketIoConnectTimeoutException"/>; the first
        /// connect is never retried.</summary>
        public async Task ConnectAsync(CancellationToken cancellationToken)
        {
            CancellationTokenSource lifetime;
            lock (_gate)
            {
                if (_disposed) throw new ObjectDisposedException(nameof(OctoPrintClient));
                if (_state != ConnectionState.Disconnected) throw new InvalidOperationException($"The OctoPrint connection is already {_state}.");
                // The previous lifetime is cancelled, not disposed: a finishing reconnect loop may still look at it.
                lifetime = _lifetime = new CancellationTokenSource();
                DisconnectReason = null;
                SetStateLocked(ConnectionState.Connecting);
            }

            using var timeout = new CancellationTokenSource(_options.ConnectTimeout);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token, lifetime.Token);
            PushSession session;
            try
            {
                session = await OpenSessionAsync(linked.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                lock (_gate)
                {
                    if (_state == ConnectionState.Connecting)
                    {
                        DisconnectReason = "connect failed";
                        SetStateLocked(ConnectionState.Disconnected);
                    }
                }
                if (e is OperationCanceledException && timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested && !lifetime.IsCancellationRequested)
                    throw new SocketIoConnectTimeoutException(
                        $"Connecting to OctoPrint at {_options.NormalizedBaseUri()} did not complete within {_options.ConnectTimeout.TotalSeconds:0.###} s.");
                throw;
            }

            lock (_gate)
            {
                if (_state == ConnectionState.Connecting && _current == session)
                {
                    ConnectedAt = DateTime.UtcNow;
                    SetStateLocked(ConnectionState.Connected);
                    return;
                }
                if (_state == ConnectionState.Connecting)
                {
                    DisconnectReason = "connect failed";
                    SetStateLocked(ConnectionState.Disconnected);
                }
            }
            session.SockJs.Dispose();
            if (lifetime.IsCancellationRequested) throw new OperationCanceledException("The connection was closed while connecting.");
            throw new SocketIoConnectFailedException(
                $"The OctoPrint push connection closed right after connecting ({LastCloseCode} {LastCloseReason}).");
        }

        /// <summary>Closes the connection for good (no reconnect); Disconnected with reason "client disconnect".</summary>
        public async Task DisconnectAsync()
        {
            PushSession? session;
            lock (_gate)
            {
                if (_state == ConnectionState.Disconnected) return;
                session = _current;
                _current = null;
                _lifetime?.Cancel();
                SetDisconnectedLocked("client disconnect");
            }
            if (session != null) await session.SockJs.CloseAsync().ConfigureAwait(false);
        }

        /// <summary>Sends <c>{"type": payload}</c> (e.g. <c>subscribe</c>). Needs a Connected connection.</summary>
        public async Task SendAsync(string type, object? payload, CancellationToken cancellationToken)
        {
            if (string.IsNullOrEmpty(type)) throw new ArgumentException("A message needs a type.", nameof(type));
            var message = OctoPrintCommands.Message(type, payload, _options.ValueAdapter);
            await SendOnAsync(ConnectedSession(), message, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// The consumer's time for one message (the JS client measures its handlers). Feeds the throttle; when the
        /// factor changes, raises <see cref="ThrottleChanged"/> and sends <c>{"throttle": n}</c> in the background.
        /// Returns the new factor, or null when unchanged (always null with throttling off).
        /// </summary>
        public int? ReportProcessingTime(TimeSpan processingTime)
        {
            if (!_options.Throttle) return null;
            int now;
            lock (_throttle)
            {
                int old = _throttle.Factor;
                var changed = _throttle.Report(processingTime);
                if (changed == null) return null;
                now = changed.Value;
                Dispatcher.Post(() => ThrottleChanged?.Invoke(old, now)); // under the lock: changes are raised in order
            }
            PushSession? session;
            lock (_gate) session = _state == ConnectionState.Connected ? _current : null;
            if (session != null) _ = SyncThrottleQuietlyAsync(session);
            return now;
        }

        public void Dispose()
        {
            PushSession? session;
            lock (_gate)
            {
                if (_disposed) return;
                _disposed = true;
                session = _current;
                _current = null;
                _lifetime?.Cancel();
                if (_state != ConnectionState.Disconnected) SetDisconnectedLocked("client disconnect");
            }
            session?.SockJs.Dispose();
            _http.Dispose();
        }

        public override string ToString() => $"OctoPrint {_options.NormalizedBaseUri()} ({State})";

        // ---- state ----

        private bool IsCurrent(PushSession session)
        {
            lock (_gate) return _current == session;
        }

        private void SetStateLocked(ConnectionState state)
        {
            if (_state == state) return;
            _state = state;
            Dispatcher.Post(() => StateChanged?.Invoke(state));
        }

        private void SetDisconnectedLocked(string reason)
        {
            DisconnectReason = reason;
            SetStateLocked(ConnectionState.Disconnected);
            Dispatcher.Post(() => Disconnected?.Invoke(reason));
        }
    }
}
