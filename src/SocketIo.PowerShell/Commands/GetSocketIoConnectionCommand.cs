using System.Linq;
using System.Management.Automation;
using SocketIo.PowerShell.Completers;
using SocketIo.PowerShell.Connections;

namespace SocketIo.PowerShell.Commands
{
    [Cmdlet(VerbsCommon.Get, "SocketIoConnection", DefaultParameterSetName = "Name")]
    [OutputType(typeof(Connection))]
    public sealed class GetSocketIoConnectionCommand : PSCmdlet
    {
        [Parameter(Position = 0, ParameterSetName = "Name")]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(ConnectionNameCompleter))]
        public string[]? Name { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = "Id")]
        [ArgumentCompleter(typeof(ConnectionIdCompleter))]
        public int[] Id { get; set; } = null!;

        protected override void ProcessRecord()
        {
            var connections = ConnectionRegistry.Current.All();
            if (ParameterSetName == "Id")
            {
                foreach (var id in Id)
                {
                    var match = connections.FirstOrDefault(c => c.Id == id);
                    if (match != null) WriteObject(match);
                    else WriteError(Errors.ErrorRecords.Create("SocketIoConnectionNotFound", ErrorCategory.ObjectNotFound,
                        $"There is no connection with Id {id} in this session.", id));
                }
                return;
            }
            var patterns = (Name ?? new[] { "*" }).Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToArray();
            foreach (var connection in connections)
                if (patterns.Any(p => p.IsMatch(connection.Name))) WriteObject(connection);
        }
    }
}
