using System.Management.Automation;
using Microsoft.PowerShell.Commands;
using SocketIo.PowerShell.Completers;
using SocketIo.PowerShell.Eventing;

namespace SocketIo.PowerShell.Commands
{
    /// <summary>
    /// Subscribes PowerShell's event queue to a connection's messages, like Register-ObjectEvent: -Action runs on
    /// the pipeline thread; Wait-Event, Get-Event, Unregister-Event and Get-EventSubscriber work as usual.
    /// By default it sees the server's events (-EventName * = all of them); -Lifecycle subscribes to the connection's
    /// lifecycle instead (connect, disconnect, connect_error, reconnect_attempt, reconnect_error, reconnect,
    /// reconnect_failed) and -Outgoing to the events this client writes (socket.io-client's onAnyOutgoing).
    /// </summary>
    [Cmdlet(VerbsLifecycle.Register, "SocketIoEvent", DefaultParameterSetName = IncomingSet)]
    [OutputType(typeof(PSEventJob))]
    public sealed class RegisterSocketIoEventCommand : ObjectEventRegistrationBase
    {
        /// <summary>Unprocessed events the module lets PowerShell's unbounded queue hold (api.md).</summary>
        internal const int EventQueueLimit = 100_000;

        private const string IncomingSet = "Incoming";
        private const string LifecycleSet = "Lifecycle";
        private const string OutgoingSet = "Outgoing";

        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNull]
        public Connection Connection { get; set; } = null!;

        /// <summary>The event names to subscribe to (wildcards; case-sensitive). With -Lifecycle or -Outgoing it is
        /// optional and defaults to all (*).</summary>
        [Parameter(Mandatory = true, Position = 1, ParameterSetName = IncomingSet)]
        [Parameter(Position = 1, ParameterSetName = LifecycleSet)]
        [Parameter(Position = 1, ParameterSetName = OutgoingSet)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(EventNameCompleter))]
        public string EventName { get; set; } = null!;

        /// <summary>Subscribe to the connection's lifecycle events (socket.io-client's names) instead of the server's
        /// events. Each message's Data says more: Reason and WillReconnect (disconnect), Attempt (reconnect_*),
        /// Message and Data (connect_error), SocketId and Recovered (connect).</summary>
        [Parameter(Mandatory = true, ParameterSetName = LifecycleSet)]
        public SwitchParameter Lifecycle { get; set; }

        /// <summary>Subscribe to the events this client writes (socket.io-client's onAnyOutgoing): raised when an event
        /// is actually written, including buffered ones when they are flushed after a reconnection.</summary>
        [Parameter(Mandatory = true, ParameterSetName = OutgoingSet)]
        public SwitchParameter Outgoing { get; set; }

        /// <summary>How many unprocessed events of this subscription PowerShell's (unbounded) event queue may hold; the
        /// ones beyond are not queued and are counted in the connection's EventsDropped. An event costs ~1.3 KB queued.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int MaximumQueuedEvents { get; set; } = EventQueueLimit;

        protected override object GetSourceObject()
        {
            var kind = ParameterSetName == LifecycleSet ? SocketIoMessageKind.Lifecycle
                : ParameterSetName == OutgoingSet ? SocketIoMessageKind.Outgoing
                : SocketIoMessageKind.Event;
            var filter = new EventNameFilter(new[] { EventName ?? "*" }, kind);
            return Connection.CreateEventSource(filter, Events, MaximumQueuedEvents, SourceIdentifier, MessageData, MaxTriggerCount);
        }

        protected override string GetSourceObjectEventName() => nameof(SocketIoEventSource.Received);
    }
}
