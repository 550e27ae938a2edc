using System;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core;
using SocketIo.Core.SocketIo;

namespace SocketIo
{
    /// <summary>A Socket.IO namespace connection, as Connect-SocketIo returns it.</summary>
    public sealed class SocketIoConnection : Connection
    {
        private readonly NamespaceSocket _socket;

        internal SocketIoConnection(string name, Uri uri, NamespaceSocket socket, int receiveBufferSize)
            : base(name, uri, receiveBufferSize)
        {
            _socket = socket;
            socket.EventReceived += OnEvent;
            socket.Disconnected += (reason, details) => Mailbox.Complete();
        }

        public string Namespace => _socket.Namespace;
        /// <summary>The Socket.IO socket id the server gave this namespace connection.</summary>
        public string? SocketId => _socket.Id;
        /// <summary>True when the server restored the previous session (connection-state recovery).</summary>
        public bool Recovered => false;
        public override ConnectionState State => _socket.State;
        public override string Transport => _socket.Manager.Engine?.TransportName ?? "websocket";
        public override DateTime? ConnectedAt => _socket.ConnectedAt;
        public override long EventsReceived => _socket.EventsReceived;
        public override long EventsSent => _socket.EventsSent;
        public override string? DisconnectReason => _socket.DisconnectReason;

        internal NamespaceSocket Socket => _socket;

        /// <summary>The first connect. On failure the mailbox is closed, since nothing will arrive.</summary>
        internal async Task ConnectAsync(CancellationToken cancellationToken)
        {
            try
            {
                await _socket.ConnectAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                Mailbox.Complete();
                throw;
            }
        }

        internal override async Task DisconnectAsync()
        {
            await _socket.DisconnectAsync().ConfigureAwait(false);
            Mailbox.Complete();
        }

        private void OnEvent(IncomingEvent incoming) =>
            Deliver(new SocketIoMessage(this, incoming.EventName, incoming.Namespace, incoming.Arguments, incoming.ReceivedAt, incoming));
    }
}
