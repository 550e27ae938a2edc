using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.WebSockets;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.Dispatch;
using SocketIo.Core.EngineIo;

namespace SocketIo.Core.SocketIo
{
    /// <summary>
    /// One Engine.IO session shared by the namespaces opened on it: decodes Socket.IO packets on the receive loop,
    /// routes them to their namespace, and runs user-facing events on one dispatcher, in arrival order.
    /// </summary>
    public sealed class SocketIoManager : IDisposable
    {
        private readonly Dictionary<string, NamespaceSocket> _sockets = new Dictionary<string, NamespaceSocket>(StringComparer.Ordinal);
        private readonly SioPacketDecoder _decoder;
        private readonly SemaphoreSlim _openLock = new SemaphoreSlim(1, 1);
        private EngineSocket? _engine;

        public SocketIoManager(SocketIoClientOptions options)
        {
            Options = options;
            _decoder = new SioPacketDecoder(options.ValueFactory, options.MaxAttachments);
            Dispatcher = new SerialDispatcher(e => HandlerError?.Invoke(e));
        }

        public SocketIoClientOptions Options { get; }

        public SerialDispatcher Dispatcher { get; }

        public EngineSocket? Engine => _engine;

        /// <summary>A user handler threw; it is reported here and dispatching goes on.</summary>
        public event Action<Exception>? HandlerError;

        public NamespaceSocket Socket(string nsp)
        {
            if (string.IsNullOrEmpty(nsp) || nsp[0] != '/' || nsp.IndexOf(',') >= 0)
                throw new ArgumentException($"'{nsp}' is not a namespace: it must start with '/' and contain no ','.", nameof(nsp));
            lock (_sockets)
            {
                if (!_sockets.TryGetValue(nsp, out var socket))
                {
                    socket = new NamespaceSocket(this, nsp);
                    _sockets.Add(nsp, socket);
                }
                return socket;
            }
        }

        /// <summary>Opens the Engine.IO session unless it is open already.</summary>
        internal async Task<EngineSocket> EnsureOpenAsync(CancellationToken cancellationToken)
        {
            await _openLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (_engine != null && _engine.IsOpen) return _engine;
                var engine = new EngineSocket(Options.Engine) { MessageReceived = OnMessage };
                engine.Closed += (reason, error) => OnEngineClosed(engine, reason, error);
                _decoder.Reset();
                try
                {
                    await engine.OpenAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (WebSocketException e)
                {
                    throw new SocketIoConnectFailedException(DescribeConnectFailure(e), e);
                }
                _engine = engine;
                return engine;
            }
            finally
            {
                _openLock.Release();
            }
        }

        public void Dispose()
        {
            _engine?.Dispose();
        }

        internal Task SendFramesAsync(IReadOnlyList<OutgoingFrame> frames, CancellationToken cancellationToken)
        {
            var engine = _engine;
            if (engine == null || !engine.IsOpen) throw new SocketIoNotConnectedException("The connection is closed.");
            return engine.SendAsync(frames, cancellationToken);
        }

        /// <summary>A namespace left; the last one to leave closes the Engine.IO session, as socket.io-client does.</summary>
        internal async Task OnSocketLeftAsync()
        {
            bool anyActive;
            lock (_sockets) anyActive = _sockets.Values.Any(s => s.State != ConnectionState.Disconnected);
            var engine = _engine;
            if (!anyActive && engine != null) await engine.CloseAsync().ConfigureAwait(false);
        }

        private void OnMessage(EnginePacket packet)
        {
            var packetReceived = DateTime.UtcNow;
            var decoded = packet.IsBinary ? _decoder.DecodeBinary(packet.Data) : _decoder.DecodeText(packet.Data.Span);
            if (decoded == null) return;
            NamespaceSocket? socket;
            lock (_sockets) _sockets.TryGetValue(decoded.Namespace, out socket);
            socket?.OnPacket(decoded, packetReceived); // packets for a namespace we did not open are ignored
        }

        private void OnEngineClosed(EngineSocket engine, string reason, Exception? error)
        {
            List<NamespaceSocket> sockets;
            lock (_sockets) sockets = _sockets.Values.ToList();
            foreach (var socket in sockets) socket.OnEngineClosed(reason, error);
        }

        private string DescribeConnectFailure(WebSocketException e)
        {
            // Name the endpoint without its query: user query values may carry tokens.
            var uri = Options.Engine.BuildWebSocketUri(null);
            var endpoint = uri.GetLeftPart(UriPartial.Path);
            var cause = e.InnerException?.Message is string inner && inner != e.Message ? $"{e.Message} ({inner})" : e.Message;
            return $"Could not open a WebSocket to {endpoint}: {cause}";
        }
    }
}
