using System;
using System.Diagnostics;
using System.Management.Automation;
using SocketIo.Core;
using SocketIo.PowerShell.Errors;

namespace SocketIo.PowerShell.Commands
{
    /// <summary>
    /// Waits, driven by push events, until the printer's job ends (PrintDone, PrintFailed, cancelled), showing its
    /// progress, and returns how it ended; <c>exit $result.ExitCode</c> gives a scheduled task its status.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Wait, "OctoPrintJob")]
    [OutputType(typeof(OctoPrintJobResult))]
    public sealed class WaitOctoPrintJobCommand : SocketIoCmdlet
    {
        private const int WaitSliceMs = 500;

        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNull]
        public OctoPrintConnection Connection { get; set; } = null!;

        /// <summary>How long to wait; by default until the job ends or the connection closes for good.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int TimeoutSec { get; set; } = -1;

        protected override void ProcessRecord()
        {
            var connection = Connection;
            long endedBefore = connection.JobsEnded.Count;
            var clock = Stopwatch.StartNew();
            int activityId = Math.Abs(connection.Id % 1000) + 1;
            string activity = $"Waiting for the job on {connection.Name}";
            try
            {
                while (true)
                {
                    connection.Changed.Reset();
                    var (ended, last) = connection.JobsEnded;
                    if (ended > endedBefore && last != null)
                    {
                        WriteObject(last);
                        return;
                    }
                    if (connection.State == ConnectionState.Disconnected)
                    {
                        WriteError(ErrorRecords.Create("SocketIoNotConnected", ErrorCategory.ConnectionError,
                            $"Connection {connection.Id} ({connection.Name}) closed ({connection.DisconnectReason}) before the job ended.", connection));
                        return;
                    }
                    ShowProgress(activityId, activity, connection.Status);
                    long left = TimeoutSec < 0 ? WaitSliceMs : TimeoutSec * 1000L - clock.ElapsedMilliseconds;
                    if (left <= 0)
                    {
                        WriteError(ErrorRecords.Create("OctoPrintWaitTimeout", ErrorCategory.OperationTimeout,
                            $"The job on {connection.Name} did not end within {TimeoutSec} s.", connection));
                        return;
                    }
                    try { connection.Changed.Wait((int)Math.Min(left, WaitSliceMs), StopToken); }
                    catch (OperationCanceledException) { throw new PipelineStoppedException(); }
                }
            }
            finally
            {
                WriteProgress(new ProgressRecord(activityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
            }
        }

        // A new record each time: whoever keeps the written records (Streams.Progress, a thread job's Progress)
        // holds references, so changing one record after writing it would rewrite that history.
        private void ShowProgress(int activityId, string activity, OctoPrintStatus? status)
        {
            if (status == null) return;
            var record = new ProgressRecord(activityId, activity, status.Printing || status.Paused
                ? $"{status.State}: {status.File} {status.Progress:0.0}%" + (status.PrintTimeLeft is TimeSpan left ? $", {left} left" : string.Empty)
                : $"{status.State} (no job running yet)");
            record.PercentComplete = status.Progress is double p ? (int)Math.Max(0, Math.Min(100, p)) : -1;
            record.SecondsRemaining = status.PrintTimeLeft is TimeSpan remaining ? (int)remaining.TotalSeconds : -1;
            WriteProgress(record);
        }
    }
}
