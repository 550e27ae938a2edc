using System;
using System.Collections.Generic;
using System.Threading;

namespace SocketIo.PowerShell.Eventing
{
    /// <summary>
    /// The distinct event names seen on one connection, for tab completion: the first <see cref="Capacity"/> names
    /// only, so a server that makes up names (ids, timestamps) cannot grow it without bound. Adding a name already
    /// known costs one hash lookup under an uncontended lock (the connection's dispatcher is the only writer).
    /// </summary>
    internal sealed class EventNameCatalog
    {
        public const int Capacity = 1000;

        private readonly HashSet<string> _names = new HashSet<string>(StringComparer.Ordinal);

        public int Count { get { lock (_names) return _names.Count; } }

        // The last name added: a flood of one event name skips the lock and the hash (written and read by the
        // dispatcher only; a stale read just takes the slow path).
        private string? _last;

        public void Add(string? name)
        {
            if (string.IsNullOrEmpty(name)) return;
            if (string.Equals(Volatile.Read(ref _last), name, StringComparison.Ordinal)) return;
            lock (_names)
            {
                if (_names.Count < Capacity) _names.Add(name!);
                if (_names.Contains(name!)) Volatile.Write(ref _last, name);
            }
        }

        public string[] Snapshot()
        {
            lock (_names)
            {
                var names = new string[_names.Count];
                _names.CopyTo(names);
                return names;
            }
        }
    }
}
