using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using SocketIo.Core;
using SocketIo.PowerShell.Errors;

namespace SocketIo.PowerShell.Commands
{
    /// <summary>
    /// Waits, driven by push events, until the printers' jobs end (PrintDone, PrintFailed, cancelled), showing their
    /// progress, and returns how each ended; <c>exit $result.ExitCode</c> gives a scheduled task its status.
    /// With several connections (a fleet) it waits for all of them (-All, the default; one result per printer as each
    /// ends) or for the first (-Any).
    /// </summary>
    [Cmdlet(VerbsLifecycle.Wait, "OctoPrintJob", DefaultParameterSetName = AllSet)]
    [OutputType(typeof(OctoPrintJobResult))]
    public sealed class WaitOctoPrintJobCommand : OctoPrintCmdlet
    {
        private const string AllSet = "All";
        private const string AnySet = "Any";
        private readonly List<OctoPrintConnection> _connections = new List<OctoPrintConnection>();
        private readonly Dictionary<OctoPrintConnection, long> _endedBefore = new Dictionary<OctoPrintConnection, long>();

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public OctoPrintConnection[] Connection { get; set; } = null!;

        /// <summary>Wait until every printer's job has ended (the default).</summary>
        [Parameter(ParameterSetName = AllSet)]
        public SwitchParameter All { get; set; }

        /// <summary>Return as soon as one printer's job has ended.</summary>
        [Parameter(Mandatory = true, ParameterSetName = AnySet)]
        public SwitchParameter Any { get; set; }

        /// <summary>How long to wait; by default until the jobs end or the connections close for good.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int TimeoutSec { get; set; } = -1;

        protected override void ProcessRecord()
        {
            // The jobs that end from now on count, also those ending while the pipeline still delivers connections.
            foreach (var connection in Connection)
            {
                if (_endedBefore.ContainsKey(connection)) continue;
                _endedBefore[connection] = connection.JobsEnded.Count;
                _connections.Add(connection);
            }
        }

        protected override void EndProcessing()
        {
            var pending = _connections.ToList();
            var clock = Stopwatch.StartNew();
            var activities = pending.ToDictionary(c => c, c => (Id: Math.Abs(c.Id % 1000) + 1, Activity: $"Waiting for the job on {c.Name}"));
            try
            {
                while (pending.Count > 0)
                {
                    foreach (var connection in pending) connection.Changed.Reset();
                    foreach (var connection in pending.ToList())
                    {
                        var (ended, last) = connection.JobsEnded;
                        if (ended > _endedBefore[connection] && last != null)
                        {
                            pending.Remove(connection);
                            Complete(activities[connection]);
                            WriteObject(last);
                            if (Any) return;
                        }
                        else if (connection.State == ConnectionState.Disconnected)
                        {
                            pending.Remove(connection);
                            Complete(activities[connection]);
                            WriteError(ErrorRecords.Create("SocketIoNotConnected", ErrorCategory.ConnectionError,
                                $"Connection {connection.Id} ({connection.Name}) closed ({connection.DisconnectReason}) before the job ended.", connection));
                        }
                    }
                    if (pending.Count == 0) return;

                    foreach (var connection in pending) ShowProgress(activities[connection], connection.Status);
                    long left = TimeoutSec < 0 ? WaitSliceMs : TimeoutSec * 1000L - clock.ElapsedMilliseconds;
                    if (left <= 0)
                    {
                        if (Any && pending.Count > 1)
                            WriteError(ErrorRecords.Create("OctoPrintWaitTimeout", ErrorCategory.OperationTimeout,
                                $"No job on {string.Join(", ", pending.Select(c => c.Name))} ended within {TimeoutSec} s.", pending.ToArray()));
                        else
                            foreach (var connection in pending)
                                WriteError(ErrorRecords.Create("OctoPrintWaitTimeout", ErrorCategory.OperationTimeout,
                                    $"The job on {connection.Name} did not end within {TimeoutSec} s.", connection));
                        return;
                    }
                    WaitForChange(pending, left);
                }
            }
            finally
            {
                foreach (var connection in pending) Complete(activities[connection]);
            }
        }

        private void Complete((int Id, string Activity) activity) =>
            WriteProgress(new ProgressRecord(activity.Id, activity.Activity, "Done") { RecordType = ProgressRecordType.Completed });

        // A new record each time: whoever keeps the written records (Streams.Progress, a thread job's Progress)
        // holds references, so changing one record after writing it would rewrite that history.
        private void ShowProgress((int Id, string Activity) activity, OctoPrintStatus? status)
        {
            if (status == null) return;
            var record = new ProgressRecord(activity.Id, activity.Activity, status.Printing || status.Paused
                ? $"{status.State}: {status.File} {status.Progress:0.0}%" + (status.PrintTimeLeft is TimeSpan left ? $", {left} left" : string.Empty)
                : $"{status.State} (no job running yet)");
            record.PercentComplete = status.Progress is double p ? (int)Math.Max(0, Math.Min(100, p)) : -1;
            record.SecondsRemaining = status.PrintTimeLeft is TimeSpan remaining ? (int)remaining.TotalSeconds : -1;
            WriteProgress(record);
        }
    }
}
