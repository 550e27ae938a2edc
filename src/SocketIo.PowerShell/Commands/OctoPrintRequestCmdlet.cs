using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace SocketIo.PowerShell.Commands
{
    /// <summary>
    /// Base of the OctoPrint control cmdlets whose request causes a push event: -Wait waits for it (each at most
    /// -TimeoutSec s, all of one call's waits together in EndProcessing), -PassThru writes the result after the request,
    /// or after the wait. PowerShell lists a base class's parameters after the derived class's, level by level, so these
    /// three stay in one class, in this order: the cmdlets' syntax and help keep the order they had.
    /// </summary>
    public abstract class OctoPrintRequestCmdlet : OctoPrintCmdlet
    {
        [Parameter]
        public SwitchParameter Wait { get; set; }

        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int TimeoutSec { get; set; } = 60;

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>The progress activity shown while the waits run.</summary>
        protected abstract string WaitActivity { get; }

        protected override void EndProcessing() => RunWaits(TimeoutSec, WaitActivity);

        /// <summary>
        /// The usual shape of a control request: ShouldProcess, the REST call, then with -Wait a wait for
        /// <paramref name="wait"/>'s event, otherwise (with -PassThru) the output at once. <paramref name="output"/> is
        /// called only with -PassThru; a null result writes nothing. False when skipped or failed (error written).
        /// </summary>
        protected bool Request(OctoPrintConnection connection, string action, Func<CancellationToken, Task> call, EventWait wait, Func<object?> output)
        {
            if (!ShouldProcess(Target(connection), action)) return false;
            long mark = connection.EventMark;
            if (!TryRest(connection, call)) return false;
            if (Wait) AddEventWait(connection, wait, mark, () => PassThru ? output() : null);
            else WritePassThru(output);
            return true;
        }

        /// <summary>With -PassThru, writes <paramref name="output"/>'s result unless it is null.</summary>
        protected void WritePassThru(Func<object?> output)
        {
            if (PassThru && output() is object result) WriteObject(result);
        }
    }
}
