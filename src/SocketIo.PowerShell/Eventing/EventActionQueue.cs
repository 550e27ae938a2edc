using System;
using System.Collections;
using System.Linq;
using System.Management.Automation;
using System.Reflection;

namespace SocketIo.PowerShell.Eventing
{
    /// <summary>
    /// A look at the -Action blocks a runspace's event manager has queued but not run yet. PowerShell runs them only at
    /// statement boundaries of a running pipeline (about two per boundary), never while a compiled cmdlet blocks the
    /// pipeline thread; Wait-SocketIoEvent therefore runs its wait loop as a small nested pipeline and needs to know
    /// whether actions are waiting.
    /// </summary>
    internal sealed class EventActionQueue
    {
        // PSLocalEventManager keeps them in a private Queue<EventAction> (_actionQueue in PowerShell 7; found by type,
        // not name, so another spelling in Windows PowerShell works too). Only its Count is read, as a hint.
        private static readonly FieldInfo? QueueField = FindQueueField();

        // Its throttle (_throttleLimit = 1): a statement boundary runs about throttle + 1 actions, and each boundary that
        // leaves actions queued also queues a thread-pool work item that sleeps 100 ms before pulsing the engine. With
        // a backlog of hundreds of actions that floods the thread pool with sleepers and starves the connection's own
        // receive loop and dispatcher (measured: deliveries stalled ~1.7 s behind 900 queued actions). Raising the
        // throttle while Wait-SocketIoEvent runs lets one boundary run a batch instead; it is restored afterwards.
        private static readonly FieldInfo? ThrottleField = FindThrottleField();

        private readonly PSEventManager? _events;
        private readonly ICollection? _queue;

        /// <param name="events">The runspace's event manager; null for "nothing is ever queued".</param>
        public EventActionQueue(PSEventManager? events)
        {
            _events = events;
            if (events == null) { _queue = new object[0]; return; }
            try
            {
                if (QueueField != null && QueueField.DeclaringType!.IsInstanceOfType(events)) _queue = QueueField.GetValue(events) as ICollection;
            }
            catch (Exception)
            {
                _queue = null;
            }
        }

        /// <summary>False when this host does not let the queue be counted; <see cref="Pending"/> is then -1.</summary>
        public bool CanCount => _queue != null;

        /// <summary>Actions waiting to run, or -1 when that cannot be known.</summary>
        public int Pending => _queue?.Count ?? -1;

        /// <summary>Sets the engine's per-boundary action throttle; returns the previous value, or null when it cannot be
        /// set (then nothing changed). Call on the pipeline thread, and restore the previous value afterwards.</summary>
        public double? SetThrottle(double value)
        {
            if (ThrottleField == null || _events == null || !ThrottleField.DeclaringType!.IsInstanceOfType(_events)) return null;
            try
            {
                var previous = (double)ThrottleField.GetValue(_events)!;
                ThrottleField.SetValue(_events, value);
                return previous;
            }
            catch (Exception)
            {
                return null;
            }
        }

        /// <summary>True when some subscription of this runspace has an -Action.</summary>
        public bool HasActions
        {
            get
            {
                try { return _events != null && _events.Subscribers.Any(s => s.Action != null); }
                catch (InvalidOperationException) { return true; } // the list changed while we looked: assume so
            }
        }

        private static FieldInfo? FindThrottleField()
        {
            try
            {
                var type = typeof(PSEventManager).Assembly.GetType("System.Management.Automation.PSLocalEventManager", throwOnError: false);
                return type?.GetFields(BindingFlags.Instance | BindingFlags.NonPublic).FirstOrDefault(f =>
                    f.FieldType == typeof(double) && f.Name.IndexOf("throttleLimit", StringComparison.OrdinalIgnoreCase) >= 0);
            }
            catch (Exception)
            {
                return null;
            }
        }

        private static FieldInfo? FindQueueField()
        {
            try
            {
                var type = typeof(PSEventManager).Assembly.GetType("System.Management.Automation.PSLocalEventManager", throwOnError: false);
                return type?.GetFields(BindingFlags.Instance | BindingFlags.NonPublic).FirstOrDefault(f =>
                    f.FieldType.IsGenericType && f.FieldType.Name.StartsWith("Queue`", StringComparison.Ordinal)
                    && f.FieldType.GetGenericArguments()[0].Name == "EventAction");
            }
            catch (Exception)
            {
                return null;
            }
        }
    }
}
