using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.OctoPrint;
using SocketIo.Core.SockJs;

namespace SocketIo.Core.Tests.OctoPrint
{
    /// <summary>An OctoPrintClient against a simulator, recording everything it raises, in dispatch order.</summary>
    public sealed class OctoPrintTestClient : IDisposable
    {
        public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

        private readonly object _gate = new object();
        private readonly List<OctoPrintMessage> _messages = new List<OctoPrintMessage>();
        private readonly List<string> _log = new List<string>();

        public OctoPrintTestClient(OctoPrintSimulator simulator, Action<OctoPrintClientOptions>? configure = null)
        {
            var options = new OctoPrintClientOptions
            {
                BaseUri = simulator.BaseUri,
                ApiKey = OctoPrintSimulator.ApiKey,
                ConnectTimeout = Timeout,
                TransportTimeout = TimeSpan.FromSeconds(3),
            };
            configure?.Invoke(options);
            Client = new OctoPrintClient(options);
            Client.MessageReceived += m => { lock (_gate) { _messages.Add(m); _log.Add("message:" + m); } };
            Client.StateChanged += s => Add("state:" + s);
            Client.Disconnected += r => Add("disconnected:" + r);
            Client.Reconnecting += (attempt, delay) => Add($"reconnecting:{attempt}:{delay.TotalSeconds}");
            Client.ThrottleChanged += (old, now) => Add($"throttle:{old}->{now}");
            Client.HandlerError += e => Add("handler-error:" + e.Message);
        }

        public OctoPrintClient Client { get; }

        public IReadOnlyList<string> Log { get { lock (_gate) return _log.ToList(); } }

        public IReadOnlyList<OctoPrintMessage> Messages { get { lock (_gate) return _messages.ToList(); } }

        public static async Task<OctoPrintTestClient> ConnectAsync(OctoPrintSimulator simulator, Action<OctoPrintClientOptions>? configure = null)
        {
            var client = new OctoPrintTestClient(simulator, configure);
            try
            {
                await client.Client.ConnectAsync(CancellationToken.None).WaitAsync(Timeout + Timeout);
                return client;
            }
            catch
            {
                client.Dispose();
                throw;
            }
        }

        public int Count(Func<OctoPrintMessage, bool> match)
        {
            lock (_gate) return _messages.Count(match);
        }

        /// <summary>Waits until at least <paramref name="count"/> messages match.</summary>
        public async Task<OctoPrintMessage> WaitForMessageAsync(Func<OctoPrintMessage, bool> match, string what, int count = 1, TimeSpan? timeout = null)
        {
            OctoPrintMessage? found = null;
            await Eventually.TrueAsync(() =>
            {
                lock (_gate)
                {
                    var matches = _messages.Where(match).ToList();
                    if (matches.Count < count) return false;
                    found = matches[count - 1];
                    return true;
                }
            }, timeout ?? Timeout, what + "\nlog: " + string.Join(", ", Log.TakeLast(30)));
            return found!;
        }

        public Task WaitForLogAsync(string entry, TimeSpan? timeout = null) =>
            Eventually.TrueAsync(() => { lock (_gate) return _log.Contains(entry); }, timeout ?? Timeout,
                $"'{entry}' in the log: " + string.Join(", ", Log.TakeLast(30)));

        public void Dispose() => Client.Dispose();

        private void Add(string entry)
        {
            lock (_gate) _log.Add(entry);
        }
    }

    public static class Eventually
    {
        /// <summary>Polls a condition every 20 ms until it holds; fails naming <paramref name="what"/> after the timeout.</summary>
        public static async Task TrueAsync(Func<bool> condition, TimeSpan timeout, string what)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (!condition())
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out after {timeout.TotalSeconds} s waiting for: {what}");
                await Task.Delay(20);
            }
        }

        public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (!await condition())
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out after {timeout.TotalSeconds} s waiting for: {what}");
                await Task.Delay(20);
            }
        }
    }
}
