using System;
using System.Threading;
using SocketIo.Core.SocketIo;
using SocketIo.PowerShell.Json;

namespace SocketIo
{
    /// <summary>One message from a server: a Socket.IO event, or an OctoPrint push message.</summary>
    public class SocketIoMessage
    {
        private readonly IncomingEvent? _event;
        private readonly object?[] _arguments;
        private bool _deferred;

        /// <param name="deferred">The arguments may hold values decoded by DeferredPSObjectFactory: they are made
        /// PSObjects on first access of <see cref="Arguments"/> or <see cref="Data"/>, on the reader's thread.</param>
        internal SocketIoMessage(Connection connection, string eventName, string nsp, object?[] arguments, DateTime receivedAt, IncomingEvent? incoming,
            bool deferred = false)
        {
            Connection = connection;
            EventName = eventName;
            Namespace = nsp;
            _arguments = arguments;
            _deferred = deferred;
            ReceivedAt = receivedAt;
            _event = incoming;
        }

        public string EventName { get; }
        public string Namespace { get; }
        /// <summary>All arguments of the event, in order.</summary>
        public object?[] Arguments
        {
            get
            {
                if (Volatile.Read(ref _deferred))
                {
                    DeferredValues.Materialize(_arguments); // idempotent, so two first readers at once are fine
                    Volatile.Write(ref _deferred, false);
                }
                return _arguments;
            }
        }
        /// <summary>The first argument, or null.</summary>
        public object? Data => Arguments.Length > 0 ? Arguments[0] : null;
        /// <summary>When the frame was read (UTC).</summary>
        public DateTime ReceivedAt { get; }
        public Connection Connection { get; }
        /// <summary>True when the server asked for an acknowledgement; answer it with <see cref="Acknowledge"/>.</summary>
        public bool AckRequested => _event?.AckRequested ?? false;

        /// <summary>Event (from the server), Lifecycle (connect, disconnect, reconnect...), or Outgoing (an event this
        /// client wrote). Only server events go to the mailbox; the other two kinds reach Register-SocketIoEvent
        /// -Lifecycle / -Outgoing subscriptions.</summary>
        public SocketIoMessageKind Kind { get; internal set; } = SocketIoMessageKind.Event;

        /// <summary>The connection-state-recovery offset the server appended to this event, removed from
        /// <see cref="Arguments"/> (socket.io-client leaves it as a last argument); null when there was none.</summary>
        public string? Offset { get; internal set; }

        /// <summary>Global arrival order across connections (merging several mailboxes).</summary>
        internal long Sequence { get; set; }

        /// <summary>A second name filters can match, e.g. OctoPrint's "event:PrintDone".</summary>
        internal string? FilterAlias { get; set; }

        /// <summary>Answers the server's acknowledgement request, once. Each argument is one ack argument.</summary>
        public void Acknowledge(params object?[] arguments)
        {
            if (_event == null) throw new InvalidOperationException($"Message '{EventName}' cannot be acknowledged: the server did not ask for it.");
            _event.AcknowledgeAsync(arguments ?? new object?[] { null }).GetAwaiter().GetResult();
        }

        public override string ToString() => EventName;
    }

    /// <summary>Where a <see cref="SocketIoMessage"/> comes from.</summary>
    public enum SocketIoMessageKind
    {
        /// <summary>An event the server sent.</summary>
        Event,
        /// <summary>A connection lifecycle event: connect, disconnect, connect_error, reconnect_attempt,
        /// reconnect_error, reconnect, reconnect_failed (socket.io-client's names).</summary>
        Lifecycle,
        /// <summary>An event this client wrote to the server (socket.io-client's onAnyOutgoing).</summary>
        Outgoing,
    }
}
