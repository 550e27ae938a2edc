using System;
using System.Linq;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo;

namespace SocketIo.Core.SocketIo
{
    public sealed partial class SocketIoManager
    {
        // ---- the Engine.IO session: opening it, routing its packets, its close ----

        /// <summary>Opens the Engine.IO session unless it is open already. A new session makes every namespace waiting
        /// to reconnect send CONNECT again (after <paramref name="onOpened"/>).</summary>
        internal async Task<EngineSession> OpenAsync(CancellationToken cancellationToken, Action<EngineSession>? onOpened)
        {
            await _openLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var current = Volatile.Read(ref _session);
                if (current != null && current.IsOpen) return current;
                lock (_gate)
                {
                    if (_disposed) throw new SocketIoNotConnectedException("The connection was closed.");
                }

                var engine = new EngineSocket(Options.Engine);
                var session = new EngineSession(engine, Options.Parser.CreateDecoder(Options.ValueFactory, Options.MaxAttachments),
                    Interlocked.Increment(ref _generation));
                engine.MessageReceived = packet => OnMessage(session, packet);
                engine.Closed += (reason, error) => OnEngineClosed(session, reason, error);
                Volatile.Write(ref _session, session);

                // Dispose cancels the open under way through _opening: linking to a manager-wide source instead would leave a
                // callback node in it for the manager's whole life (every connection would keep one).
                var opening = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                Interlocked.Exchange(ref _opening, opening);
                try
                {
                    if (Volatile.Read(ref _disposed)) opening.Cancel(); // disposed before Dispose could see it
                    try
                    {
                        await engine.OpenAsync(opening.Token).ConfigureAwait(false);
                    }
                    catch (Exception e)
                    {
                        engine.Dispose();
                        session.Fail();
                        if (e is OperationCanceledException)
                        {
                            if (Volatile.Read(ref _disposed) && !cancellationToken.IsCancellationRequested)
                                throw new SocketIoNotConnectedException("The connection was closed.");
                            throw;
                        }
                        if (e is SocketIoException) throw;
                        throw new SocketIoConnectFailedException(DescribeConnectFailure(e), e);
                    }
                }
                finally
                {
                    Interlocked.CompareExchange(ref _opening, null, opening);
                    opening.Dispose();
                }
                session.MarkOpened();
                if (!engine.IsOpen)
                {
                    session.Fail();
                    throw new SocketIoConnectFailedException("The connection closed right after the Engine.IO handshake.");
                }
                onOpened?.Invoke(session);
                foreach (var socket in SocketsSnapshot()) socket.Rejoin(session);
                return session;
            }
            finally
            {
                _openLock.Release();
            }
        }

        // ---- engine callbacks ----------------------------------------------------------------------------------------

        private void OnMessage(EngineSession session, EnginePacket packet)
        {
            if (!ReferenceEquals(Volatile.Read(ref _session), session)) return;
            var receivedAt = DateTime.UtcNow;
            var decoded = packet.IsBinary ? session.Decoder.DecodeBinary(packet.Data) : session.Decoder.DecodeText(packet.Data.Span);
            if (decoded == null) return;
            var socket = _lastRoute;
            if (socket == null || !string.Equals(socket.Namespace, decoded.Namespace, StringComparison.Ordinal))
            {
                lock (_gate)
                {
                    TryGetSocketLocked(decoded.Namespace, out socket);
                    _lastRoute = socket;
                }
            }
            socket?.OnPacket(decoded, receivedAt, session); // packets for a namespace we did not open are ignored
        }

        private void OnEngineClosed(EngineSession session, string reason, Exception? error)
        {
            session.Fail(); // what is still queued goes back to its namespace
            if (!session.WasOpened || !ReferenceEquals(Volatile.Read(ref _session), session)) return; // a failed open reports itself
            session.Decoder.Reset();
            bool willReconnect;
            lock (_gate) willReconnect = Options.Reconnection && !_disposed && reason != DisconnectReasons.IoClientDisconnect;
            var sockets = SocketsSnapshot();
            foreach (var socket in sockets) socket.OnEngineClosed(session, reason, error, willReconnect);
            if (willReconnect && sockets.Any(s => s.State == ConnectionState.Reconnecting)) RequestReconnect(reason, session.Generation);
        }

        private string DescribeConnectFailure(Exception e)
        {
            // Name the endpoint without its query: user query values may carry tokens.
            var server = Options.Engine.ServerUri;
            var path = Options.Engine.Path;
            if (string.IsNullOrEmpty(path) || path[0] != '/') path = "/" + path;
            var endpoint = $"{server.Scheme}://{server.Host}:{server.Port}{path}";
            var cause = e.InnerException?.Message is string inner && inner != e.Message ? $"{e.Message} ({inner})" : e.Message;
            return e is WebSocketException ? $"Could not open a WebSocket to {endpoint}: {cause}" : $"Could not connect to {endpoint}: {cause}";
        }
    }
}
