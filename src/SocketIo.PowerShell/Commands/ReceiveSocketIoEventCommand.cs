using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using SocketIo.PowerShell.Completers;
using SocketIo.PowerShell.Eventing;

namespace SocketIo.PowerShell.Commands
{
    [Cmdlet(VerbsCommunications.Receive, "SocketIoEvent")]
    [OutputType(typeof(SocketIoMessage))]
    public sealed class ReceiveSocketIoEventCommand : SocketIoCmdlet
    {
        private const int WaitSliceMs = 250;
        private const int BatchSize = 256;
        // After a batch, the mailbox empty: wait this long for more before sleeping on the signal. During a flood the
        // reader then takes a batch per pause instead of being woken (and the receive thread paying the wake) per message.
        private const int CoalesceMs = 1;
        private readonly List<Connection> _connections = new List<Connection>();
        private bool _timed;

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [ValidateNotNullOrEmpty]
        public Connection[] Connection { get; set; } = null!;

        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(EventNameCompleter))]
        public string[] EventName { get; set; } = { "*" };

        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int Count { get; set; } = int.MaxValue;

        /// <summary>The total time this call may take; ending on it is not an error.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int TimeoutSec { get; set; } = -1;

        protected override void ProcessRecord() => _connections.AddRange(Connection.Where(c => !_connections.Contains(c)));

        protected override void EndProcessing()
        {
            var filter = new EventNameFilter(EventName);
            _timed = _connections.Any(c => c is OctoPrintConnection);
            bool inBurst = false;
            var clock = Stopwatch.StartNew();
            var batch = new List<SocketIoMessage>(BatchSize);
            int remaining = Count;
            using var signal = new MailboxSignal();
            foreach (var connection in _connections) connection.Mailbox.Subscribe(signal);
            // Disconnects and reconnects while this call waits show in -Verbose (written from this thread only).
            var taps = _connections.OfType<SocketIoConnection>().Select(c => c.Tap()).ToList();
            try
            {
                while (remaining > 0)
                {
                    foreach (var tap in taps) tap.Drain(this);
                    // -TimeoutSec 0 takes what is already there; a later deadline ends the call, even mid-batch, so a slow
                    // consumer cannot stretch it (what was taken but not written goes back, below).
                    bool drainOnly = TimeoutSec == 0;
                    if (TimeoutSec > 0 && TimeIsUp(clock)) break;
                    signal.Reset();
                    batch.Clear();
                    bool finished = _connections.All(c => c.Mailbox.IsCompleted); // read before taking: nothing can follow
                    TakeNext(filter, drainOnly ? remaining : Math.Min(remaining, BatchSize), batch);
                    int written = 0;
                    try
                    {
                        foreach (var message in batch)
                        {
                            if (written > 0 && TimeoutSec > 0 && TimeIsUp(clock)) break;
                            written++; // the one whose WriteObject stops the pipeline (Select-Object -First) was handed over
                            Write(message);
                        }
                    }
                    finally
                    {
                        // The pipeline stopped mid-batch or time ran out: what was taken but not handed over goes back.
                        if (written < batch.Count)
                            foreach (var group in batch.Skip(written).GroupBy(m => m.Connection)) group.Key.Mailbox.Restore(group);
                    }
                    remaining -= written;
                    if (drainOnly || written < batch.Count) break;
                    if (batch.Count > 0)
                    {
                        inBurst = true;
                        continue;
                    }
                    if (finished) break;
                    if (inBurst)
                    {
                        // Ctrl+C ends the pause at once; a message arriving meanwhile waits for the next look (<= 1 ms).
                        inBurst = false;
                        if (StopToken.WaitHandle.WaitOne(CoalesceMs)) throw new PipelineStoppedException();
                        continue;
                    }

                    int left = TimeoutSec < 0 ? WaitSliceMs : (int)Math.Min(WaitSliceMs, TimeoutSec * 1000L - clock.ElapsedMilliseconds);
                    if (left <= 0) continue;
                    try { signal.Wait(left, StopToken); }
                    catch (OperationCanceledException) { throw new PipelineStoppedException(); }
                }
            }
            finally
            {
                foreach (var connection in _connections) connection.Mailbox.Unsubscribe(signal);
                foreach (var tap in taps) tap.Dispose();
            }
        }

        private bool TimeIsUp(Stopwatch clock) => clock.ElapsedMilliseconds >= TimeoutSec * 1000L;

        // WriteObject returns once the downstream commands have handled the message: that time is the consumer's
        // processing time, which OctoPrint's throttle feeds on. Only OctoPrint connections use it: two clock reads
        // per message are not free at 200k messages/s.
        private void Write(SocketIoMessage message)
        {
            if (!_timed)
            {
                WriteObject(message);
                return;
            }
            long started = Stopwatch.GetTimestamp();
            WriteObject(message);
            message.Connection.ReportProcessingTime(TimeSpan.FromSeconds((Stopwatch.GetTimestamp() - started) / (double)Stopwatch.Frequency));
        }

        private void TakeNext(EventNameFilter filter, int max, List<SocketIoMessage> into)
        {
            if (_connections.Count == 1)
            {
                _connections[0].Mailbox.Take(filter, max, into);
                return;
            }
            // Several connections: merge in arrival order, one message at a time, so nothing is taken that is not written.
            while (into.Count < max)
            {
                Mailbox? oldest = null;
                long oldestSequence = long.MaxValue;
                foreach (var connection in _connections)
                {
                    var sequence = connection.Mailbox.PeekSequence(filter);
                    if (sequence != null && sequence < oldestSequence) { oldest = connection.Mailbox; oldestSequence = sequence.Value; }
                }
                if (oldest == null || oldest.Take(filter, 1, into) == 0) return;
            }
        }
    }
}
