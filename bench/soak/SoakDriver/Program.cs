using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace SocketIo.Soak
{
    /// <summary>
    /// The fault soak's driver on the SocketIo core (bench/soak). Prints progress on stderr and one line
    /// "RESULT {json}" on stdout.
    ///   SoakDriver restart  --server PATH/soak-server.js --out DIR [--mode buffered|retries] [--cycles 100] [--rate 200]
    ///                       [--tick-rate 100] [--up-ms 1000-2000] [--down-ms 100-700] [--transport default|websocket|polling]
    ///                       [--reconnect-delay 200] [--reconnect-delay-max 1000] [--retries 1000] [--ack-timeout-ms 2000]
    ///                       [--seed N] [--timeout-sec S]
    ///   SoakDriver halfopen --server PATH --out DIR [--trials 5] [--ping-interval 2000] [--ping-timeout 1000] [--frozen-ms 3000]
    ///                       [--transport default|websocket|polling] [--connect-timeout-ms 5000] [--timeout-sec S]
    ///   SoakDriver analyze  --client FILE.json --log FILE     (the cmdlet soak's record against the server's log)
    /// Every node process it starts is SIGKILLed on the way out (normal end, exception, SIGINT/SIGTERM, --timeout-sec).
    /// </summary>
    internal static class Program
    {
        private static long _unobserved;

        public static long UnobservedTaskExceptions => Interlocked.Read(ref _unobserved);

        private static async Task<int> Main(string[] args)
        {
            var settings = Settings.Parse(args);
            NodeServer.PidFile = settings.Out != null ? Path.Combine(settings.Out, "node-pids.txt") : null;
            using var cts = new CancellationTokenSource();
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; Log("SIGINT: stopping"); cts.Cancel(); });
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; Log("SIGTERM: stopping"); cts.Cancel(); });
            AppDomain.CurrentDomain.ProcessExit += (_, _) => NodeServer.KillAll();
            AppDomain.CurrentDomain.UnhandledException += (_, e) =>
            {
                Log("UNHANDLED " + e.ExceptionObject);
                NodeServer.KillAll();
            };
            TaskScheduler.UnobservedTaskException += (_, e) =>
            {
                Interlocked.Increment(ref _unobserved);
                Log("unobserved task exception: " + e.Exception.GetBaseException().Message);
                e.SetObserved();
            };
            cts.CancelAfter(TimeSpan.FromSeconds(settings.TimeoutSec));
            if (Console.IsInputRedirected)
            {
                // Started by a script that keeps our stdin open: when it ends (the script died), stop too.
                var watcher = new Thread(() =>
                {
                    try { while (Console.In.ReadLine() != null) { } } catch (IOException) { }
                    Log("stdin closed: stopping");
                    try { cts.Cancel(); } catch (ObjectDisposedException) { }
                })
                { IsBackground = true, Name = "stdin watch" };
                watcher.Start();
            }

            var result = new Dictionary<string, object?> { ["mode"] = settings.Command };
            int exitCode = 0;
            try
            {
                switch (settings.Command)
                {
                    case "restart":
                        await RestartSoak.RunAsync(settings, result, cts.Token).ConfigureAwait(false);
                        break;
                    case "halfopen":
                        await HalfOpen.RunAsync(settings, result, cts.Token).ConfigureAwait(false);
                        break;
                    case "analyze":
                        foreach (var pair in Analysis.Run(ClientRecord.Load(settings.Client!), settings.LogFile!)) result[pair.Key] = pair.Value;
                        break;
                    default:
                        throw new ArgumentException($"unknown command '{settings.Command}'");
                }
                result["status"] = cts.IsCancellationRequested ? "cancelled" : "ok";
            }
            catch (Exception e)
            {
                result["status"] = cts.IsCancellationRequested ? "cancelled" : "error";
                result["note"] = e.GetType().Name + ": " + e.Message;
                Log(e.ToString());
                exitCode = 1;
            }
            finally
            {
                NodeServer.KillAll();
            }
            GC.Collect();
            GC.WaitForPendingFinalizers();
            result["unobservedTaskExceptions"] = UnobservedTaskExceptions;
            Console.Out.WriteLine("RESULT " + JsonSerializer.Serialize(result));
            Console.Out.Flush();
            return exitCode;
        }

        public static void Log(string text) =>
            Console.Error.WriteLine(DateTime.Now.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture) + " " + text);
    }

    internal sealed class Settings
    {
        public string Command { get; private set; } = "";
        public string? Server { get; private set; }
        public string? Out { get; private set; }
        public string Mode { get; private set; } = "buffered";
        public int Cycles { get; private set; } = 100;
        public int Rate { get; private set; } = 200;
        public int TickRate { get; private set; } = 100;
        public (int Min, int Max) UpMs { get; private set; } = (1000, 2000);
        public (int Min, int Max) DownMs { get; private set; } = (100, 700);
        public string Transport { get; private set; } = "default";
        public int ReconnectDelay { get; private set; } = 200;
        public int ReconnectDelayMax { get; private set; } = 1000;
        public int Retries { get; private set; } = 1000;
        public int AckTimeoutMs { get; private set; } = 2000;
        public int Seed { get; private set; } = 7;
        public int TimeoutSec { get; private set; } = 900;
        public int Trials { get; private set; } = 5;
        public int PingInterval { get; private set; } = 2000;
        public int PingTimeout { get; private set; } = 1000;
        public int FrozenMs { get; private set; } = 3000;
        public int ConnectTimeoutMs { get; private set; } = 5000;
        public string? Client { get; private set; }
        public string? LogFile { get; private set; }

        public static Settings Parse(string[] args)
        {
            var s = new Settings();
            if (args.Length == 0) throw new ArgumentException("usage: SoakDriver restart|halfopen|analyze [options]");
            s.Command = args[0];
            for (int i = 1; i < args.Length; i++)
            {
                string name = args[i];
                string value = i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value");
                int Int() => int.Parse(value, CultureInfo.InvariantCulture);
                (int, int) Range()
                {
                    var parts = value.Split('-');
                    int a = int.Parse(parts[0], CultureInfo.InvariantCulture);
                    return (a, parts.Length > 1 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : a);
                }
                switch (name)
                {
                    case "--server": s.Server = Path.GetFullPath(value); break;
                    case "--out": s.Out = Path.GetFullPath(value); break;
                    case "--mode": s.Mode = value; break;
                    case "--cycles": s.Cycles = Int(); break;
                    case "--rate": s.Rate = Int(); break;
                    case "--tick-rate": s.TickRate = Int(); break;
                    case "--up-ms": s.UpMs = Range(); break;
                    case "--down-ms": s.DownMs = Range(); break;
                    case "--transport": s.Transport = value; break;
                    case "--reconnect-delay": s.ReconnectDelay = Int(); break;
                    case "--reconnect-delay-max": s.ReconnectDelayMax = Int(); break;
                    case "--retries": s.Retries = Int(); break;
                    case "--ack-timeout-ms": s.AckTimeoutMs = Int(); break;
                    case "--seed": s.Seed = Int(); break;
                    case "--timeout-sec": s.TimeoutSec = Int(); break;
                    case "--trials": s.Trials = Int(); break;
                    case "--ping-interval": s.PingInterval = Int(); break;
                    case "--ping-timeout": s.PingTimeout = Int(); break;
                    case "--frozen-ms": s.FrozenMs = Int(); break;
                    case "--connect-timeout-ms": s.ConnectTimeoutMs = Int(); break;
                    case "--client": s.Client = Path.GetFullPath(value); break;
                    case "--log": s.LogFile = Path.GetFullPath(value); break;
                    default: throw new ArgumentException($"unknown option {name}");
                }
            }
            if (s.Command != "analyze" && (s.Server == null || s.Out == null)) throw new ArgumentException("--server and --out are required");
            if (s.Command == "analyze" && (s.Client == null || s.LogFile == null)) throw new ArgumentException("analyze needs --client and --log");
            if (s.Out != null) Directory.CreateDirectory(s.Out);
            return s;
        }
    }
}
