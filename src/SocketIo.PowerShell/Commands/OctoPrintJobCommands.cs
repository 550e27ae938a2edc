using System;
using System.Linq;
using System.Management.Automation;
using SocketIo.PowerShell.Connections;

namespace SocketIo.PowerShell.Commands
{
    /// <summary>The current job of OctoPrint connections (<c>GET /api/job</c>); all of this session's by default.</summary>
    [Cmdlet(VerbsCommon.Get, "OctoPrintJob")]
    [OutputType(typeof(OctoPrintJob))]
    public sealed class GetOctoPrintJobCommand : OctoPrintCmdlet
    {
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public OctoPrintConnection[]? Connection { get; set; }

        protected override void ProcessRecord()
        {
            var connections = Connection ?? ConnectionRegistry.Current.All().OfType<OctoPrintConnection>().ToArray();
            foreach (var connection in connections)
                if (TryRest(connection, t => connection.Rest.GetJobAsync(t), out var job)) WriteObject(new OctoPrintJob(connection, job));
        }
    }

    /// <summary>Shared shape of the job commands: one REST command per connection, an optional wait for the event
    /// it causes, -PassThru writing the job afterwards.</summary>
    public abstract class OctoPrintJobCommandBase : OctoPrintCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public OctoPrintConnection[] Connection { get; set; } = null!;

        [Parameter]
        public SwitchParameter Wait { get; set; }

        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int TimeoutSec { get; set; } = 60;

        /// <summary>Write the job (GET /api/job) after the command, and after the wait with -Wait.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected object? JobOf(OctoPrintConnection connection) =>
            TryRest(connection, t => connection.Rest.GetJobAsync(t), out var job) ? new OctoPrintJob(connection, job) : null;

        protected void Done(OctoPrintConnection connection)
        {
            if (PassThru && JobOf(connection) is object job) WriteObject(job);
        }

        protected override void EndProcessing() => RunWaits(TimeoutSec, "Waiting for print jobs");
    }

    /// <summary>Starts printing the selected file (<c>POST /api/job start</c>); -Wait until PrintStarted. Without a
    /// selected file it fails with OctoPrintNoFileSelected (OctoPrint itself would accept and do nothing).</summary>
    [Cmdlet(VerbsLifecycle.Start, "OctoPrintJob", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(OctoPrintJob))]
    public sealed class StartOctoPrintJobCommand : OctoPrintJobCommandBase
    {
        protected override void ProcessRecord()
        {
            foreach (var connection in Connection)
            {
                if (!TryRest(connection, t => connection.Rest.GetJobAsync(t), out var job)) continue;
                if (!job.HasFile)
                {
                    WriteConnectionError("OctoPrintNoFileSelected", ErrorCategory.InvalidOperation,
                        "no file is selected, so there is nothing to print (OctoPrint would accept the start and do nothing). Select one with Select-OctoPrintFile or Send-OctoPrintFile -Select.", connection);
                    continue;
                }
                if (!ShouldProcess(Target(connection), $"Start printing {job.FileDisplay ?? job.FileName}")) continue;
                long mark = connection.EventMark;
                if (!TryRest(connection, t => connection.Rest.StartJobAsync(t))) continue;
                if (Wait) AddWait(connection, "the print to start", ForEvent(connection, mark, new[] { "PrintStarted" }, new[] { "PrintFailed", "Error" }, () => PassThru ? JobOf(connection) : null));
                else Done(connection);
            }
        }
    }

    /// <summary>Pauses the running job (<c>POST /api/job pause, action pause</c>); -Wait until PrintPaused.</summary>
    [Cmdlet(VerbsLifecycle.Suspend, "OctoPrintJob", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(OctoPrintJob))]
    public sealed class SuspendOctoPrintJobCommand : OctoPrintJobCommandBase
    {
        protected override void ProcessRecord()
        {
            foreach (var connection in Connection)
            {
                if (!ShouldProcess(Target(connection), "Pause the print job")) continue;
                long mark = connection.EventMark;
                if (!TryRest(connection, t => connection.Rest.PauseJobAsync("pause", t))) continue;
                if (Wait) AddWait(connection, "the print to pause", ForEvent(connection, mark, new[] { "PrintPaused" }, new[] { "PrintFailed", "PrintDone", "Error" }, () => PassThru ? JobOf(connection) : null));
                else Done(connection);
            }
        }
    }

    /// <summary>Resumes the paused job (<c>POST /api/job pause, action resume</c>); -Wait until PrintResumed.</summary>
    [Cmdlet(VerbsLifecycle.Resume, "OctoPrintJob", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(OctoPrintJob))]
    public sealed class ResumeOctoPrintJobCommand : OctoPrintJobCommandBase
    {
        protected override void ProcessRecord()
        {
            foreach (var connection in Connection)
            {
                if (!ShouldProcess(Target(connection), "Resume the print job")) continue;
                long mark = connection.EventMark;
                if (!TryRest(connection, t => connection.Rest.PauseJobAsync("resume", t))) continue;
                if (Wait) AddWait(connection, "the print to resume", ForEvent(connection, mark, new[] { "PrintResumed" }, new[] { "PrintFailed", "Error" }, () => PassThru ? JobOf(connection) : null));
                else Done(connection);
            }
        }
    }

    /// <summary>Cancels the running or paused job (<c>POST /api/job cancel</c>). -Wait waits until it has ended and
    /// writes how (an OctoPrintJobResult, Outcome Cancelled).</summary>
    [Cmdlet(VerbsLifecycle.Stop, "OctoPrintJob", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(OctoPrintJob), typeof(OctoPrintJobResult))]
    public sealed class StopOctoPrintJobCommand : OctoPrintJobCommandBase
    {
        protected override void ProcessRecord()
        {
            foreach (var connection in Connection)
            {
                var file = connection.Status?.File;
                if (!ShouldProcess(Target(connection), "Cancel the print job" + (file != null ? " (" + file + ")" : string.Empty))) continue;
                long ended = connection.JobsEnded.Count;
                if (!TryRest(connection, t => connection.Rest.CancelJobAsync(t))) continue;
                if (Wait)
                {
                    AddWait(connection, "the job to end", () =>
                    {
                        var (count, last) = connection.JobsEnded;
                        return count > ended ? WaitOutcome.Done(last) : null;
                    });
                }
                else Done(connection);
            }
        }
    }

    /// <summary>Prints the paused job's file again from the start (<c>POST /api/job restart</c>; OctoPrint allows it
    /// only while paused); -Wait until PrintStarted.</summary>
    [Cmdlet(VerbsLifecycle.Restart, "OctoPrintJob", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(OctoPrintJob))]
    public sealed class RestartOctoPrintJobCommand : OctoPrintJobCommandBase
    {
        protected override void ProcessRecord()
        {
            foreach (var connection in Connection)
            {
                if (!ShouldProcess(Target(connection), "Restart the paused print job from the beginning")) continue;
                long mark = connection.EventMark;
                if (!TryRest(connection, t => connection.Rest.RestartJobAsync(t))) continue;
                if (Wait) AddWait(connection, "the print to start again", ForEvent(connection, mark, new[] { "PrintStarted" }, new[] { "PrintFailed", "Error" }, () => PassThru ? JobOf(connection) : null));
                else Done(connection);
            }
        }
    }
}
