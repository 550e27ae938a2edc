using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

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
            foreach (var connection in GivenOrAll(Connection))
                if (JobOf(connection) is object job) WriteObject(job);
        }
    }

    /// <summary>Shared shape of the job commands: one REST command per connection, an optional wait for the event
    /// it causes, -PassThru writing the job (<c>GET /api/job</c>) afterwards.</summary>
    public abstract class OctoPrintJobCommandBase : OctoPrintRequestCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public OctoPrintConnection[] Connection { get; set; } = null!;

        protected override string WaitActivity => "Waiting for print jobs";

        /// <summary>The job command for every connection, each waiting for <paramref name="wait"/> with -Wait.</summary>
        protected void RequestEach(string action, Func<OctoPrintConnection, CancellationToken, Task> call, EventWait wait)
        {
            foreach (var connection in Connection)
                Request(connection, action, t => call(connection, t), wait, () => JobOf(connection));
        }
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
                Request(connection, $"Start printing {job.FileDisplay ?? job.FileName}", t => connection.Rest.StartJobAsync(t),
                    EventWait.PrintStart, () => JobOf(connection));
            }
        }
    }

    /// <summary>Pauses the running job (<c>POST /api/job pause, action pause</c>); -Wait until PrintPaused.</summary>
    [Cmdlet(VerbsLifecycle.Suspend, "OctoPrintJob", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(OctoPrintJob))]
    public sealed class SuspendOctoPrintJobCommand : OctoPrintJobCommandBase
    {
        private static readonly EventWait Paused = new EventWait("the print to pause", new[] { "PrintPaused" }, new[] { "PrintFailed", "PrintDone", "Error" });

        protected override void ProcessRecord() =>
            RequestEach("Pause the print job", (c, t) => c.Rest.PauseJobAsync("pause", t), Paused);
    }

    /// <summary>Resumes the paused job (<c>POST /api/job pause, action resume</c>); -Wait until PrintResumed.</summary>
    [Cmdlet(VerbsLifecycle.Resume, "OctoPrintJob", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(OctoPrintJob))]
    public sealed class ResumeOctoPrintJobCommand : OctoPrintJobCommandBase
    {
        private static readonly EventWait Resumed = new EventWait("the print to resume", new[] { "PrintResumed" }, new[] { "PrintFailed", "Error" });

        protected override void ProcessRecord() =>
            RequestEach("Resume the print job", (c, t) => c.Rest.PauseJobAsync("resume", t), Resumed);
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
                else WritePassThru(() => JobOf(connection));
            }
        }
    }

    /// <summary>Prints the paused job's file again from the start (<c>POST /api/job restart</c>; OctoPrint allows it
    /// only while paused); -Wait until PrintStarted.</summary>
    [Cmdlet(VerbsLifecycle.Restart, "OctoPrintJob", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(OctoPrintJob))]
    public sealed class RestartOctoPrintJobCommand : OctoPrintJobCommandBase
    {
        private static readonly EventWait StartedAgain = new EventWait("the print to start again", new[] { "PrintStarted" }, new[] { "PrintFailed", "Error" });

        protected override void ProcessRecord() =>
            RequestEach("Restart the paused print job from the beginning", (c, t) => c.Rest.RestartJobAsync(t), StartedAgain);
    }
}
