using System;
using System.Management.Automation;
using SocketIo.PowerShell.Connections;

namespace SocketIo.PowerShell.Commands
{
    [Cmdlet(VerbsCommunications.Disconnect, "SocketIo", SupportsShouldProcess = true)]
    [OutputType(typeof(void))]
    public sealed class DisconnectSocketIoCommand : SocketIoCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [ValidateNotNull]
        public Connection[] Connection { get; set; } = null!;

        protected override void ProcessRecord()
        {
            foreach (var connection in Connection)
            {
                if (!ShouldProcess($"{connection.Name} (Id {connection.Id}, {connection.Uri})", "Disconnect")) continue;
                var state = connection.State;
                WriteVerbose($"Disconnecting connection {connection.Id} ({connection.Name}, {state}).");
                Await(connection.DisconnectAsync());
                ConnectionRegistry.Current.Remove(connection);
                WriteVerbose($"Connection {connection.Id} is {connection.State}: {connection.DisconnectReason ?? "closed"}.");
            }
        }
    }
}
