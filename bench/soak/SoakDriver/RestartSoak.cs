using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using SocketIo.Core.Json;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo;
using SocketIo.Core.SocketIo;

namespace SocketIo.Soak
{
    /// <summary>
    /// Kill/restart soak: the server (soak-server.js, logging every arrival synchronously) is SIGKILLed and started
    /// again on the same port after a short random pause, N times, while the client emits `s` (k = 0, 1, 2...) at a
    /// steady rate (buffered mode: socket.io's default emit; retries mode: the at-least-once retry queue) and receives
    /// the server's `tick` stream. See <see cref="Analysis"/> for the definitions of lost, duplicated and out of order.
    /// </summary>
    internal static class RestartSoak
    {
        private sealed class State
        {
            public readonly List<EmitRecord> Emits = new List<EmitRecord>();
            public readonly List<long[]> Ticks = new List<long[]>();
            public readonly List<DateTime> ConnectAt = new List<DateTime>();
            public readonly List<DateTime> DisconnectAt = new List<DateTime>();
            public readonly Dictionary<string, int> Reasons = new Dictionary<string, int>();
            public int Session;
            public int Attempts, ReconnectErrors, ConnectErrors, GaveUp, EmitErrors, PendingOutcomes, HandlerErrors;
            public string? LastEmitError;
        }

        public static async Task RunAsync(Settings s, Dictionary<string, object?> result, CancellationToken ct)
        {
            bool retries = s.Mode == "retries";
            if (!retries && s.Mode != "buffered") throw new ArgumentException($"--mode buffered|retries, got {s.Mode}");
            var random = new Random(s.Seed);
            string log = Path.Combine(s.Out!, $"restart-{s.Mode}-{s.Transport}.log");
            File.Delete(log);
            int gen = 0;
            string[] ServerArgs(int g) => new[]
            {
                "--gen", g.ToString(CultureInfo.InvariantCulture), "--log", log, "--tick-rate", s.TickRate.ToString(CultureInfo.InvariantCulture),
            };

            var server = await NodeServer.StartAsync(s.Server!, 0, ServerArgs(gen), ct).ConfigureAwait(false);
            int port = server.Port;
            var state = new State();
            var options = new SocketIoClientOptions
            {
                ConnectTimeout = TimeSpan.FromSeconds(10),
                ReconnectionDelay = TimeSpan.FromMilliseconds(s.ReconnectDelay),
                ReconnectionDelayMax = TimeSpan.FromMilliseconds(s.ReconnectDelayMax),
                RandomizationFactor = 0.5,
            };
            options.Engine.ServerUri = new Uri($"http://127.0.0.1:{port}");
            ConfigureTransport(options.Engine, s.Transport);
            var manager = new SocketIoManager(options);
            var socket = manager.Socket("/");
            manager.HandlerError += _ => { lock (state) state.HandlerErrors++; };
            socket.Lifecycle += e =>
            {
                lock (state)
                {
                    switch (e.Name)
                    {
                        case LifecycleEventNames.Connect: state.Session++; state.ConnectAt.Add(e.At); break;
                        case LifecycleEventNames.Disconnect:
                            state.DisconnectAt.Add(e.At);
                            state.Reasons[e.Reason ?? "?"] = state.Reasons.GetValueOrDefault(e.Reason ?? "?") + 1;
                            if (!e.WillReconnect) state.GaveUp++;
                            break;
                        case LifecycleEventNames.ReconnectAttempt: state.Attempts++; break;
                        case LifecycleEventNames.ReconnectError: state.ReconnectErrors++; break;
                        case LifecycleEventNames.ConnectError: state.ConnectErrors++; break;
                        case LifecycleEventNames.ReconnectFailed: state.GaveUp++; break;
                    }
                }
            };
            socket.EventSent += o =>
            {
                if (o.EventName != "s") return;
                long k = Convert.ToInt64(o.Arguments[0], CultureInfo.InvariantCulture);
                lock (state)
                {
                    var record = state.Emits[(int)k];
                    record.Session = state.Session;
                    record.Writes++;
                }
            };
            socket.EventReceived += ev =>
            {
                if (ev.EventName != "tick" || ev.Arguments.Length < 2) return;
                var tick = new[] { Convert.ToInt64(ev.Arguments[0], CultureInfo.InvariantCulture), Convert.ToInt64(ev.Arguments[1], CultureInfo.InvariantCulture) };
                lock (state) state.Ticks.Add(tick);
            };

            var emitOptions = retries ? new EmitOptions { Retries = s.Retries, AckTimeout = TimeSpan.FromMilliseconds(s.AckTimeoutMs) } : EmitOptions.Default;
            var cycles = new List<Dictionary<string, object?>>();
            var samples = new List<ProcStats>();
            using var stopEmitting = CancellationTokenSource.CreateLinkedTokenSource(ct);
            Task? emitter = null;
            var wall = Stopwatch.StartNew();
            try
            {
                await socket.ConnectAsync(ct).ConfigureAwait(false);
                Program.Log($"restart soak ({s.Mode}, {s.Transport}): connected to 127.0.0.1:{port}; {s.Cycles} cycles, emitting {s.Rate}/s, server stream {s.TickRate}/s");
                emitter = EmitLoopAsync(socket, state, emitOptions, s.Rate, stopEmitting.Token);

                for (int c = 0; c < s.Cycles; c++)
                {
                    await Task.Delay(random.Next(s.UpMs.Min, s.UpMs.Max + 1), ct).ConfigureAwait(false);
                    // start: after the first up phase; warm: once a tenth of the cycles ran (every path JIT-compiled,
                    // pools grown): flatness is judged from there to the end.
                    if (c == 0) samples.Add(ProcStats.Sample("start"));
                    if (c == Math.Max(1, s.Cycles / 10)) samples.Add(ProcStats.Sample($"warm (cycle {c})"));
                    else if (c > 0 && c % 25 == 0) samples.Add(ProcStats.Sample($"cycle {c}"));
                    int sessionBefore, disconnectsBefore;
                    lock (state)
                    {
                        sessionBefore = state.Session;
                        disconnectsBefore = state.DisconnectAt.Count;
                    }
                    var killAt = DateTime.UtcNow;
                    server.Kill();
                    int down = random.Next(s.DownMs.Min, s.DownMs.Max + 1);
                    await Task.Delay(down, ct).ConfigureAwait(false);
                    gen++;
                    var startAt = DateTime.UtcNow;
                    server = await NodeServer.StartAsync(s.Server!, port, ServerArgs(gen), ct).ConfigureAwait(false);
                    var readyAt = DateTime.UtcNow;
                    var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
                    while (true)
                    {
                        lock (state) if (state.Session > sessionBefore) break;
                        if (DateTime.UtcNow > deadline) break;
                        await Task.Delay(5, ct).ConfigureAwait(false);
                    }
                    var cycle = new Dictionary<string, object?> { ["cycle"] = c, ["downMs"] = down, ["startMs"] = (readyAt - startAt).TotalMilliseconds };
                    lock (state)
                    {
                        if (state.DisconnectAt.Count > disconnectsBefore) cycle["detectMs"] = (state.DisconnectAt[disconnectsBefore] - killAt).TotalMilliseconds;
                        if (state.Session > sessionBefore)
                        {
                            var connectAt = state.ConnectAt[sessionBefore];
                            cycle["outageMs"] = (connectAt - killAt).TotalMilliseconds;
                            cycle["afterReadyMs"] = (connectAt - readyAt).TotalMilliseconds;
                        }
                        else cycle["reconnectTimeout"] = true;
                    }
                    cycles.Add(cycle);
                    if ((c + 1) % 10 == 0)
                    {
                        lock (state)
                            Program.Log($"cycle {c + 1}/{s.Cycles}: sessions {state.Session}, emitted {state.Emits.Count}, ticks {state.Ticks.Count}, buffered {socket.BufferedEmits}, queued {socket.QueuedRetries}, state {socket.State}");
                    }
                }

                // The end: one more up phase, stop emitting, let the buffer/queue drain, stop the server stream, flush.
                await Task.Delay(s.UpMs.Max, ct).ConfigureAwait(false);
                samples.Add(ProcStats.Sample($"last (after cycle {s.Cycles})"));
                stopEmitting.Cancel();
                await emitter.ConfigureAwait(false);
                await WaitAsync(() => { lock (state) return state.PendingOutcomes == 0; } , TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
                await WaitAsync(() => socket.BufferedEmits == 0 && socket.QueuedRetries == 0, TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
                var stopped = (OrderedJsonObject)(await socket.EmitWithAckAsync("ticks-stop", Array.Empty<object?>(), TimeSpan.FromSeconds(10), ct).ConfigureAwait(false))[0]!;
                await Task.Delay(500, ct).ConfigureAwait(false); // ticks already on the wire
                var flushed = (OrderedJsonObject)(await socket.EmitWithAckAsync("flush", Array.Empty<object?>(), TimeSpan.FromSeconds(10), ct).ConfigureAwait(false))[0]!;
                samples.Add(ProcStats.Sample("end"));

                ClientRecord record;
                lock (state)
                {
                    record = new ClientRecord
                    {
                        Emits = state.Emits.ToList(),
                        Ticks = state.Ticks.ToList(),
                        FinalSession = state.Session,
                        StopGen = Convert.ToInt32(stopped["gen"], CultureInfo.InvariantCulture),
                        StopLast = Convert.ToInt64(stopped["last"], CultureInfo.InvariantCulture),
                        AtLeastOnce = retries,
                    };
                }
                result["variant"] = $"core {s.Mode} {s.Transport}";
                result["cycles"] = s.Cycles;
                result["seconds"] = Math.Round(wall.Elapsed.TotalSeconds, 1);
                result["rate"] = s.Rate;
                result["tickRate"] = s.TickRate;
                result["serverReceivedLastGen"] = flushed["received"];
                foreach (var pair in Analysis.Run(record, log)) result[pair.Key] = pair.Value;
                result["log"] = log;
            }
            finally
            {
                stopEmitting.Cancel();
                if (emitter != null) try { await emitter.ConfigureAwait(false); } catch (OperationCanceledException) { }
                lock (state)
                {
                    result["sessions"] = state.Session;
                    result["reconnectAttempts"] = state.Attempts;
                    result["reconnectErrors"] = state.ReconnectErrors;
                    result["connectErrors"] = state.ConnectErrors;
                    result["gaveUp"] = state.GaveUp;
                    result["emitErrors"] = state.EmitErrors;
                    result["lastEmitError"] = state.LastEmitError;
                    result["handlerErrors"] = state.HandlerErrors;
                    result["disconnectReasons"] = new Dictionary<string, int>(state.Reasons);
                }
                result["socketReconnects"] = socket.Reconnects;
                result["emitsDiscarded"] = socket.EmitsDiscarded;
                result["volatileDropped"] = socket.VolatileDropped;
                result["finalState"] = socket.State.ToString();
                result["transportAtEnd"] = manager.Engine?.TransportName;
                result["cycleDetail"] = cycles;
                result["samples"] = samples.Select(x => x.ToDictionary()).ToList();
                result["reconnectTimeouts"] = cycles.Count(c => c.ContainsKey("reconnectTimeout"));
                result["outageMs"] = Percentiles(cycles, "outageMs");
                result["afterReadyMs"] = Percentiles(cycles, "afterReadyMs");
                result["detectMs"] = Percentiles(cycles, "detectMs");
                result["serverStartMs"] = Percentiles(cycles, "startMs");
                try { await socket.DisconnectAsync().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false); } catch (Exception) { }
                manager.Dispose();
                server.Stop();
            }
        }

        private static async Task EmitLoopAsync(NamespaceSocket socket, State state, EmitOptions options, int rate, CancellationToken stop)
        {
            await Task.Yield();
            var clock = Stopwatch.StartNew();
            long k = 0;
            while (!stop.IsCancellationRequested)
            {
                long due = (long)(clock.Elapsed.TotalSeconds * rate);
                while (k < due && !stop.IsCancellationRequested) Emit(socket, state, options, k++);
                try { await Task.Delay(5, stop).ConfigureAwait(false); }
                catch (OperationCanceledException) { break; }
            }
        }

        private static void Emit(NamespaceSocket socket, State state, EmitOptions options, long k)
        {
            var record = new EmitRecord { K = k };
            lock (state)
            {
                record.EmitSession = state.Session;
                state.Emits.Add(record);
                state.PendingOutcomes++;
            }
            Task<EmitOutcome> task;
            try
            {
                task = socket.EmitAsync("s", new object?[] { k }, options, CancellationToken.None);
            }
            catch (Exception e)
            {
                task = Task.FromException<EmitOutcome>(e);
            }
            if (task.IsCompleted) RecordOutcome(state, record, task);
            else _ = task.ContinueWith(t => RecordOutcome(state, record, t), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        private static void RecordOutcome(State state, EmitRecord record, Task<EmitOutcome> task)
        {
            lock (state)
            {
                state.PendingOutcomes--;
                if (task.IsCompletedSuccessfully) record.Outcome = task.Result.ToString();
                else
                {
                    record.Outcome = "Error";
                    state.EmitErrors++;
                    state.LastEmitError = task.Exception?.GetBaseException().Message;
                }
            }
        }

        internal static async Task WaitAsync(Func<bool> condition, TimeSpan limit, CancellationToken ct)
        {
            var deadline = DateTime.UtcNow + limit;
            while (!condition() && DateTime.UtcNow < deadline) await Task.Delay(10, ct).ConfigureAwait(false);
        }

        internal static void ConfigureTransport(EngineOptions engine, string transport)
        {
            engine.Transports = transport switch
            {
                "websocket" => EngineTransports.WebSocket,
                "polling" => EngineTransports.Polling,
                "default" => EngineTransports.PollingAndWebSocket,
                _ => throw new ArgumentException($"--transport default|websocket|polling, got {transport}"),
            };
        }

        internal static Dictionary<string, object?> Percentiles(List<Dictionary<string, object?>> rows, string key)
        {
            var values = rows.Where(r => r.TryGetValue(key, out var v) && v is double).Select(r => (double)r[key]!).OrderBy(v => v).ToList();
            return Percentiles(values);
        }

        internal static Dictionary<string, object?> Percentiles(List<double> sorted)
        {
            double At(double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
            return new Dictionary<string, object?>
            {
                ["n"] = sorted.Count,
                ["p50"] = sorted.Count == 0 ? null : Math.Round(At(0.50), 1),
                ["p99"] = sorted.Count == 0 ? null : Math.Round(At(0.99), 1),
                ["max"] = sorted.Count == 0 ? null : Math.Round(sorted[sorted.Count - 1], 1),
            };
        }
    }
}
