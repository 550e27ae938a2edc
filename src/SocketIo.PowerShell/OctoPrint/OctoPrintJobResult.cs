using System;

namespace SocketIo
{
    public enum OctoPrintJobOutcome
    {
        Done,
        Failed,
        Cancelled,
    }

    /// <summary>How a print job ended (PrintDone, PrintFailed, PrintCancelled), for scripts and scheduled tasks.</summary>
    public sealed class OctoPrintJobResult
    {
        internal OctoPrintJobResult(string name, OctoPrintJobOutcome outcome, string? file, TimeSpan? printTime, string? reason, DateTime endedAt)
        {
            Name = name;
            Outcome = outcome;
            File = file;
            PrintTime = printTime;
            Reason = reason;
            EndedAt = endedAt;
        }

        public string Name { get; }
        public OctoPrintJobOutcome Outcome { get; }
        public string? File { get; }
        public TimeSpan? PrintTime { get; }
        /// <summary>PrintFailed's reason (error, cancelled), when given.</summary>
        public string? Reason { get; }
        public DateTime EndedAt { get; }
        /// <summary>The connection the job ran on (null for a result made without one).</summary>
        public OctoPrintConnection? Connection { get; internal set; }
        /// <summary>0 when the job printed to the end, 1 when it failed, 2 when it was cancelled: <c>exit $result.ExitCode</c>.</summary>
        public int ExitCode => Outcome == OctoPrintJobOutcome.Done ? 0 : Outcome == OctoPrintJobOutcome.Failed ? 1 : 2;

        public override string ToString() => $"{Name}: {Outcome} {File}";
    }
}
