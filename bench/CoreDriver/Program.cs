using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo;
using SocketIo.Core.SocketIo;

namespace SocketIo.Bench
{
    /// <summary>
    /// Runs one benchmark scenario with the SocketIo core against tests/servers/bench-server.js and prints one line
    /// "RESULT {json}" (same fields and definitions as bench/node-client.js):
    ///   CoreDriver --url http://127.0.0.1:PORT --scenario flood|ack|sink|binary|connect|many [--transport websocket|polling]
    ///              [--n N] [--warmup N] [--size BYTES] [--rate EV_PER_S] [--parallel N] [--idle-ms MS] [--timeout-sec S]
    ///              [--release-attachments yes|no]   binary: give each event's buffer back (IncomingEvent.ReleaseAttachments)
    ///   CoreDriver --probe-transport polling      prints "yes" when the core can be told to use that transport
    /// The handlers do what a user's would and no more: count, read the payload's timestamp, store a latency.
    /// </summary>
    internal static class Program
    {
        private static readonly Dictionary<string, object?> Result = new Dictionary<string, object?>();
        private static Settings _settings = null!;

        private static async Task<int> Main(string[] args)
        {
            _settings = Settings.Parse(args);
            if (_settings.ProbeTransport != null)
            {
                Console.WriteLine(TryConfigureTransport(new EngineOptions(), _settings.ProbeTransport) ? "yes" : "no");
                return 0;
            }
            Result["client"] = "core";
            Result["scenario"] = _settings.Scenario;
            Result["transport"] = _settings.Transport;
            Result["n"] = _settings.N;
            int exitCode = 0;
            try
            {
                if (!TryConfigureTransport(new EngineOptions(), _settings.Transport))
                {
                    Result["status"] = "n/a";
                    Result["note"] = $"core has no {_settings.Transport} yet";
                }
                else
                {
                    Result["status"] = "ok";
                    await RunAsync().ConfigureAwait(false);
                    Result["peakRssMB"] = ProcStatus.Read().HwmKB / 1024.0;
                }
            }
            catch (Exception e)
            {
                Result["status"] = "error";
                Result["note"] = e.GetType().Name + ": " + e.Message;
                exitCode = 1;
            }
            Console.Out.WriteLine("RESULT " + JsonSerializer.Serialize(Result));
            Console.Out.Flush();
            return exitCode;
        }

        private static async Task RunAsync()
        {
            int warm = Math.Max(1, _settings.Warmup);
            switch (_settings.Scenario)
            {
                case "flood": await FloodAsync(warm, false); await FloodAsync(_settings.N, true); break;
                case "binary": await BinaryAsync(warm, false); await BinaryAsync(_settings.N, true); break;
                case "ack": await AckAsync(warm, false); await AckAsync(_settings.N, true); break;
                case "sink": await SinkAsync(warm, false); await SinkAsync(_settings.N, true); break;
                case "connect": await ConnectLoopAsync(warm, false); await ConnectLoopAsync(_settings.N, true); break;
                case "many": await ManyAsync(_settings.N); break;
                default: throw new ArgumentException($"unknown scenario '{_settings.Scenario}'");
            }
        }

        // ---- scenarios ----

        private static async Task FloodAsync(int n, bool measure)
        {
            var (manager, socket) = await ConnectAsync(("scenario", "flood"), ("n", Str(n)), ("size", Str(_settings.Size > 0 ? _settings.Size : 64)), ("rate", Str(_settings.Rate)));
            var clock = await SyncClockAsync(socket);
            var latencies = new double[n];
            var inProcess = new double[n];
            int count = 0, maxQueued = 0;
            var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            socket.EventReceived += e =>
            {
                if (e.EventName != "e") return;
                double received = NowMs();
                var data = (IDictionary)e.Arguments[0]!;
                latencies[count] = received + clock.Offset - Convert.ToDouble(data["t"], CultureInfo.InvariantCulture);
                inProcess[count] = (DateTime.UtcNow - e.ReceivedAt).TotalMilliseconds; // decoded -> handler: the part inside this process
                // Diagnostic: events decoded and waiting for the dispatcher (a backlog inside the process).
                if ((count & 255) == 0) maxQueued = Math.Max(maxQueued, manager.Dispatcher.Pending);
                if (++count == n) done.TrySetResult(true);
            };
            var phase = Phase.Start();
            await socket.EmitAsync("start", Array.Empty<object?>(), CancellationToken.None);
            await WaitAsync(done.Task, () => $"flood: {Volatile.Read(ref count)} of {n} events");
            if (measure)
            {
                phase.Finish(count);
                Result["rate"] = count / phase.Seconds;
                Result["unit"] = "ev/s";
                Latency(latencies);
                Result["maxQueued"] = maxQueued;
                Array.Sort(inProcess);
                Result["inProcP50"] = inProcess[n / 2];
                Result["clockOffsetMs"] = clock.Measured;
                Result["sharedClock"] = clock.Shared;
            }
            await CloseAsync(manager, socket);
        }

        private static async Task BinaryAsync(int n, bool measure)
        {
            int size = _settings.Size > 0 ? _settings.Size : 1 << 20;
            var (manager, socket) = await ConnectAsync(("scenario", "binary"), ("n", Str(n)), ("size", Str(size)));
            var clock = await SyncClockAsync(socket);
            var latencies = new double[n];
            int count = 0;
            long bytes = 0;
            var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            socket.EventReceived += e =>
            {
                if (e.EventName != "b") return;
                double received = NowMs();
                bytes += ((byte[])e.Arguments[0]!).Length;
                var meta = (IDictionary)e.Arguments[1]!;
                latencies[count] = received + clock.Offset - Convert.ToDouble(meta["t"], CultureInfo.InvariantCulture);
                if (_settings.ReleaseAttachments) e.ReleaseAttachments(); // done with the buffer: the client may reuse it
                if (++count == n) done.TrySetResult(true);
            };
            var phase = Phase.Start();
            await socket.EmitAsync("start", Array.Empty<object?>(), CancellationToken.None);
            await WaitAsync(done.Task, () => $"binary: {Volatile.Read(ref count)} of {n} events");
            if (measure)
            {
                phase.Finish(count);
                Result["bytes"] = bytes;
                Result["rate"] = bytes / 1e6 / phase.Seconds;
                Result["unit"] = "MB/s";
                Latency(latencies);
            }
            await CloseAsync(manager, socket);
        }

        private static async Task AckAsync(int n, bool measure)
        {
            var (manager, socket) = await ConnectAsync(("scenario", "ack"));
            var latencies = new double[n];
            string pad = Padding(_settings.Size > 0 ? _settings.Size : 64);
            var timeout = TimeSpan.FromSeconds(_settings.TimeoutSec);
            var phase = Phase.Start();
            for (int i = 0; i < n; i++)
            {
                double t0 = NowMs();
                await socket.EmitWithAckAsync("a", new object?[] { Payload(i, pad) }, timeout, CancellationToken.None);
                latencies[i] = NowMs() - t0;
            }
            if (measure)
            {
                phase.Finish(n);
                Result["rate"] = n / phase.Seconds;
                Result["unit"] = "ev/s";
                Latency(latencies);
            }
            await CloseAsync(manager, socket);
        }

        private static async Task SinkAsync(int n, bool measure)
        {
            var (manager, socket) = await ConnectAsync(("scenario", "sink"));
            string pad = Padding(_settings.Size > 0 ? _settings.Size : 64);
            var phase = Phase.Start();
            // As node's `socket.emit` in a loop: each emit is queued in order and not awaited one by one (a user who
            // awaits each waits for its write, one batch per emit); the ack'd flush behind them says all arrived.
            Task last = Task.CompletedTask;
            for (int i = 0; i < n; i++)
                last = socket.EmitAsync("s", new object?[] { Payload(i, pad) }, CancellationToken.None);
            await last;
            var reply = await socket.EmitWithAckAsync("flush", Array.Empty<object?>(), TimeSpan.FromSeconds(_settings.TimeoutSec), CancellationToken.None);
            long received = Convert.ToInt64(reply[0], CultureInfo.InvariantCulture);
            if (measure)
            {
                phase.Finish(received);
                Result["rate"] = n / phase.Seconds;
                Result["unit"] = "ev/s";
                Result["lost"] = n - received;
            }
            await CloseAsync(manager, socket);
        }

        private static async Task ConnectLoopAsync(int n, bool measure)
        {
            var latencies = new double[n];
            var phase = Phase.Start();
            for (int i = 0; i < n; i++)
            {
                double t0 = NowMs();
                var (manager, socket) = await ConnectAsync(("scenario", "connect"));
                latencies[i] = NowMs() - t0;
                await CloseAsync(manager, socket);
            }
            if (measure)
            {
                phase.Finish(n);
                Result["rate"] = n / phase.Seconds;
                Result["unit"] = "conn/s";
                Latency(latencies);
            }
        }

        private static async Task ManyAsync(int n)
        {
            // Warm-up: one connection, so the code paths are loaded before the baseline is taken.
            var (m0, s0) = await ConnectAsync(("scenario", "many"));
            await CloseAsync(m0, s0);
            await Task.Delay(200);
            Collect();
            var before = ProcStatus.Read();
            Collect(aggressive: true);
            var beforeAggressive = ProcStatus.Read();
            long managedBefore = GC.GetTotalMemory(true);
            var phase = Phase.Start();
            var connections = new List<(SocketIoManager Manager, NamespaceSocket Socket)>(n);
            for (int i = 0; i < n; i += _settings.Parallel)
            {
                var batch = Enumerable.Range(i, Math.Min(_settings.Parallel, n - i)).Select(_ => ConnectAsync(("scenario", "many")));
                connections.AddRange(await WaitAsync(Task.WhenAll(batch), () => $"many: {connections.Count} of {n} connected"));
            }
            double connectSeconds = phase.Elapsed;
            await Task.Delay(_settings.IdleMs);
            Collect();
            phase.Finish(connections.Count);
            var after = ProcStatus.Read();
            Result["connectSeconds"] = connectSeconds;
            Result["rate"] = n / connectSeconds;
            Result["unit"] = "conn/s";
            Result["memPerConnKB"] = (after.RssKB - before.RssKB) / (double)n;
            // The same after an aggressive GC, which gives back what the GC merely keeps committed for reuse (free
            // regions left by the connect storm), and the live managed heap: what the connections themselves hold.
            Result["managedPerConnKB"] = (GC.GetTotalMemory(true) - managedBefore) / 1024.0 / n;
            Collect(aggressive: true);
            Result["memPerConnAggressiveKB"] = (ProcStatus.Read().RssKB - beforeAggressive.RssKB) / (double)n;
            Result["connected"] = connections.Count(c => c.Socket.State == SocketIo.Core.ConnectionState.Connected);
            await Task.WhenAll(connections.Select(c => CloseAsync(c.Manager, c.Socket)));
        }

        // ---- connection helpers ----

        private static async Task<(SocketIoManager, NamespaceSocket)> ConnectAsync(params (string Key, string Value)[] query)
        {
            var options = new SocketIoClientOptions { ConnectTimeout = TimeSpan.FromSeconds(_settings.TimeoutSec) };
            options.Engine.ServerUri = new Uri(_settings.Url);
            foreach (var (key, value) in query) options.Engine.Query.Add(new KeyValuePair<string, string>(key, value));
            if (!TryConfigureTransport(options.Engine, _settings.Transport)) throw new NotSupportedException($"core has no {_settings.Transport} yet");
            var manager = new SocketIoManager(options);
            var socket = manager.Socket("/");
            await socket.ConnectAsync(CancellationToken.None);
            var actual = manager.Engine?.TransportName;
            if (actual != _settings.Transport) throw new InvalidOperationException($"connected over {actual}, not {_settings.Transport}");
            return (manager, socket);
        }

        private static async Task CloseAsync(SocketIoManager manager, NamespaceSocket socket)
        {
            await socket.DisconnectAsync();
            manager.Dispose();
        }

        /// <summary>
        /// The core has only WebSocket today. When a transport option lands on EngineOptions (a property named
        /// Transports or Transport: string, string[], a list of strings or an enum), it is set here, so polling rows
        /// start measuring without a change to the benchmark. Otherwise only "websocket" is possible.
        /// </summary>
        private static bool TryConfigureTransport(EngineOptions engine, string transport)
        {
            var property = typeof(EngineOptions).GetProperty("Transports") ?? typeof(EngineOptions).GetProperty("Transport");
            if (property == null) return transport == "websocket";
            var type = property.PropertyType;
            if (type == typeof(string) && property.CanWrite) property.SetValue(engine, transport);
            else if (type == typeof(string[]) && property.CanWrite) property.SetValue(engine, new[] { transport });
            else if (typeof(IList<string>).IsAssignableFrom(type) && property.GetValue(engine) is IList<string> list && !list.IsReadOnly)
            {
                list.Clear();
                list.Add(transport);
            }
            else if (type.IsEnum && property.CanWrite) property.SetValue(engine, Enum.Parse(type, transport, ignoreCase: true));
            else return transport == "websocket";
            return true;
        }

        /// <summary>offset = server clock - client clock, from the round trip with the smallest RTT; when the offset
        /// is within that RTT both read one clock (CLOCK_MONOTONIC on Linux) and 0 is used.</summary>
        private static async Task<(double Offset, double Measured, bool Shared)> SyncClockAsync(NamespaceSocket socket)
        {
            double bestRtt = double.MaxValue, bestOffset = 0;
            for (int k = 0; k < 7; k++)
            {
                double c0 = NowMs();
                var reply = await socket.EmitWithAckAsync("clock", Array.Empty<object?>(), TimeSpan.FromSeconds(10), CancellationToken.None);
                double c1 = NowMs();
                double server = Convert.ToDouble(reply[0], CultureInfo.InvariantCulture);
                if (c1 - c0 < bestRtt) { bestRtt = c1 - c0; bestOffset = server - (c0 + c1) / 2; }
            }
            bool shared = Math.Abs(bestOffset) <= bestRtt;
            return (shared ? 0 : bestOffset, bestOffset, shared);
        }

        private static async Task WaitAsync(Task task, Func<string> what)
        {
            try { await task.WaitAsync(TimeSpan.FromSeconds(_settings.TimeoutSec)); }
            catch (TimeoutException) { throw new TimeoutException("timed out: " + what()); }
        }

        private static async Task<T> WaitAsync<T>(Task<T> task, Func<string> what)
        {
            try { return await task.WaitAsync(TimeSpan.FromSeconds(_settings.TimeoutSec)); }
            catch (TimeoutException) { throw new TimeoutException("timed out: " + what()); }
        }

        // ---- measuring ----

        private static double NowMs() => Stopwatch.GetTimestamp() * 1000.0 / Stopwatch.Frequency; // CLOCK_MONOTONIC on Linux

        private static string Str(long value) => value.ToString(CultureInfo.InvariantCulture);

        // ~64-byte packets, as node-client.js sends: 42["s",{"i":123,"p":"xxx..."}]
        private static string Padding(int size) => new string('x', Math.Max(0, size - "42[\"s\",{\"i\":,\"p\":\"\"}]".Length - 5));

        private static Dictionary<string, object?> Payload(int i, string pad) => new Dictionary<string, object?> { ["i"] = i, ["p"] = pad };

        private static void Collect(bool aggressive = false)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            if (aggressive) GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            else GC.Collect();
        }

        private static void Latency(double[] values)
        {
            Array.Sort(values);
            Result["p50"] = Percentile(values, 50);
            Result["p99"] = Percentile(values, 99);
        }

        private static double Percentile(double[] sorted, double p)
        {
            int rank = (int)Math.Ceiling(p / 100 * sorted.Length) - 1;
            return sorted[Math.Min(sorted.Length - 1, Math.Max(0, rank))];
        }

        /// <summary>Wall time, CPU (user+system, getrusage), allocated bytes and threads of one measured phase.</summary>
        private sealed class Phase
        {
            private readonly long _started = Stopwatch.GetTimestamp();
            private readonly double _cpu = Environment.CpuUsage.TotalTime.TotalSeconds;
            private readonly long _allocated = GC.GetTotalAllocatedBytes(precise: true);
            private readonly int _gen0 = GC.CollectionCount(0);
            private readonly int _gen2 = GC.CollectionCount(2);

            public static Phase Start() => new Phase();

            public double Elapsed => (Stopwatch.GetTimestamp() - _started) / (double)Stopwatch.Frequency;

            public double Seconds { get; private set; }

            public void Finish(long count)
            {
                Seconds = Elapsed;
                var status = ProcStatus.Read();
                Result["count"] = count;
                Result["seconds"] = Seconds;
                Result["cpuSeconds"] = Environment.CpuUsage.TotalTime.TotalSeconds - _cpu;
                Result["allocBytes"] = GC.GetTotalAllocatedBytes(precise: true) - _allocated;
                Result["gen0"] = GC.CollectionCount(0) - _gen0;
                Result["gen2"] = GC.CollectionCount(2) - _gen2;
                Result["threads"] = status.Threads;
                Result["rssMB"] = status.RssKB / 1024.0;
            }
        }

        private readonly struct ProcStatus
        {
            public long HwmKB { get; init; }
            public long RssKB { get; init; }
            public int Threads { get; init; }

            public static ProcStatus Read()
            {
                long hwm = 0, rss = 0;
                int threads = 0;
                foreach (var line in File.ReadLines("/proc/self/status"))
                {
                    if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) hwm = Number(line);
                    else if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Number(line);
                    else if (line.StartsWith("Threads:", StringComparison.Ordinal)) threads = (int)Number(line);
                }
                return new ProcStatus { HwmKB = hwm, RssKB = rss, Threads = threads };
            }

            private static long Number(string line) =>
                long.Parse(line.Substring(line.IndexOf(':') + 1).Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }

        private sealed class Settings
        {
            public string Url { get; private set; } = "";
            public string Scenario { get; private set; } = "";
            public string Transport { get; private set; } = "websocket";
            public string? ProbeTransport { get; private set; }
            public int N { get; private set; } = 1000;
            public int Warmup { get; private set; } = 100;
            public int Size { get; private set; }
            public int Rate { get; private set; }
            public int Parallel { get; private set; } = 50;
            public int IdleMs { get; private set; } = 2000;
            public int TimeoutSec { get; private set; } = 300;
            public bool ReleaseAttachments { get; private set; }

            public static Settings Parse(string[] args)
            {
                var s = new Settings();
                for (int i = 0; i + 1 < args.Length; i += 2)
                {
                    string value = args[i + 1];
                    int Int() => int.Parse(value, CultureInfo.InvariantCulture);
                    switch (args[i])
                    {
                        case "--url": s.Url = value; break;
                        case "--scenario": s.Scenario = value; break;
                        case "--transport": s.Transport = value; break;
                        case "--probe-transport": s.ProbeTransport = value; break;
                        case "--n": s.N = Int(); break;
                        case "--warmup": s.Warmup = Int(); break;
                        case "--size": s.Size = Int(); break;
                        case "--rate": s.Rate = Int(); break;
                        case "--parallel": s.Parallel = Int(); break;
                        case "--idle-ms": s.IdleMs = Int(); break;
                        case "--timeout-sec": s.TimeoutSec = Int(); break;
                        case "--release-attachments":
                            s.ReleaseAttachments = value == "yes" ? true : value == "no" ? false : throw new ArgumentException("--release-attachments takes yes or no");
                            break;
                        default: throw new ArgumentException($"unknown argument {args[i]}");
                    }
                }
                return s;
            }
        }
    }
}
