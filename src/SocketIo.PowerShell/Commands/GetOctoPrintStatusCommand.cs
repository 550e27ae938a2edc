using System.Linq;
using System.Management.Automation;
using SocketIo.PowerShell.Connections;

namespace SocketIo.PowerShell.Commands
{
    /// <summary>The latest printer status of OctoPrint connections (all of this session's by default).</summary>
    [Cmdlet(VerbsCommon.Get, "OctoPrintStatus")]
    [OutputType(typeof(OctoPrintStatus))]
    public sealed class GetOctoPrintStatusCommand : PSCmdlet
    {
        [Parameter(Position = 0, ValueFromPipeline = true)]
        [ValidateNotNullOrEmpty]
        public OctoPrintConnection[]? Connection { get; set; }

        protected override void ProcessRecord()
        {
            var connections = Connection ?? ConnectionRegistry.Current.All().OfType<OctoPrintConnection>().ToArray();
            foreach (var connection in connections)
            {
                var status = connection.Status;
                if (status != null) WriteObject(status);
                else WriteError(Errors.ErrorRecords.Create("OctoPrintNoStatus", ErrorCategory.ResourceUnavailable,
                    $"Connection {connection.Id} ({connection.Name}) has not received a printer status yet (state: {connection.State}).", connection));
            }
        }
    }
}
