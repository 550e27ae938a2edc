using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using SocketIo.PowerShell.Completers;
using SocketIo.PowerShell.Connections;
using SocketIo.PowerShell.Eventing;

namespace SocketIo.PowerShell.Commands
{
    /// <summary>
    /// Waits until a message matching -EventName arrives (taken from the mailbox, as Receive-SocketIoEvent -Count 1
    /// would), until the connections are closed for good, or until -TimeoutSec / Ctrl+C — and keeps the runspace's
    /// -Action blocks running at full speed meanwhile, at no CPU cost while nothing happens (design.md §2).
    /// </summary>
    /// <remarks>
    /// PowerShell runs queued -Action blocks only at statement boundaries of a running pipeline (about two per
    /// boundary). So the wait loop runs as one nested pipeline in the current runspace, <c>while ($step.Invoke()) {}</c>:
    /// every iteration is a boundary where the engine runs queued actions, and <see cref="Step"/> (C#) returns at once
    /// while actions are queued, or blocks on a signal set when a message reaches a watched mailbox or a
    /// Register-SocketIoEvent subscription queues an event. A nested pipeline per wake ("0", as PSReadLine pumps at
    /// the prompt) runs only ~2 actions for ~0.3 ms; InvokeCommand.InvokeScript runs none. While the loop runs, the
    /// engine's per-boundary throttle is raised (<see cref="ActionsPerBoundary"/>), else a backlog of actions floods the
    /// thread pool with the engine's 100 ms re-pulse sleepers and stalls the connections' own receive loops.
    /// Measured with bench/Measure-WaitActions.ps1: ~26k-36k actions/s on 2 loaded cores; idle, no more CPU than Start-Sleep.
    /// </remarks>
    [Cmdlet(VerbsLifecycle.Wait, "SocketIoEvent")]
    [OutputType(typeof(SocketIoMessage))]
    public sealed class WaitSocketIoEventCommand : SocketIoCmdlet
    {
        private const string LoopScript = "param($step) while ($step.Invoke()) { }";
        // Longest sleep between looks: catches actions queued by other event sources (timers, Register-ObjectEvent).
        private const int IdleSliceMs = 250;
        // While actions keep coming, look at the mailboxes, the clock and Ctrl+C at least this often.
        private const int LookEveryMs = 50;
        // Before returning, let the actions already queued run, for at most this long.
        private const int DrainBudgetMs = 5000;
        // When the host does not let us count queued actions: boundaries offered per wake, and the sleep between.
        private const int BlindRounds = 100;
        private const int BlindSliceMs = 50;
        // Actions ran this recently: we are in a burst.
        private const int BurstWindowMs = 10;
        // Queued actions the engine may run at one statement boundary of the loop (its own throttle allows ~2): fewer
        // boundaries leave a backlog, and each of those costs a thread-pool sleeper (see EventActionQueue). Bounded, so
        // the loop still looks at the mailbox and at Ctrl+C between batches.
        private const int ActionsPerBoundary = 256;
        private const int FullScanEveryMs = 1000;

        private enum Outcome { None, Message, Closed, TimedOut }

        private readonly List<Connection> _connections = new List<Connection>();
        private readonly List<SocketIoMessage> _taken = new List<SocketIoMessage>(1);
        private readonly Dictionary<Connection, long> _scanned = new Dictionary<Connection, long>();
        private long _lastFullScan;
        private readonly Stopwatch _clock = new Stopwatch();
        private MailboxSignal _signal = null!;
        private EventActionQueue _actions = null!;
        private EventNameFilter? _filter;
        private Outcome _outcome;
        private long _lastLook = -LookEveryMs;
        private long _decidedAt;
        private long _lastActionAt = long.MinValue / 2;
        private int _blindRounds;
        private long _steps;
        private long _waits;
        private System.Management.Automation.PowerShell? _loop;
        private List<LifecycleTap> _taps = new List<LifecycleTap>();

        [Parameter(Position = 0, ValueFromPipeline = true)]
        [ValidateNotNullOrEmpty]
        public Connection[]? Connection { get; set; }

        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(EventNameCompleter))]
        public string[]? EventName { get; set; }

        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int TimeoutSec { get; set; } = -1;

        protected override void ProcessRecord()
        {
            if (Connection != null) _connections.AddRange(Connection.Where(c => !_connections.Contains(c)));
        }

        protected override void StopProcessing()
        {
            base.StopProcessing(); // StopToken: Step ends the loop at its next call, a blocked wait returns at once
            try { _loop?.BeginStop(null, null); }
            catch (Exception) { /* already stopped or disposed */ }
        }

        protected override void EndProcessing()
        {
            if (!MyInvocation.BoundParameters.ContainsKey(nameof(Connection)) && !MyInvocation.ExpectingInput)
                _connections.AddRange(ConnectionRegistry.Current.All());
            _filter = EventName != null ? new EventNameFilter(EventName) : null;
            _actions = new EventActionQueue(Events);
            WriteVerbose(Describe());
            if (!_actions.CanCount) WriteDebug($"Queued -Action blocks cannot be counted on this host: offering {BlindRounds} boundaries per wake, every {BlindSliceMs} ms while subscriptions with -Action exist.");

            _clock.Start();
            using (_signal = new MailboxSignal())
            {
                foreach (var connection in _connections) connection.Mailbox.Subscribe(_signal);
                EventQueueSignal.Subscribe(Events, _signal);
                // Disconnects and reconnects while this call waits show in -Verbose (written from this thread only).
                _taps = _connections.OfType<SocketIoConnection>().Select(c => c.Tap()).ToList();
                try
                {
                    RunLoop();
                    foreach (var tap in _taps) tap.Drain(this);
                }
                finally
                {
                    foreach (var tap in _taps) tap.Dispose();
                    EventQueueSignal.Unsubscribe(Events, _signal);
                    foreach (var connection in _connections) connection.Mailbox.Unsubscribe(_signal);
                }
            }
            if (StopToken.IsCancellationRequested)
            {
                // Taken but not written (Ctrl+C while the queued actions ran): it goes back to its mailbox.
                if (_outcome == Outcome.Message) _taken[0].Connection.Mailbox.Restore(_taken);
                throw new PipelineStoppedException();
            }
            WriteDebug($"{_steps} loop steps, {_waits} waits, in {_clock.Elapsed.TotalSeconds:0.###} s.");

            switch (_outcome)
            {
                case Outcome.Message:
                    var message = _taken[0];
                    WriteVerbose($"'{message.EventName}' arrived on connection {message.Connection.Id} ({message.Connection.Name}) after {_decidedAt / 1000.0:0.###} s.");
                    WriteObject(message);
                    break;
                case Outcome.Closed:
                    if (_connections.Count == 0) WriteVerbose("There are no connections to wait on.");
                    foreach (var connection in _connections)
                        WriteVerbose($"Connection {connection.Id} ({connection.Name}) is closed for good: {connection.DisconnectReason ?? "closed"}.");
                    break;
                case Outcome.TimedOut:
                    WriteVerbose($"Timed out after {TimeoutSec} s.");
                    break;
            }
        }

        private void RunLoop()
        {
            var throttle = _actions.SetThrottle(ActionsPerBoundary);
            try
            {
                using (_loop = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace))
                {
                    _loop.AddScript(LoopScript, useLocalScope: true).AddArgument(new Func<bool>(Step));
                    _loop.Invoke();
                    if (_loop.HadErrors && _outcome == Outcome.None && !StopToken.IsCancellationRequested)
                    {
                        var error = _loop.Streams.Error.FirstOrDefault();
                        if (error != null) ThrowTerminatingError(error);
                    }
                }
            }
            catch (PSInvalidOperationException e) when (_steps == 0)
            {
                // No nested pipeline possible here: wait in C#; queued actions then run after this cmdlet.
                WriteDebug($"Cannot run a nested pipeline ({e.Message}); -Action blocks do not run during this wait.");
                _actions = new EventActionQueue(null);
                while (Step()) { }
            }
            catch (PipelineStoppedException) when (StopToken.IsCancellationRequested)
            {
            }
            finally
            {
                _loop = null;
                if (throttle is double previous) _actions.SetThrottle(previous);
            }
        }

        /// <summary>
        /// One iteration of the wait loop (on the pipeline thread, between two statement boundaries of the nested
        /// pipeline, where the engine runs queued actions). False ends the loop.
        /// </summary>
        private bool Step()
        {
            _steps++;
            if (StopToken.IsCancellationRequested) return false;
            long now = _clock.ElapsedMilliseconds;
            int pending = _actions.Pending;

            if (_outcome != Outcome.None) // decided: let the actions already queued run, then end
                return pending > 0 && now - _decidedAt < DrainBudgetMs;
            if (pending > 0) _lastActionAt = now;
            if (pending > 0 && now - _lastLook < LookEveryMs) return true;
            if (pending < 0 && _blindRounds > 0) { _blindRounds--; return true; }

            _lastLook = now;
            foreach (var tap in _taps) tap.Drain(this);
            _signal.Reset();
            if (Decide(now))
            {
                _decidedAt = now;
                return pending > 0;
            }
            if (pending > 0) return true;

            int slice = pending < 0 && _actions.HasActions ? BlindSliceMs : IdleSliceMs;
            long left = TimeoutSec < 0 ? slice : Math.Min(slice, TimeoutSec * 1000L - now);
            if (left > 0)
            {
                _waits++;
                try { _signal.Wait((int)left, StopToken); }
                catch (OperationCanceledException) { return false; }
                // In a burst (actions ran a moment ago), let a few more arrive before running them: one wake per
                // batch instead of a thread switch per event. Costs at most ~1 ms of latency, only during bursts.
                if (now - _lastActionAt <= BurstWindowMs) System.Threading.Thread.Sleep(1);
            }
            if (pending < 0) _blindRounds = BlindRounds;
            return true;
        }

        private bool Decide(long now)
        {
            bool finished = _connections.All(c => c.Mailbox.IsCompleted); // read before taking: nothing can follow
            if (_filter != null && TakeOldest(_filter))
                _outcome = Outcome.Message;
            else if (finished)
                _outcome = Outcome.Closed;
            else if (TimeoutSec >= 0 && now >= TimeoutSec * 1000L)
                _outcome = Outcome.TimedOut;
            return _outcome != Outcome.None;
        }

        // The oldest matching message over all connections (arrival order), taken from its mailbox. Each message is
        // examined once: _scanned holds, per connection, the newest sequence known not to match. Another reader that
        // stops mid-batch puts messages back in their old places (Mailbox.Restore), behind that mark: a full look once a
        // second finds those too (at most ReceiveBufferSize messages, about a millisecond).
        private bool TakeOldest(EventNameFilter filter)
        {
            _taken.Clear();
            if (_clock.ElapsedMilliseconds - _lastFullScan >= FullScanEveryMs)
            {
                _scanned.Clear();
                _lastFullScan = _clock.ElapsedMilliseconds;
            }
            while (true)
            {
                Connection? oldest = null;
                long oldestSequence = long.MaxValue;
                foreach (var connection in _connections)
                {
                    _scanned.TryGetValue(connection, out long after);
                    var sequence = connection.Mailbox.PeekSequenceAfter(filter, after, out long newest);
                    if (sequence == null) _scanned[connection] = newest;
                    else if (sequence < oldestSequence) { oldest = connection; oldestSequence = sequence.Value; }
                }
                if (oldest == null) return false;
                if (oldest.Mailbox.Take(filter, 1, _taken) == 1) return true; // else another reader took it meanwhile: look again
            }
        }

        private string Describe()
        {
            var on = _connections.Count == 0 ? "no connections"
                : string.Join(", ", _connections.Select(c => $"connection {c.Id} ({c.Name}, {c.State})"));
            var until = _filter != null ? $"'{_filter.Text}' arrives" : "the connections are closed";
            var timeout = TimeoutSec >= 0 ? $", at most {TimeoutSec} s" : string.Empty;
            return $"Waiting on {on} until {until}{timeout}; -Action blocks run meanwhile.";
        }
    }
}
