using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading.Tasks;

namespace SocketIo.Core.Tests.Infrastructure
{
    /// <summary>
    /// Runs tests/servers/socketio-server.js for one test class. The server exits when its stdin closes, so the pipe
    /// stays open for the fixture's life; Dispose closes it, waits, and kills the process tree if it lingers.
    /// </summary>
    public abstract class NodeServerFixture : IDisposable
    {
        private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

        private readonly Process _process;
        private readonly StringBuilder _stderr = new StringBuilder();

        protected NodeServerFixture(params string[] extraArguments)
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
            foreach (var argument in extraArguments) startInfo.ArgumentList.Add(argument);

            try
            {
                _process = Process.Start(startInfo) ?? throw new InvalidOperationException("node did not start.");
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new InvalidOperationException("Could not start 'node' (is Node.js 20 on PATH?): " + e.Message, e);
            }
            _process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (_stderr) _stderr.AppendLine(e.Data); };
            _process.BeginErrorReadLine();

            try
            {
                Port = ReadReadyLine();
            }
            catch
            {
                Dispose();
                throw;
            }
            BaseUri = new Uri($"http://127.0.0.1:{Port}");
        }

        public int Port { get; }

        public Uri BaseUri { get; }

        public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

        public void Dispose()
        {
            try
            {
                try { _process.StandardInput.Close(); } catch (IOException) { } catch (InvalidOperationException) { }
                if (!_process.WaitForExit(3000)) _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // The process is gone already.
            }
            finally
            {
                _process.Dispose();
            }
        }

        private int ReadReadyLine()
        {
            var lineTask = _process.StandardOutput.ReadLineAsync();
            string? line;
            try
            {
                line = lineTask.WaitAsync(StartTimeout).GetAwaiter().GetResult();
            }
            catch (TimeoutException)
            {
                throw new InvalidOperationException(
                    $"The node test server did not print 'READY <port>' within {StartTimeout.TotalSeconds} s. stderr:\n{Stderr}");
            }
            if (line == null || !line.StartsWith("READY ", StringComparison.Ordinal) || !int.TryParse(line.AsSpan(6), out int port))
            {
                _process.WaitForExit(1000); // let stderr drain
                throw new InvalidOperationException(
                    $"The node test server did not start: stdout said '{line ?? "<end of stream>"}'. stderr:\n{Stderr}");
            }
            return port;
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
