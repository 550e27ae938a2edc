using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using SocketIo.Core.SocketIo;

namespace SocketIo.Core.Tests.Infrastructure
{
    /// <summary>Records a socket's lifecycle events in order; <see cref="NextAsync"/> waits for the next one with a name.</summary>
    public sealed class LifecycleRecorder
    {
        private readonly object _gate = new object();
        private readonly List<LifecycleEvent> _all = new List<LifecycleEvent>();
        private readonly Dictionary<string, int> _claimed = new Dictionary<string, int>();
        private TaskCompletionSource<bool> _changed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

        public LifecycleRecorder(NamespaceSocket socket) => socket.Lifecycle += OnEvent;

        public IReadOnlyList<LifecycleEvent> All { get { lock (_gate) return _all.ToList(); } }

        /// <summary>The names so far, in order.</summary>
        public IReadOnlyList<string> Names { get { lock (_gate) return _all.Select(e => e.Name).ToList(); } }

        public int Count(string name) { lock (_gate) return _all.Count(e => e.Name == name); }

        /// <summary>The next event with this name not handed out yet (each is handed out once).</summary>
        public async Task<LifecycleEvent> NextAsync(string name, TimeSpan? timeout = null)
        {
            var limit = timeout ?? Client.Timeout;
            var deadline = DateTime.UtcNow + limit;
            while (true)
            {
                Task changed;
                lock (_gate)
                {
                    _claimed.TryGetValue(name, out int taken);
                    var matching = _all.Where(e => e.Name == name).ToList();
                    if (matching.Count > taken)
                    {
                        _claimed[name] = taken + 1;
                        return matching[taken];
                    }
                    changed = _changed.Task;
                }
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || await Task.WhenAny(changed, Task.Delay(left)) != changed)
                    throw new TimeoutException($"No '{name}' lifecycle event within {limit.TotalSeconds} s; seen: {string.Join(", ", Names)}.");
            }
        }

        private void OnEvent(LifecycleEvent e)
        {
            TaskCompletionSource<bool> changed;
            lock (_gate)
            {
                _all.Add(e);
                changed = _changed;
                _changed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            changed.TrySetResult(true);
        }
    }
}
