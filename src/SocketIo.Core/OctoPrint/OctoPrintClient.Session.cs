using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.SockJs;

namespace SocketIo.Core.OctoPrint
{
    public sealed partial class OctoPrintClient
    {
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

        /// <summary>Awaits <paramref name="task"/>, or throws when <paramref name="cancellationToken"/> is cancelled first.</summary>
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
    }
}
