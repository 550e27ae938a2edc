using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.SocketIo;

namespace SocketIo.Soak
{
    /// <summary>
    /// Half-open connection: the server is frozen (SIGSTOP: the kernel keeps the TCP connection open and even accepts
    /// new ones, but nothing answers, pings included). Per trial: freeze at a random point of the ping cycle, time
    /// until the client reports the disconnect (must be "ping timeout", within pingInterval + pingTimeout + 1 s), an
    /// emit buffered while frozen, keep it frozen a while (reconnect attempts hang on it), SIGCONT, time until the
    /// namespace is joined again, and check that the buffered emit arrived once.
    /// </summary>
    internal static class HalfOpen
    {
        private sealed class Event
        {
            public string Name = "";
            public DateTime At;
            public string? Reason;
            public bool IsReconnect;
        }

        public static async Task RunAsync(Settings s, Dictionary<string, object?> result, CancellationToken ct)
        {
            var random = new Random(s.Seed);
            string log = Path.Combine(s.Out!, $"halfopen-{s.Transport}.log");
            File.Delete(log);
            var server = await NodeServer.StartAsync(s.Server!, 0, new[]
            {
                "--ping-interval", s.PingInterval.ToString(CultureInfo.InvariantCulture),
                "--ping-timeout", s.PingTimeout.ToString(CultureInfo.InvariantCulture),
                "--log", log, "--tick-rate", "50",
            }, ct).ConfigureAwait(false);
            var events = new List<Event>();
            var options = new SocketIoClientOptions
            {
                // Each reconnect attempt's handshake: a frozen server accepts the TCP connection and never answers.
                ConnectTimeout = TimeSpan.FromMilliseconds(s.ConnectTimeoutMs),
                ReconnectionDelay = TimeSpan.FromMilliseconds(s.ReconnectDelay),
                ReconnectionDelayMax = TimeSpan.FromMilliseconds(s.ReconnectDelayMax),
                RandomizationFactor = 0.5,
            };
            options.Engine.ServerUri = new Uri($"http://127.0.0.1:{server.Port}");
            RestartSoak.ConfigureTransport(options.Engine, s.Transport);
            var manager = new SocketIoManager(options);
            var socket = manager.Socket("/");
            socket.Lifecycle += e => { lock (events) events.Add(new Event { Name = e.Name, At = e.At, Reason = e.Reason, IsReconnect = e.IsReconnect }); };
            var trials = new List<Dictionary<string, object?>>();
            double bound = s.PingInterval + s.PingTimeout + 1000;
            var samples = new List<ProcStats>();
            try
            {
                await socket.ConnectAsync(ct).ConfigureAwait(false);
                samples.Add(ProcStats.Sample("start"));
                Program.Log($"half-open: connected to 127.0.0.1:{server.Port} (pingInterval {s.PingInterval} ms, pingTimeout {s.PingTimeout} ms, bound {bound} ms), {s.Trials} trials");
                for (int t = 0; t < s.Trials; t++)
                {
                    // Freeze at a random point of the ping cycle.
                    await Task.Delay(1000 + random.Next(0, s.PingInterval), ct).ConfigureAwait(false);
                    var trial = new Dictionary<string, object?> { ["trial"] = t + 1, ["transport"] = manager.Engine?.TransportName };
                    int seen;
                    lock (events) seen = events.Count;
                    DateTime lastPing = manager.Engine?.LastPingAt ?? default;
                    var frozenAt = DateTime.UtcNow;
                    server.Freeze();
                    var disconnect = await NextAsync(events, seen, e => e.Name == LifecycleEventNames.Disconnect, TimeSpan.FromMilliseconds(bound + 10000), ct).ConfigureAwait(false);
                    if (disconnect == null)
                    {
                        trial["detected"] = false;
                        trials.Add(trial);
                        server.Thaw();
                        break;
                    }
                    trial["detected"] = true;
                    trial["reason"] = disconnect.Reason;
                    trial["detectMs"] = Math.Round((disconnect.At - frozenAt).TotalMilliseconds, 1);
                    if (lastPing != default) trial["sinceLastPingMs"] = Math.Round((disconnect.At - lastPing).TotalMilliseconds, 1);
                    trial["withinBound"] = (disconnect.At - frozenAt).TotalMilliseconds <= bound;
                    trial["bufferedOutcome"] = (await socket.EmitAsync("s", new object?[] { t }, EmitOptions.Default, ct).ConfigureAwait(false)).ToString();

                    // Stay frozen a while: at least one reconnect attempt meets the frozen server.
                    await Task.Delay(s.FrozenMs, ct).ConfigureAwait(false);
                    int attempts, errors;
                    lock (events)
                    {
                        attempts = events.Skip(seen).Count(e => e.Name == LifecycleEventNames.ReconnectAttempt);
                        errors = events.Skip(seen).Count(e => e.Name == LifecycleEventNames.ReconnectError);
                        seen = events.Count;
                    }
                    trial["attemptsWhileFrozen"] = attempts;
                    trial["failedAttemptsWhileFrozen"] = errors;
                    var thawedAt = DateTime.UtcNow;
                    trial["frozenMs"] = Math.Round((thawedAt - frozenAt).TotalMilliseconds, 0);
                    server.Thaw();
                    var connect = await NextAsync(events, seen, e => e.Name == LifecycleEventNames.Connect && e.IsReconnect, TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
                    if (connect == null)
                    {
                        trial["recovered"] = false;
                        trials.Add(trial);
                        break;
                    }
                    trial["recovered"] = true;
                    trial["recoveryMs"] = Math.Round((connect.At - thawedAt).TotalMilliseconds, 1);
                    await socket.EmitWithAckAsync("flush", Array.Empty<object?>(), TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
                    var arrivals = File.ReadLines(log).Count(l => l.StartsWith("R ", StringComparison.Ordinal) && l.Split(' ')[2] == t.ToString(CultureInfo.InvariantCulture));
                    trial["bufferedArrivals"] = arrivals;
                    trials.Add(trial);
                    Program.Log($"trial {t + 1}: detected after {trial["detectMs"]} ms ({trial["reason"]}), recovered {trial["recoveryMs"]} ms after SIGCONT, buffered emit arrived {arrivals}x");
                }
                samples.Add(ProcStats.Sample("end"));
            }
            finally
            {
                result["variant"] = $"core {s.Transport}";
                result["pingInterval"] = s.PingInterval;
                result["pingTimeout"] = s.PingTimeout;
                result["boundMs"] = bound;
                result["trials"] = trials;
                result["detectMs"] = RestartSoak.Percentiles(trials, "detectMs");
                result["recoveryMs"] = RestartSoak.Percentiles(trials, "recoveryMs");
                result["allWithinBound"] = trials.Count == s.Trials && trials.All(t => t.TryGetValue("withinBound", out var w) && w is true);
                result["allPingTimeout"] = trials.All(t => (t.GetValueOrDefault("reason") as string) == "ping timeout");
                result["allRecovered"] = trials.Count == s.Trials && trials.All(t => t.GetValueOrDefault("recovered") is true);
                result["bufferedExactlyOnce"] = trials.Count == s.Trials && trials.All(t => t.GetValueOrDefault("bufferedArrivals") is int n && n == 1);
                result["samples"] = samples.Select(x => x.ToDictionary()).ToList();
                result["finalState"] = socket.State.ToString();
                try { await socket.DisconnectAsync().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false); } catch (Exception) { }
                manager.Dispose();
                server.Stop();
            }
        }

        private static async Task<Event?> NextAsync(List<Event> events, int from, Func<Event, bool> match, TimeSpan limit, CancellationToken ct)
        {
            var deadline = DateTime.UtcNow + limit;
            while (DateTime.UtcNow < deadline)
            {
                lock (events)
                {
                    var found = events.Skip(from).FirstOrDefault(match);
                    if (found != null) return found;
                }
                await Task.Delay(5, ct).ConfigureAwait(false);
            }
            return null;
        }
    }
}
