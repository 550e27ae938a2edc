using System.Collections.Generic;
using System.Management.Automation;
using System.Runtime.CompilerServices;

namespace SocketIo.PowerShell.Eventing
{
    /// <summary>
    /// Wakes Wait-SocketIoEvent when a Register-SocketIoEvent subscription queued an event into a runspace's event
    /// manager (design.md §2): one per PSEventManager, so a wait in one runspace is not woken by another's events.
    /// </summary>
    internal static class EventQueueSignal
    {
        private static readonly ConditionalWeakTable<PSEventManager, List<MailboxSignal>> Waiters =
            new ConditionalWeakTable<PSEventManager, List<MailboxSignal>>();

        public static void Subscribe(PSEventManager manager, MailboxSignal signal)
        {
            var list = Waiters.GetValue(manager, m => new List<MailboxSignal>());
            lock (list) list.Add(signal);
        }

        public static void Unsubscribe(PSEventManager manager, MailboxSignal signal)
        {
            if (!Waiters.TryGetValue(manager, out var list)) return;
            lock (list) list.Remove(signal);
        }

        /// <summary>Called after an event was queued (on the connection's dispatcher).</summary>
        public static void Set(PSEventManager manager)
        {
            if (!Waiters.TryGetValue(manager, out var list)) return;
            lock (list)
                foreach (var signal in list) signal.Set();
        }
    }
}
