using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.Dispatch;
using SocketIo.Core.OctoPrint.Rest;
using SocketIo.Core.SockJs;

namespace SocketIo.Core.OctoPrint
{
    /// <summary>
    /// OctoPrint's push API, the way OctoPrint's JS client uses it. <see cref="ConnectAsync"/>: log in (REST), open
    /// SockJS, wait for <c>connected</c>, send <c>auth</c>, wait for the first <c>history</c> → Connected.
    /// <c>reauthRequired</c> → log in again and re-send <c>auth</c>. A session closed with a code other than 1000
    /// reconnects on <see cref="OctoPrintClientOptions.ReconnectSchedule"/> (logging in again before each attempt),
    /// then gives up (Disconnected). Events run on <see cref="Dispatcher"/>, never on the receive loop.
    /// </summary>
    public sealed class OctoPrintClient : IDisposable
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

        // ---- one session: login → SockJS → connected → auth → history ----

        private async Task<PushSession> OpenSessionAsync(CancellationToken cancellationToken)
        {
            var login = await OctoPrintLogin.LoginAsync(_http, _options, cancellationToken).ConfigureAwait(false);
            var sockJs = new SockJsClient(SockJsOptions());
            var session = new PushSession(sockJs, login);
            sockJs.MessageReceived = json => OnSockJsMessage(session, json);
            sockJs.Closed += (code, reason) => OnSessionClosed(session, code, reason);
            lock (_gate)
            {
                cancellationToken.ThrowIfCancellationRequested();
                _current = session;
            }
            try
            {
                await sockJs.OpenAsync(cancellationToken).ConfigureAwait(false);
                await WaitAsync(session.ConnectedMessage.Task, cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref session.AuthSent, 1);
                await SendOnAsync(session, OctoPrintCommands.Auth(login.Name, login.Session), cancellationToken).ConfigureAwait(false);
                await WaitAsync(session.History.Task, cancellationToken).ConfigureAwait(false);
                UserName = login.Name;
                TransportName = sockJs.TransportName;
                // Subscribing after the first history: a subscription without state would never send one.
                if (_options.Subscribe != null)
                    await SendOnAsync(session, OctoPrintCommands.Subscribe(_options.Subscribe, _options.ValueAdapter), cancellationToken).ConfigureAwait(false);
                // The server's factor starts at 1 on every socket; carry over what this consumer needs.
                await SyncThrottleAsync(session, cancellationToken).ConfigureAwait(false);
                return session;
            }
            catch
            {
                lock (_gate)
                {
                    if (_current == session) _current = null;
                }
                sockJs.Dispose();
                throw;
            }
        }

        private SockJsClientOptions SockJsOptions()
        {
            var options = new SockJsClientOptions
            {
                ServerUri = new Uri(_options.NormalizedBaseUri(), "sockjs"),
                Transport = _options.Transport,
                Cookies = _options.Cookies,
                HttpClient = _http,
                TransportTimeout = _options.TransportTimeout,
                HeartbeatTimeout = _options.HeartbeatTimeout,
            };
            foreach (var header in _options.Headers) options.Headers.Add(header);
            if (_options.ApiKey != null) options.Headers.Add(new KeyValuePair<string, string>(OctoPrintLogin.ApiKeyHeader, _options.ApiKey));
            return options;
        }

        /// <summary>On the receive loop: parse, note what the connect flow waits for, hand the rest to the dispatcher.</summary>
        private void OnSockJsMessage(PushSession session, byte[] json)
        {
            if (!IsCurrent(session)) return;
            var receivedAt = DateTime.UtcNow;
            IReadOnlyList<OctoPrintMessage> messages;
            try
            {
                messages = OctoPrintMessageParser.Parse(json, _options.ValueFactory, receivedAt);
            }
            catch (SocketIoProtocolException)
            {
                return; // OctoPrint's clients ignore what they cannot parse; so does this one
            }
            foreach (var message in messages)
            {
                Interlocked.Increment(ref _messagesReceived);
                // Queued before the connect flow can react, so users see history before the Connected state.
                Dispatcher.Post(() => MessageReceived?.Invoke(message));
                switch (message.Type)
                {
                    case "connected":
                        ServerVersion = message.Version ?? ServerVersion;
                        session.ConnectedMessage.TrySetResult(true);
                        break;
                    case "history":
                        session.History.TrySetResult(true);
                        break;
                    case "reauthRequired":
                        OnReauthRequired(session, message.Reason ?? "unknown");
                        break;
                }
            }
        }

        private void OnReauthRequired(PushSession session, string reason)
        {
            if (Volatile.Read(ref session.AuthSent) == 0) return; // auth has not been sent yet: nothing to redo
            if (!session.History.Task.IsCompleted)
            {
                session.History.TrySetException(new OctoPrintLoginFailedException(
                    $"OctoPrint refused the push socket's authentication (reauthRequired: {reason})."));
                return;
            }
            _ = ReauthAsync(session);
        }

        /// <summary>Logs in again and re-sends auth. If that fails, the session is dropped and the reconnect
        /// schedule takes over (each attempt logs in again).</summary>
        private async Task ReauthAsync(PushSession session)
        {
            if (Interlocked.Exchange(ref session.Reauthing, 1) != 0) return;
            CancellationToken lifetime;
            lock (_gate) lifetime = _lifetime?.Token ?? new CancellationToken(true);
            try
            {
                using var timeout = new CancellationTokenSource(_options.ConnectTimeout);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(lifetime, timeout.Token);
                var login = await OctoPrintLogin.LoginAsync(_http, _options, linked.Token).ConfigureAwait(false);
                if (!IsCurrent(session)) return;
                await SendOnAsync(session, OctoPrintCommands.Auth(login.Name, login.Session), linked.Token).ConfigureAwait(false);
                UserName = login.Name;
            }
            catch (Exception e) when (!lifetime.IsCancellationRequested)
            {
                string cause = e is OperationCanceledException ? "timed out" : e.Message;
                OnSessionClosed(session, SockJsCloseCodes.Abnormal, "logging in again after reauthRequired failed: " + cause);
                session.SockJs.Dispose();
            }
            catch (Exception)
            {
                // Disconnected meanwhile.
            }
            finally
            {
                Volatile.Write(ref session.Reauthing, 0);
            }
        }

        /// <summary>A session ended (SockJS close, or dropped here). Only the current session counts.</summary>
        private void OnSessionClosed(PushSession session, int code, string reason)
        {
            bool reconnect = false;
            lock (_gate)
            {
                if (_current != session) return;
                _current = null;
                LastCloseCode = code;
                LastCloseReason = reason;
                var failure = new SocketIoConnectFailedException($"The SockJS session closed ({code} {reason}).");
                session.ConnectedMessage.TrySetException(failure);
                session.History.TrySetException(failure);
                if (_state != ConnectionState.Connected) return; // a connect attempt is running and sees the failure

                if (code == SockJsCloseCodes.Normal)
                    SetDisconnectedLocked($"closed by the server ({code} {reason})");
                else if (_options.ReconnectSchedule.Count == 0)
                    SetDisconnectedLocked($"connection lost ({code} {reason}); reconnection is off");
                else
                {
                    SetStateLocked(ConnectionState.Reconnecting);
                    reconnect = true;
                }
            }
            if (reconnect) _ = Task.Run(() => ReconnectLoopAsync(code, reason));
        }

        private async Task ReconnectLoopAsync(int closeCode, string closeReason)
        {
            CancellationToken lifetime;
            lock (_gate) lifetime = _lifetime?.Token ?? new CancellationToken(true);
            var schedule = _options.ReconnectSchedule.ToArray();
            string lastError = $"connection lost ({closeCode} {closeReason})";
            for (int trial = 0; trial < schedule.Length; trial++)
            {
                int attempt = trial + 1;
                var delay = schedule[trial];
                Dispatcher.Post(() => Reconnecting?.Invoke(attempt, delay));
                try
                {
                    await _options.Delay(delay, lifetime).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                if (lifetime.IsCancellationRequested) return;

                using var timeout = new CancellationTokenSource(_options.ConnectTimeout);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(lifetime, timeout.Token);
                try
                {
                    var session = await OpenSessionAsync(linked.Token).ConfigureAwait(false);
                    lock (_gate)
                    {
                        if (_state == ConnectionState.Reconnecting && _current == session)
                        {
                            ConnectedAt = DateTime.UtcNow;
                            _reconnects++;
                            SetStateLocked(ConnectionState.Connected);
                            return;
                        }
                    }
                    session.SockJs.Dispose(); // closed at once, or disconnected meanwhile
                    lastError = $"the session closed right after connecting ({LastCloseCode} {LastCloseReason})";
                }
                catch (Exception) when (lifetime.IsCancellationRequested)
                {
                    return;
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested)
                {
                    lastError = $"the attempt did not complete within {_options.ConnectTimeout.TotalSeconds:0.###} s";
                }
                catch (Exception e)
                {
                    lastError = e.Message;
                }
                if (lifetime.IsCancellationRequested) return;
            }
            lock (_gate)
            {
                if (_state == ConnectionState.Reconnecting)
                    SetDisconnectedLocked($"gave up reconnecting after {schedule.Length} attempts; last error: {lastError}");
            }
        }

        // ---- sending ----

        private PushSession ConnectedSession()
        {
            lock (_gate)
            {
                if (_state != ConnectionState.Connected || _current == null)
                    throw new SocketIoNotConnectedException($"The OctoPrint connection is not connected (state: {_state}).");
                return _current;
            }
        }

        private async Task SendOnAsync(PushSession session, string message, CancellationToken cancellationToken)
        {
            await session.SockJs.SendAsync(message, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _messagesSent);
        }

        /// <summary>Sends the factor in force now unless the server has it already; one send at a time, so
        /// quick changes can never arrive out of order.</summary>
        private async Task SyncThrottleAsync(PushSession session, CancellationToken cancellationToken)
        {
            if (!_options.Throttle) return;
            await session.ThrottleLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                int factor = ThrottleFactor;
                if (factor == session.ServerThrottle) return;
                await SendOnAsync(session, OctoPrintCommands.Throttle(factor), cancellationToken).ConfigureAwait(false);
                session.ServerThrottle = factor;
            }
            finally
            {
                session.ThrottleLock.Release();
            }
        }

        private async Task SyncThrottleQuietlyAsync(PushSession session)
        {
            try
            {
                await SyncThrottleAsync(session, CancellationToken.None).ConfigureAwait(false);
            }
            catch (SocketIoException)
            {
                // The session is gone; the next one gets the factor after its auth.
            }
        }

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

        private static async Task WaitAsync(Task task, CancellationToken cancellationToken)
        {
            if (!task.IsCompleted)
            {
                var cancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                using (cancellationToken.Register(() => cancelled.TrySetCanceled(cancellationToken)))
                {
                    if (await Task.WhenAny(task, cancelled.Task).ConfigureAwait(false) != task)
                        cancellationToken.ThrowIfCancellationRequested();
                }
            }
            await task.ConfigureAwait(false);
        }

        /// <summary>One SockJS session with its login and the connect flow's milestones.</summary>
        private sealed class PushSession
        {
            public PushSession(SockJsClient sockJs, OctoPrintLoginResult login)
            {
                SockJs = sockJs;
                Login = login;
            }

            public SockJsClient SockJs { get; }

            public OctoPrintLoginResult Login { get; }

            public TaskCompletionSource<bool> ConnectedMessage { get; } = NewSignal();

            public TaskCompletionSource<bool> History { get; } = NewSignal();

            public SemaphoreSlim ThrottleLock { get; } = new SemaphoreSlim(1, 1);

            /// <summary>The factor the server has for this socket (it starts at 1).</summary>
            public int ServerThrottle = 1;

            public int AuthSent;

            public int Reauthing;

            private static TaskCompletionSource<bool> NewSignal()
            {
                var signal = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                // A failure nobody waits for any more (the connect flow gave up first) is not an unobserved exception.
                signal.Task.ContinueWith(t => _ = t.Exception, CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                return signal;
            }
        }
    }
}
