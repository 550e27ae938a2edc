using System;
using System.Management.Automation;
using SocketIo.Core;
using SocketIo.Core.SocketIo;
using SocketIo.PowerShell.Errors;

namespace SocketIo.PowerShell.Commands
{
    [Cmdlet(VerbsCommunications.Send, "SocketIoEvent", DefaultParameterSetName = DataSet)]
    [OutputType(typeof(object))]
    public sealed class SendSocketIoEventCommand : SocketIoCmdlet
    {
        private const string DataSet = "Data";
        private const string ArgumentListSet = "ArgumentList";

        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNull]
        public SocketIoConnection Connection { get; set; } = null!;

        [Parameter(Mandatory = true, Position = 1)]
        [ValidateNotNullOrEmpty]
        public string EventName { get; set; } = null!;

        /// <summary>Exactly one argument; each piped object is one emit.</summary>
        [Parameter(Position = 2, ValueFromPipeline = true, ParameterSetName = DataSet)]
        [AllowNull, AllowEmptyString, AllowEmptyCollection]
        public object? Data { get; set; }

        /// <summary>Several arguments, in order.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ArgumentListSet)]
        [AllowNull, AllowEmptyCollection]
        public object?[]? ArgumentList { get; set; }

        /// <summary>Wait for the server's acknowledgement and write each of its arguments.</summary>
        [Parameter]
        public SwitchParameter Ack { get; set; }

        /// <summary>How long -Ack waits.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int TimeoutSec { get; set; } = 30;

        protected override void BeginProcessing()
        {
            if (ReservedEventNames.Contains(EventName))
                ThrowTerminatingError(ErrorRecords.FromException(new SocketIoReservedEventNameException(EventName), EventName));
        }

        protected override void ProcessRecord()
        {
            object?[] arguments;
            if (ParameterSetName == ArgumentListSet) arguments = ArgumentList ?? new object?[] { null };
            else if (MyInvocation.ExpectingInput || MyInvocation.BoundParameters.ContainsKey(nameof(Data))) arguments = new[] { Data };
            else arguments = Array.Empty<object?>();

            var socket = Connection.Socket;
            try
            {
                WriteDebug($"Emitting '{EventName}' with {arguments.Length} argument(s) on connection {Connection.Id}.");
                if (!Ack)
                {
                    Await(socket.EmitAsync(EventName, arguments, StopToken));
                    return;
                }
                var reply = Await(socket.EmitWithAckAsync(EventName, arguments, TimeSpan.FromSeconds(TimeoutSec), StopToken));
                foreach (var value in reply) WriteObject(value, enumerateCollection: false);
            }
            catch (SocketIoException e)
            {
                WriteError(ErrorRecords.FromException(e, EventName));
            }
        }
    }
}
