using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core;
using SocketIo.Core.OctoPrint;
using SocketIo.PowerShell.Connections;
using SocketIo.PowerShell.Errors;

namespace SocketIo.PowerShell.Commands
{
    /// <summary>
    /// Base of the OctoPrint control cmdlets: REST calls on a connection whose failures become non-terminating errors
    /// naming the printer (a fleet goes on with the other printers), and -Wait, driven by the push messages that arrive
    /// on each connection (never by polling OctoPrint): all of one call's waits run together in EndProcessing, so the
    /// printers of a fleet heat or start at the same time.
    /// </summary>
    public abstract class OctoPrintCmdlet : SocketIoCmdlet
    {
        /// <summary>The longest a wait blocks before it checks again (a lost wake-up costs at most this).</summary>
        protected const int WaitSliceMs = 500;
        private readonly List<PendingWait> _waits = new List<PendingWait>();

        /// <summary>Runs one REST call for <paramref name="connection"/>; false (after writing the error) when it failed.</summary>
        protected bool TryRest(OctoPrintConnection connection, Func<CancellationToken, Task> call)
        {
            try
            {
                Await(call(StopToken));
                return true;
            }
            catch (Exception e) when (e is SocketIoException || e is TimeoutException)
            {
                WriteConnectionError(e, connection);
                return false;
            }
        }

        protected bool TryRest<T>(OctoPrintConnection connection, Func<CancellationToken, Task<T>> call, out T result)
        {
            try
            {
                result = Await(call(StopToken));
                return true;
            }
            catch (Exception e) when (e is SocketIoException || e is TimeoutException)
            {
                WriteConnectionError(e, connection);
                result = default!;
                return false;
            }
        }

        /// <summary>An error from a core exception (OctoPrintRequestFailed keeps the status and OctoPrint's message on
        /// the exception), with the printer's name in front of the message.</summary>
        protected void WriteConnectionError(Exception e, OctoPrintConnection connection)
        {
            var record = ErrorRecords.FromException(e, connection);
            record.ErrorDetails = new ErrorDetails($"{connection.Name}: {record.Exception.Message}");
            WriteError(record);
        }

        protected void WriteConnectionError(string errorId, ErrorCategory category, string message, OctoPrintConnection connection) =>
            WriteError(ErrorRecords.Create(errorId, category, $"{connection.Name}: {message}", connection));

        /// <summary>The short description of a connection for ShouldProcess.</summary>
        protected static string Target(OctoPrintConnection connection) => $"{connection.Name} ({connection.Uri})";

        /// <summary>The connections given, or all of this session's OctoPrint connections.</summary>
        protected static OctoPrintConnection[] GivenOrAll(OctoPrintConnection[]? given) =>
            given ?? ConnectionRegistry.Current.All().OfType<OctoPrintConnection>().ToArray();

        /// <summary>The connection's current job (<c>GET /api/job</c>); null (after writing the error) when that failed.</summary>
        protected object? JobOf(OctoPrintConnection connection) =>
            TryRest(connection, t => connection.Rest.GetJobAsync(t), out var job) ? new OctoPrintJob(connection, job) : null;

        /// <summary>Blocks until one of <paramref name="connections"/> reports something new, at most one slice (and at
        /// most <paramref name="leftMs"/>): callers check again after each. Ctrl+C ends it at once.</summary>
        protected void WaitForChange(IEnumerable<OctoPrintConnection> connections, long leftMs)
        {
            // WaitAny takes at most 64 handles; a larger fleet's other printers are seen at the next slice.
            var handles = connections.Distinct().Take(63).Select(c => c.Changed.WaitHandle)
                .Concat(new[] { StopToken.WaitHandle }).ToArray();
            WaitHandle.WaitAny(handles, (int)Math.Min(leftMs, WaitSliceMs));
            if (StopToken.IsCancellationRequested) throw new PipelineStoppedException();
        }

        /// <summary>Registers a wait, run by <see cref="RunWaits"/>: <paramref name="check"/> is called whenever the
        /// connection reports something new and returns null while still waiting.</summary>
        protected void AddWait(OctoPrintConnection connection, string what, Func<WaitOutcome?> check) =>
            _waits.Add(new PendingWait(connection, what, check));

        protected bool HasWaits => _waits.Count > 0;

        /// <summary>Waits for every registered wait (each at most <paramref name="timeoutSec"/> s from now), writing each
        /// one's output as it completes, and an error for each that fails, times out, or loses its connection.
        /// Ctrl+C ends it at once.</summary>
        protected void RunWaits(int timeoutSec, string activity)
        {
            var pending = _waits.ToList();
            _waits.Clear();
            if (pending.Count == 0) return;
            var clock = Stopwatch.StartNew();
            int activityId = Math.Abs(GetHashCode() % 100000) + 1000;
            try
            {
                while (pending.Count > 0)
                {
                    foreach (var connection in pending.Select(w => w.Connection).Distinct()) connection.Changed.Reset();
                    foreach (var wait in pending.ToList())
                    {
                        var outcome = wait.Check();
                        if (outcome == null && wait.Connection.State == ConnectionState.Disconnected)
                            outcome = WaitOutcome.Fail("SocketIoNotConnected", ErrorCategory.ConnectionError,
                                $"the connection closed ({wait.Connection.DisconnectReason}) while waiting for {wait.What}.");
                        if (outcome == null) continue;
                        pending.Remove(wait);
                        if (outcome.ErrorId != null) WriteConnectionError(outcome.ErrorId, outcome.Category, outcome.Message!, wait.Connection);
                        else if (outcome.Output != null) WriteObject(outcome.Output);
                    }
                    if (pending.Count == 0) break;

                    long left = timeoutSec * 1000L - clock.ElapsedMilliseconds;
                    if (left <= 0)
                    {
                        foreach (var wait in pending)
                            WriteConnectionError("OctoPrintWaitTimeout", ErrorCategory.OperationTimeout,
                                $"{wait.What} did not happen within {timeoutSec} s.", wait.Connection);
                        break;
                    }
                    var status = string.Join(", ", pending.Select(w => $"{w.Connection.Name}: {w.What}"));
                    WriteProgress(new ProgressRecord(activityId, activity, status.Length > 200 ? status.Substring(0, 200) + "…" : status)
                    {
                        SecondsRemaining = (int)(left / 1000),
                    });
                    WaitForChange(pending.Select(w => w.Connection), left);
                }
            }
            finally
            {
                WriteProgress(new ProgressRecord(activityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
            }
        }

        /// <summary>Registers a wait for <paramref name="wait"/>'s event after <paramref name="mark"/>
        /// (<see cref="OctoPrintConnection.EventMark"/> taken before the request), writing <paramref name="output"/>'s
        /// result when it comes.</summary>
        protected void AddEventWait(OctoPrintConnection connection, EventWait wait, long mark, Func<object?> output) =>
            AddWait(connection, wait.What, ForEvent(connection, mark, wait.Done, wait.Fail, output));

        /// <summary>A wait for an OctoPrint event after <paramref name="mark"/>: done on one of <paramref name="done"/>,
        /// failed on one of <paramref name="fail"/>.</summary>
        private static Func<WaitOutcome?> ForEvent(OctoPrintConnection connection, long mark, string[] done, string[] fail, Func<object?> output)
        {
            return () =>
            {
                var seen = connection.FindEvent(mark, e => done.Contains(e.Type) || fail.Contains(e.Type) || IsErrorState(e));
                if (seen == null) return null;
                if (done.Contains(seen.Type)) return WaitOutcome.Done(output());
                var detail = OctoPrint.PSValue.String(seen.Payload, "error") ?? OctoPrint.PSValue.String(seen.Payload, "reason")
                    ?? OctoPrint.PSValue.String(seen.Payload, "state_string");
                return WaitOutcome.Fail("OctoPrintWaitFailed", ErrorCategory.InvalidResult,
                    $"OctoPrint reported {seen.Type}{(detail != null ? $" ({detail})" : string.Empty)} instead of {string.Join(" or ", done)}.");
            };
        }

        private static bool IsErrorState(OctoPrintEventRecord e) =>
            e.Type == "PrinterStateChanged" && OctoPrint.PSValue.String(e.Payload, "state_id") is string id
            && (id == "ERROR" || id == "CLOSED_WITH_ERROR");

        /// <summary>What a request waits for: <see cref="What"/> for messages, done on one of <see cref="Done"/>,
        /// failed on one of <see cref="Fail"/> (or on the printer's error state).</summary>
        protected sealed class EventWait
        {
            public static readonly EventWait PrintStart = new EventWait("the print to start", new[] { "PrintStarted" }, new[] { "PrintFailed", "Error" });
            public static readonly EventWait FileSelect = new EventWait("the file to be selected", new[] { "FileSelected" }, Array.Empty<string>());

            public EventWait(string what, string[] done, string[] fail)
            {
                What = what;
                Done = done;
                Fail = fail;
            }

            public string What { get; }
            public string[] Done { get; }
            public string[] Fail { get; }
        }

        protected sealed class WaitOutcome
        {
            private WaitOutcome() { }

            public object? Output { get; private set; }
            public string? ErrorId { get; private set; }
            public ErrorCategory Category { get; private set; }
            public string? Message { get; private set; }

            public static WaitOutcome Done(object? output) => new WaitOutcome { Output = output };

            public static WaitOutcome Fail(string errorId, ErrorCategory category, string message) =>
                new WaitOutcome { ErrorId = errorId, Category = category, Message = message };
        }

        private sealed class PendingWait
        {
            public PendingWait(OctoPrintConnection connection, string what, Func<WaitOutcome?> check)
            {
                Connection = connection;
                What = what;
                Check = check;
            }

            public OctoPrintConnection Connection { get; }
            public string What { get; }
            public Func<WaitOutcome?> Check { get; }
        }
    }
}
