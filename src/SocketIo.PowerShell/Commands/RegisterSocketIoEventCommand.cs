using System.Management.Automation;
using Microsoft.PowerShell.Commands;
using SocketIo.PowerShell.Eventing;

namespace SocketIo.PowerShell.Commands
{
    /// <summary>
    /// Subscribes PowerShell's event queue to a connection's messages, like Register-ObjectEvent: -Action runs on
    /// the pipeline thread; Wait-Event, Get-Event, Unregister-Event and Get-EventSubscriber work as usual.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Register, "SocketIoEvent")]
    [OutputType(typeof(PSEventJob))]
    public sealed class RegisterSocketIoEventCommand : ObjectEventRegistrationBase
    {
        /// <summary>Unprocessed events the module lets PowerShell's unbounded queue hold (api.md).</summary>
        internal const int EventQueueLimit = 100_000;

        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNull]
        public Connection Connection { get; set; } = null!;

        [Parameter(Mandatory = true, Position = 1)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        public string EventName { get; set; } = null!;

        protected override object GetSourceObject() =>
            Connection.CreateEventSource(new EventNameFilter(new[] { EventName }), Events, EventQueueLimit, SourceIdentifier, MessageData, MaxTriggerCount);

        protected override string GetSourceObjectEventName() => nameof(SocketIoEventSource.Received);
    }
}
