using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace SocketIo.Soak
{
    /// <summary>
    /// bench/soak/soak-server.js as a child process: stdin a pipe kept open (the server exits when it closes, so a
    /// driver that dies takes it along), READY read from stdout, stderr kept. Kill = SIGKILL; Freeze/Thaw = SIGSTOP/
    /// SIGCONT. Every process started is remembered and <see cref="KillAll"/> SIGKILLs whatever still runs (frozen or
    /// not: a stopped process never reads the end of its stdin). Each pid is also appended to a pid file, so the
    /// PowerShell wrapper can clean up even after this process was killed.
    /// </summary>
    internal sealed class NodeServer
    {
        private static readonly ConcurrentDictionary<int, Process> Live = new ConcurrentDictionary<int, Process>();
        private const int SIGKILL = 9, SIGCONT = 18, SIGSTOP = 19; // Linux (x86-64 and arm64)

        [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
        private static extern int SysKill(int pid, int signal);

        private readonly Process _process;
        private readonly ConcurrentQueue<string> _stderr = new ConcurrentQueue<string>();

        private readonly int _pid;

        private NodeServer(Process process, int port)
        {
            _process = process;
            _pid = process.Id;
            Port = port;
        }

        public int Port { get; private set; }
        public int Pid => _pid;
        public bool Frozen { get; private set; }
        public string Stderr => string.Join("\n", _stderr);

        public static string? PidFile { get; set; }

        /// <summary>Starts the server on <paramref name="port"/> (0: any free one); retries for up to 10 s while the
        /// port is still held (a killed predecessor).</summary>
        public static async Task<NodeServer> StartAsync(string script, int port, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (true)
            {
                try
                {
                    return await LaunchAsync(script, port, arguments, cancellationToken).ConfigureAwait(false);
                }
                catch (InvalidOperationException) when (port != 0 && DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
                {
                    await Task.Delay(50, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        private static async Task<NodeServer> LaunchAsync(string script, int port, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
        {
            var info = new ProcessStartInfo("node")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = Path.GetDirectoryName(script)!,
            };
            info.ArgumentList.Add(script);
            info.ArgumentList.Add("--port");
            info.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
            foreach (var argument in arguments) info.ArgumentList.Add(argument);
            var process = Process.Start(info) ?? throw new InvalidOperationException("node did not start");
            Live[process.Id] = process;
            if (PidFile != null) File.AppendAllText(PidFile, process.Id.ToString(CultureInfo.InvariantCulture) + "\n");
            var server = new NodeServer(process, port);
            var ready = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
            StartReader(() => ready.TrySetResult(process.StandardOutput.ReadLine()));
            StartReader(() =>
            {
                string? line;
                while ((line = process.StandardError.ReadLine()) != null)
                {
                    server._stderr.Enqueue(line);
                    while (server._stderr.Count > 200) server._stderr.TryDequeue(out _);
                }
            });
            string? readyLine = null;
            try
            {
                readyLine = await ready.Task.WaitAsync(TimeSpan.FromSeconds(15), cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
            if (readyLine == null || !readyLine.StartsWith("READY ", StringComparison.Ordinal)
                || !int.TryParse(readyLine.AsSpan(6), NumberStyles.Integer, CultureInfo.InvariantCulture, out int actual))
            {
                server.Kill();
                throw new InvalidOperationException($"soak-server did not start on port {port}: '{readyLine ?? "<nothing>"}' {server.Stderr}");
            }
            server.Port = actual;
            return server;
        }

        /// <summary>SIGKILL, then wait until it is gone: its connections are reset, no close frame.</summary>
        public void Kill()
        {
            try
            {
                if (!_process.HasExited) SysKill(_pid, SIGKILL);
                _process.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
            }
            Live.TryRemove(_pid, out _);
            Frozen = false;
            try { _process.StandardInput.Dispose(); } catch (IOException) { } catch (InvalidOperationException) { }
            _process.Dispose();
        }

        public void Freeze()
        {
            if (SysKill(_pid, SIGSTOP) != 0) throw new InvalidOperationException($"kill -STOP {_pid} failed: errno {Marshal.GetLastWin32Error()}");
            Frozen = true;
        }

        public void Thaw()
        {
            if (SysKill(_pid, SIGCONT) != 0) throw new InvalidOperationException($"kill -CONT {_pid} failed: errno {Marshal.GetLastWin32Error()}");
            Frozen = false;
        }

        /// <summary>Closes stdin (the server exits by itself), SIGKILL after 3 s or when frozen.</summary>
        public void Stop()
        {
            try
            {
                if (!Frozen)
                {
                    try { _process.StandardInput.Close(); } catch (IOException) { } catch (InvalidOperationException) { }
                    if (_process.WaitForExit(3000))
                    {
                        Live.TryRemove(_pid, out _);
                        _process.Dispose();
                        return;
                    }
                }
            }
            catch (InvalidOperationException)
            {
            }
            Kill();
        }

        /// <summary>SIGKILL for every server this process started that still runs (SIGCONT is not needed: SIGKILL
        /// ends a stopped process too).</summary>
        public static void KillAll()
        {
            foreach (var pair in Live)
            {
                try
                {
                    if (!pair.Value.HasExited) SysKill(pair.Key, SIGKILL);
                }
                catch (InvalidOperationException)
                {
                }
                Live.TryRemove(pair.Key, out _);
            }
        }

        private static void StartReader(Action read)
        {
            var thread = new Thread(() =>
            {
                try { read(); }
                catch (Exception e) when (e is IOException || e is ObjectDisposedException || e is InvalidOperationException) { }
            })
            { IsBackground = true, Name = "soak node pipe" };
            thread.Start();
        }
    }
}
