using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace SocketIo.Core.Tests.OctoPrint
{
    /// <summary>
    /// One tests/servers/octoprint-sim.js process (the same process rules as NodeServerFixture: stdin kept open,
    /// one <c>READY &lt;port&gt;</c> line; closing stdin stops it). Started per test, with the test's arguments;
    /// Dispose closes stdin, waits briefly, and kills the process tree if it lingers.
    /// </summary>
    public sealed class OctoPrintSimulator : IDisposable
    {
        public const string ApiKey = "test-api-key";
        public const string User = "admin";
        public const string Password = "secret";

        private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
        private static readonly HttpClient Http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        private readonly StringBuilder _stderr = new StringBuilder();
        private Process? _process;

        private OctoPrintSimulator(Process process) => _process = process;

        public int Port { get; private set; }

        public Uri BaseUri => new Uri($"http://127.0.0.1:{Port}/");

        public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

        /// <summary>Starts the simulator; fast defaults for tests (100 ms ticks) unless the arguments say otherwise.</summary>
        public static async Task<OctoPrintSimulator> StartAsync(params string[] arguments)
        {
            var serversDir = Path.Combine(FindRepoRoot(), "tests", "servers");
            var script = Path.Combine(serversDir, "octoprint-sim.js");
            if (!File.Exists(script)) throw new InvalidOperationException($"The OctoPrint simulator {script} is missing.");
            if (!Directory.Exists(Path.Combine(serversDir, "node_modules", "sockjs")))
                throw new InvalidOperationException($"The node test server's packages are not installed in {serversDir}: run `dotnet pwsh ./build.ps1 Bootstrap` first.");

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
            if (Array.IndexOf(arguments, "--current-interval") < 0)
            {
                startInfo.ArgumentList.Add("--current-interval");
                startInfo.ArgumentList.Add("100");
            }
            foreach (var argument in arguments) startInfo.ArgumentList.Add(argument);

            Process process;
            try
            {
                process = Process.Start(startInfo) ?? throw new InvalidOperationException("node did not start.");
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new InvalidOperationException("Could not start 'node' (is Node.js 20 on PATH?): " + e.Message, e);
            }
            var simulator = new OctoPrintSimulator(process);
            process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (simulator._stderr) simulator._stderr.AppendLine(e.Data); };
            process.BeginErrorReadLine();
            try
            {
                string? line;
                try
                {
                    line = await process.StandardOutput.ReadLineAsync().WaitAsync(StartTimeout);
                }
                catch (TimeoutException)
                {
                    throw new InvalidOperationException($"octoprint-sim.js printed no READY line within {StartTimeout.TotalSeconds} s. stderr:\n{simulator.Stderr}");
                }
                if (line == null || !line.StartsWith("READY ", StringComparison.Ordinal) || !int.TryParse(line.AsSpan(6), out int port))
                    throw new InvalidOperationException($"octoprint-sim.js did not start: stdout said '{line ?? "<end of stream>"}'. stderr:\n{simulator.Stderr}");
                simulator.Port = port;
                return simulator;
            }
            catch
            {
                simulator.Dispose();
                throw;
            }
        }

        /// <summary><c>GET /test/state</c>.</summary>
        public async Task<JsonElement> StateAsync()
        {
            var text = await Http.GetStringAsync(new Uri(BaseUri, "test/state"));
            return JsonDocument.Parse(text).RootElement.Clone();
        }

        /// <summary>POSTs a test hook such as <c>test/reauth</c> or <c>test/disconnect?code=3000</c>; returns its JSON.</summary>
        public async Task<JsonElement> PostAsync(string pathAndQuery)
        {
            using var response = await Http.PostAsync(new Uri(BaseUri, pathAndQuery), new StringContent(""));
            var text = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"POST {pathAndQuery} → {(int)response.StatusCode}: {text}");
            return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        }

        /// <summary>The one client the simulator knows (tests here use one connection per simulator).</summary>
        public async Task<JsonElement?> SingleClientAsync()
        {
            var clients = (await StateAsync()).GetProperty("clients");
            return clients.GetArrayLength() == 1 ? clients[0] : (JsonElement?)null;
        }

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
                // Gone already.
            }
            finally
            {
                process.Dispose();
            }
        }

        private static string FindRepoRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "SocketIoModule.sln"))) return dir.FullName;
            throw new InvalidOperationException($"No SocketIoModule.sln above {AppContext.BaseDirectory}: cannot find the repository root.");
        }
    }
}
