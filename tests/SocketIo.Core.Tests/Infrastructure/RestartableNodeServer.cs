using System;
using System.Diagnostics;
using System.IO;
using System.Net.Http;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace SocketIo.Core.Tests.Infrastructure
{
    /// <summary>
    /// tests/servers/socketio-server.js for one test, with what a class fixture cannot do: kill the process mid-stream
    /// and start it again on the same port (<c>--port</c> with the port it got the first time), and freeze/thaw it
    /// (SIGSTOP/SIGCONT). Same process rules as <see cref="NodeServerFixture"/>: stdin is a pipe kept open (the server
    /// exits when it closes), pipes are read on dedicated threads, and Dispose kills whatever still runs — frozen or not.
    /// </summary>
    public sealed class RestartableNodeServer : IDisposable
    {
        private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
        private static readonly HttpClient Http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };

        private readonly string[] _arguments;
        private readonly StringBuilder _stderr = new StringBuilder();
        private Process? _process;
        private bool _frozen;

        private RestartableNodeServer(string[] arguments) => _arguments = arguments;

        public int Port { get; private set; }

        public Uri BaseUri => new Uri($"http://127.0.0.1:{Port}");

        public bool IsRunning => _process != null;

        public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

        /// <summary>SIGSTOP needs a Unix kill(1); on Windows the freeze tests have nothing to run.</summary>
        public static bool CanFreeze => !RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        public static async Task<RestartableNodeServer> StartAsync(params string[] arguments)
        {
            var server = new RestartableNodeServer(arguments);
            try
            {
                await server.LaunchAsync(0);
                return server;
            }
            catch
            {
                server.Dispose();
                throw;
            }
        }

        /// <summary>SIGKILL: the process dies at once, its connections reset (no close frames).</summary>
        public void Kill()
        {
            var process = Interlocked.Exchange(ref _process, null);
            if (process == null) return;
            try
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
                // gone already
            }
            finally
            {
                process.Dispose();
                _frozen = false;
            }
        }

        /// <summary>Starts the server again on the port it had (retrying briefly while the port is still held).</summary>
        public async Task RestartAsync()
        {
            if (_process != null) throw new InvalidOperationException("The server is still running.");
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (true)
            {
                try
                {
                    await LaunchAsync(Port);
                    return;
                }
                catch (InvalidOperationException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100);
                }
            }
        }

        /// <summary>SIGSTOP: the process stops answering anything (pings included); the kernel still accepts TCP.</summary>
        public void Freeze()
        {
            Signal("STOP");
            _frozen = true;
        }

        /// <summary>SIGCONT.</summary>
        public void Thaw()
        {
            Signal("CONT");
            _frozen = false;
        }

        /// <summary>The server's /stats: open Engine.IO connections and connected sockets.</summary>
        public async Task<(int Engines, int Sockets)> StatsAsync()
        {
            using var stats = JsonDocument.Parse(await Http.GetStringAsync(new Uri(BaseUri, "/stats")));
            return (stats.RootElement.GetProperty("engineConnections").GetInt32(), stats.RootElement.GetProperty("sockets").GetInt32());
        }

        public void Dispose()
        {
            var process = Interlocked.Exchange(ref _process, null);
            if (process == null) return;
            try
            {
                if (_frozen) process.Kill(entireProcessTree: true); // a stopped process would never read its stdin's end
                else
                {
                    try { process.StandardInput.Close(); } catch (IOException) { } catch (InvalidOperationException) { }
                    if (!process.WaitForExit(3000)) process.Kill(entireProcessTree: true);
                }
                process.WaitForExit(3000);
            }
            catch (InvalidOperationException)
            {
                // gone already
            }
            finally
            {
                process.Dispose();
            }
        }

        private void Signal(string name)
        {
            var process = _process ?? throw new InvalidOperationException("The server is not running.");
            using var kill = Process.Start(new ProcessStartInfo("kill", $"-{name} {process.Id}") { UseShellExecute = false })
                             ?? throw new InvalidOperationException("kill did not start.");
            if (!kill.WaitForExit(5000) || kill.ExitCode != 0) throw new InvalidOperationException($"kill -{name} {process.Id} failed.");
        }

        private async Task LaunchAsync(int port)
        {
            var serversDir = Path.Combine(FindRepoRoot(), "tests", "servers");
            var startInfo = new ProcessStartInfo("node")
            {
                WorkingDirectory = serversDir,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                CreateNoWindow = true,
            };
            startInfo.ArgumentList.Add(Path.Combine(serversDir, "socketio-server.js"));
            startInfo.ArgumentList.Add("--port");
            startInfo.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            foreach (var argument in _arguments) startInfo.ArgumentList.Add(argument);

            var process = Process.Start(startInfo) ?? throw new InvalidOperationException("node did not start.");
            var ready = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
            StartReader(() => ready.TrySetResult(process.StandardOutput.ReadLine()));
            StartReader(() =>
            {
                string? line;
                while ((line = process.StandardError.ReadLine()) != null) lock (_stderr) _stderr.AppendLine(line);
            });
            string? readyLine;
            try
            {
                readyLine = await ready.Task.WaitAsync(StartTimeout);
            }
            catch (TimeoutException)
            {
                readyLine = null;
            }
            if (readyLine == null || !readyLine.StartsWith("READY ", StringComparison.Ordinal) || !int.TryParse(readyLine.AsSpan(6), out int actual))
            {
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                process.Dispose();
                throw new InvalidOperationException($"The node test server did not start on port {port}: '{readyLine ?? "<nothing>"}'. stderr:\n{Stderr}");
            }
            Port = actual;
            _process = process;
        }

        private static void StartReader(Action read)
        {
            var thread = new Thread(() =>
            {
                try { read(); }
                catch (Exception e) when (e is IOException || e is ObjectDisposedException || e is InvalidOperationException) { }
            })
            { IsBackground = true, Name = "restartable node pipe" };
            thread.Start();
        }

        private static string FindRepoRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "SocketIoModule.sln"))) return dir.FullName;
            throw new InvalidOperationException($"No SocketIoModule.sln above {AppContext.BaseDirectory}: cannot find the repository root.");
        }
    }

    /// <summary>The server with connection-state recovery (<c>--recovery</c>).</summary>
    public sealed class RecoveryServerFixture : NodeServerFixture
    {
        public RecoveryServerFixture() : base("--recovery") { }
    }
}
