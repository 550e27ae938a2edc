using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace SocketIo.Core.Tests.Infrastructure
{
    /// <summary>
    /// Runs tests/servers/socketio-server.js for one test class. The server exits when its stdin closes, so the pipe
    /// stays open for the fixture's life; Dispose closes it, waits, and kills the process tree if it lingers.
    /// Startup is asynchronous (IAsyncLifetime) so waiting for node never blocks a thread other tests need.
    /// </summary>
    public abstract class NodeServerFixture : IAsyncLifetime, IDisposable
    {
        private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

        private readonly string[] _extraArguments;
        private readonly StringBuilder _stderr = new StringBuilder();
        private Process? _process;

        protected NodeServerFixture(params string[] extraArguments) => _extraArguments = extraArguments;

        public int Port { get; private set; }

        public Uri BaseUri => Port > 0 ? new Uri($"http://127.0.0.1:{Port}") : throw new InvalidOperationException("The node server is not running.");

        public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

        public async Task InitializeAsync()
        {
            var serversDir = Path.Combine(FindRepoRoot(), "tests", "servers");
            var script = Path.Combine(serversDir, "socketio-server.js");
            if (!File.Exists(script)) throw new InvalidOperationException($"The test server {script} is missing.");
            if (!Directory.Exists(Path.Combine(serversDir, "node_modules", "socket.io")))
                throw new InvalidOperationException(
                    $"The node test server's packages are not installed in {Path.Combine(serversDir, "node_modules")}: run `dotnet pwsh ./build.ps1 Bootstrap` first.");

            var startInfo = new ProcessStartInfo("node")
            {
                WorkingDirectory = serversDir,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                CreateNoWindow = true,
            };
            startInfo.ArgumentList.Add(script);
            startInfo.ArgumentList.Add("--port");
            startInfo.ArgumentList.Add("0");
            foreach (var argument in _extraArguments) startInfo.ArgumentList.Add(argument);

            try
            {
                _process = Process.Start(startInfo) ?? throw new InvalidOperationException("node did not start.");
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new InvalidOperationException("Could not start 'node' (is Node.js 20 on PATH?): " + e.Message, e);
            }
            // The pipes are read on dedicated threads: async reads of a child's pipes park a thread-pool thread each
            // on Unix, and a starved pool delays the client's pongs past a 200 ms pingTimeout.
            var process = _process;
            var ready = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
            StartReader("node stdout", () => ready.TrySetResult(process.StandardOutput.ReadLine())); // the only line it writes
            StartReader("node stderr", () =>
            {
                string? line;
                while ((line = process.StandardError.ReadLine()) != null) lock (_stderr) _stderr.AppendLine(line);
            });

            try
            {
                Port = await ParseReadyLineAsync(process, ready.Task);
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public Task DisposeAsync() => Task.CompletedTask; // xunit calls Dispose() right after this

        public void Dispose()
        {
            var process = Interlocked.Exchange(ref _process, null);
            if (process == null) return;
            try
            {
                try { process.StandardInput.Close(); } catch (IOException) { } catch (InvalidOperationException) { }
                if (!process.WaitForExit(3000)) process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // The process is gone already.
            }
            finally
            {
                process.Dispose();
            }
        }

        private async Task<int> ParseReadyLineAsync(Process process, Task<string?> readLine)
        {
            string? line;
            try
            {
                line = await readLine.WaitAsync(StartTimeout);
            }
            catch (TimeoutException)
            {
                throw new InvalidOperationException(
                    $"The node test server did not print 'READY <port>' within {StartTimeout.TotalSeconds} s. stderr:\n{Stderr}");
            }
            if (line == null || !line.StartsWith("READY ", StringComparison.Ordinal) || !int.TryParse(line.AsSpan(6), out int port))
            {
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(1)).ContinueWith(_ => { }); // let stderr drain
                throw new InvalidOperationException(
                    $"The node test server did not start: stdout said '{line ?? "<end of stream>"}'. stderr:\n{Stderr}");
            }
            return port;
        }

        private static void StartReader(string name, Action read)
        {
            var thread = new Thread(() =>
            {
                try { read(); }
                catch (Exception e) when (e is IOException || e is ObjectDisposedException || e is InvalidOperationException) { }
            })
            { IsBackground = true, Name = name };
            thread.Start();
        }

        private static string FindRepoRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "SocketIoModule.sln"))) return dir.FullName;
            throw new InvalidOperationException($"No SocketIoModule.sln above {AppContext.BaseDirectory}: cannot find the repository root.");
        }
    }

    /// <summary>The server with its default timers and limits.</summary>
    public sealed class DefaultServerFixture : NodeServerFixture
    {
        public DefaultServerFixture() { }
    }

    /// <summary>pingInterval 300 ms, pingTimeout 200 ms: heartbeats within a test's time.</summary>
    public sealed class FastPingServerFixture : NodeServerFixture
    {
        public FastPingServerFixture() : base("--ping-interval", "300", "--ping-timeout", "200") { }
    }

    /// <summary>maxHttpBufferSize 1000 bytes, announced as maxPayload.</summary>
    public sealed class SmallPayloadServerFixture : NodeServerFixture
    {
        public const int MaxPayload = 1000;

        public SmallPayloadServerFixture() : base("--max-payload", "1000") { }
    }
}
