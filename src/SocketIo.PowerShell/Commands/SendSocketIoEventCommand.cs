using System;
using System.Management.Automation;
using SocketIo.Core;
using SocketIo.Core.SocketIo;
using SocketIo.PowerShell.Completers;
using SocketIo.PowerShell.Errors;
using SocketIo.PowerShell.Json;

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
        [ArgumentCompleter(typeof(EventNameCompleter))]
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

        /// <summary>How long -Ack waits (the acknowledgement timeout; with -Retries, per try). Default: the connection's
        /// AckTimeoutSec (Connect-SocketIo -AckTimeoutSec, 30 s).</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int TimeoutSec { get; set; } = 30;

        /// <summary>Drop the event instead of buffering it when the connection is not writable (socket.io-client's
        /// volatile); drops are counted in the connection's VolatileDropped.</summary>
        [Parameter]
        public SwitchParameter Volatile { get; set; }

        /// <summary>At-least-once delivery (socket.io-client's retries): the event waits its turn in a FIFO queue, is sent
        /// with an acknowledgement request, and is sent again on each -TimeoutSec timeout and after a reconnection, up to
        /// this many times more, until the server acknowledges it. The server can get it more than once. Default: the
        /// connection's Retries (Connect-SocketIo -Retries).</summary>
        [Parameter]
        [ValidateRange(0, 1000)]
        public int Retries { get; set; }

        protected override void BeginProcessing()
        {
            if (ReservedEventNames.Contains(EventName))
                ThrowTerminatingError(ErrorRecords.FromException(new SocketIoReservedEventNameException(EventName), EventName));
            if (Volatile && MyInvocation.BoundParameters.ContainsKey(nameof(Retries)))
                ThrowTerminatingError(ErrorRecords.ParameterConflict(
                    "-Volatile and -Retries contradict each other: a volatile event may be dropped, a retried one is delivered at least once."));
        }

        protected override void ProcessRecord()
        {
            object?[] arguments;
            if (ParameterSetName == ArgumentListSet) arguments = ArgumentList ?? new object?[] { null };
            else if (MyInvocation.ExpectingInput || MyInvocation.BoundParameters.ContainsKey(nameof(Data))) arguments = new[] { Data };
            else arguments = Array.Empty<object?>();

            var socket = Connection.Socket;
            var bound = MyInvocation.BoundParameters;
            var options = new EmitOptions
            {
                Volatile = Volatile,
                Retries = bound.ContainsKey(nameof(Retries)) ? Retries : (int?)null,
                AckTimeout = TimeSpan.FromSeconds(bound.ContainsKey(nameof(TimeoutSec)) ? TimeoutSec : Connection.AckTimeoutSec),
            };
            try
            {
                WriteDebug($"Emitting '{EventName}' with {arguments.Length} argument(s) on connection {Connection.Id}.");
                if (!Ack)
                {
                    ReportOutcome(Await(socket.EmitAsync(EventName, arguments, options, StopToken)));
                    return;
                }
                if (Connection.State != ConnectionState.Connected)
                    WriteVerbose($"Connection {Connection.Id} is {Connection.State}: '{EventName}' waits in its buffer and the acknowledgement timeout runs meanwhile.");
                using var tap = Connection.Tap(); // reconnects during the wait show in -Verbose
                var reply = WaitShowingLifecycle(socket.EmitWithAckAsync(EventName, arguments, options, StopToken), tap);
                foreach (var value in reply) WriteObject(DeferredValues.Materialize(value), enumerateCollection: false);
            }
            catch (SocketIoException e)
            {
                WriteError(ErrorRecords.FromException(e, EventName));
            }
        }

        private void ReportOutcome(EmitOutcome outcome)
        {
            switch (outcome)
            {
                case EmitOutcome.Buffered:
                    WriteVerbose($"Buffered '{EventName}': connection {Connection.Id} is {Connection.State}; {Connection.BufferedEmits} emit(s) wait to be sent, in order, right after it joins again.");
                    break;
                case EmitOutcome.Dropped:
                    WriteVerbose($"Dropped volatile '{EventName}': connection {Connection.Id} is {Connection.State} ({Connection.VolatileDropped} volatile emit(s) dropped so far).");
                    break;
                case EmitOutcome.Queued:
                    WriteVerbose($"Queued '{EventName}' for at-least-once delivery on connection {Connection.Id} ({Connection.QueuedRetries} in its retry queue).");
                    break;
            }
        }

        // Task.Wait spins briefly before it blocks: an acknowledgement usually comes back within a fraction of a
        // millisecond, sooner than a blocked thread is woken. (Task.AsyncWaitHandle would also allocate a kernel-backed
        // event per call.) A faulted or cancelled task ends the wait; Await then throws its exception.
        private T WaitShowingLifecycle<T>(System.Threading.Tasks.Task<T> task, LifecycleTap tap)
        {
            while (!Completed(task, 100)) tap.Drain(this);
            tap.Drain(this);
            return Await(task);
        }

        private static bool Completed(System.Threading.Tasks.Task task, int milliseconds)
        {
            try { return task.Wait(milliseconds); }
            catch (AggregateException) { return true; }
        }
    }
}
