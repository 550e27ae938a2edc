using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo;
using SocketIo.Core.Tests.Infrastructure;
using Xunit;

namespace SocketIo.Core.Tests
{
    /// <summary>
    /// An explicit HTTP proxy on the loopback: polling requests go to it in absolute form, WebSocket (also the
    /// upgrade) through a CONNECT tunnel. The server is addressed by a name only the proxy can resolve, so a request
    /// that skipped the proxy would fail. Proxy credentials answer a 407 challenge.
    /// </summary>
    public class TransportProxyTests : IClassFixture<DefaultServerFixture>
    {
        private const string ProxiedHost = "socketio-server.proxy-test";
        private readonly DefaultServerFixture _server;

        public TransportProxyTests(DefaultServerFixture server) => _server = server;

        private Uri ProxiedUri => new Uri($"http://{ProxiedHost}:{_server.Port}");

        [Theory]
        [InlineData(EngineTransports.Polling)]
        [InlineData(EngineTransports.WebSocket)]
        [InlineData(EngineTransports.PollingAndWebSocket)]
        public async Task TrafficGoesThroughTheProxy(EngineTransports transports)
        {
            using var proxy = new TinyProxy(_server.Port, credentials: null);
            using var client = await Client.ConnectAsync(ProxiedUri, configure: TransportTestHelpers.Transports(transports,
                o => o.Proxy = new WebProxy(proxy.Uri)));

            Assert.Equal(new object?[] { "proxied" }, await client.EmitWithAckAsync("echo-ack", "proxied"));
            if (transports == EngineTransports.PollingAndWebSocket) await TransportTestHelpers.UpgradedAsync(client);

            if (transports != EngineTransports.WebSocket) Assert.Contains(proxy.Requests, r => r.StartsWith($"GET http://{ProxiedHost}:{_server.Port}/socket.io/", StringComparison.Ordinal));
            if (transports != EngineTransports.Polling) Assert.Contains($"CONNECT {ProxiedHost}:{_server.Port}", proxy.Requests);
        }

        [Theory]
        [InlineData(EngineTransports.Polling)]
        [InlineData(EngineTransports.WebSocket)]
        public async Task ProxyCredentialsAnswerTheChallenge(EngineTransports transports)
        {
            var credential = new NetworkCredential("proxy-user", "proxy-pass");
            using var proxy = new TinyProxy(_server.Port, credential);
            using var client = await Client.ConnectAsync(ProxiedUri, configure: TransportTestHelpers.Transports(transports,
                o => o.Proxy = new WebProxy(proxy.Uri) { Credentials = credential }));

            Assert.Equal(new object?[] { 1 }, await client.EmitWithAckAsync("echo-ack", 1));
            Assert.True(proxy.Challenged > 0);
        }

        [Fact]
        public async Task WrongProxyCredentialsFailTheConnect()
        {
            using var proxy = new TinyProxy(_server.Port, new NetworkCredential("proxy-user", "proxy-pass"));
            using var client = new Client(ProxiedUri, configure: TransportTestHelpers.Transports(EngineTransports.Polling,
                o => o.Proxy = new WebProxy(proxy.Uri) { Credentials = new NetworkCredential("proxy-user", "wrong") }));

            var e = await Assert.ThrowsAsync<SocketIoConnectFailedException>(() => client.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout));

            Assert.Contains("407", e.Message);
        }

        [Fact]
        public async Task NoProxyIgnoresTheProxy()
        {
            using var proxy = new TinyProxy(_server.Port, credentials: null);
            using var client = await Client.ConnectAsync(_server.BaseUri, configure: o =>
            {
                o.Engine.Proxy = new WebProxy(proxy.Uri) { BypassProxyOnLocal = false };
                o.Engine.UseProxy = false;
            });
            await TransportTestHelpers.UpgradedAsync(client);

            Assert.Empty(proxy.Requests);
        }
    }

    /// <summary>
    /// A minimal HTTP proxy: CONNECT tunnels, and absolute-form requests forwarded one per connection (it asks the
    /// origin to close after the response). Every host name resolves to 127.0.0.1 and the given port. With
    /// credentials it answers 407 (Basic) until a request carries them.
    /// </summary>
    public sealed class TinyProxy : IDisposable
    {
        private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly int _targetPort;
        private readonly string? _expectedAuthorization;
        private readonly ConcurrentQueue<string> _requests = new ConcurrentQueue<string>();
        private int _challenged;

        public TinyProxy(int targetPort, NetworkCredential? credentials)
        {
            _targetPort = targetPort;
            if (credentials != null)
                _expectedAuthorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials.UserName + ":" + credentials.Password));
            _listener.Start();
            _ = Task.Run(AcceptLoopAsync);
        }

        public Uri Uri => new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

        /// <summary>Request lines that were forwarded or tunnelled (not the ones answered 407).</summary>
        public IReadOnlyList<string> Requests => _requests.ToArray();

        public int Challenged => Volatile.Read(ref _challenged);

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
        }

        private async Task AcceptLoopAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
                catch (Exception) { return; }
                _ = Task.Run(() => ServeAsync(client));
            }
        }

        private async Task ServeAsync(TcpClient client)
        {
            using (client)
            {
                try
                {
                    var stream = client.GetStream();
                    while (true) // a client may retry on the same connection after a 407
                    {
                        var (head, rest) = await ReadHeadAsync(stream);
                        if (head == null) return;
                        var lines = head.Split("\r\n");
                        var requestLine = lines[0];
                        var parts = requestLine.Split(' ');
                        if (_expectedAuthorization != null && !lines.Any(l => l.Equals("Proxy-Authorization: " + _expectedAuthorization, StringComparison.OrdinalIgnoreCase)))
                        {
                            Interlocked.Increment(ref _challenged);
                            await DrainBodyAsync(stream, lines, rest);
                            var challenge = "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n";
                            await stream.WriteAsync(Encoding.ASCII.GetBytes(challenge), _stop.Token);
                            continue;
                        }
                        _requests.Enqueue(parts[0] == "CONNECT" ? $"CONNECT {parts[1]}" : requestLine);
                        using var origin = new TcpClient();
                        await origin.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
                        var upstream = origin.GetStream();
                        if (parts[0] == "CONNECT")
                        {
                            await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 Connection Established\r\n\r\n"), _stop.Token);
                            if (rest.Length > 0) await upstream.WriteAsync(rest, _stop.Token);
                        }
                        else
                        {
                            var target = new Uri(parts[1]);
                            var forwarded = new StringBuilder($"{parts[0]} {target.PathAndQuery} {parts[2]}\r\n");
                            foreach (var line in lines.Skip(1))
                            {
                                if (line.Length == 0) continue;
                                var name = line.Split(':')[0].Trim();
                                if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase) || name.Equals("Proxy-Connection", StringComparison.OrdinalIgnoreCase)
                                    || name.Equals("Proxy-Authorization", StringComparison.OrdinalIgnoreCase) || name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase))
                                    continue;
                                forwarded.Append(line).Append("\r\n");
                            }
                            forwarded.Append("Connection: close\r\n\r\n");
                            await upstream.WriteAsync(Encoding.ASCII.GetBytes(forwarded.ToString()), _stop.Token);
                            if (rest.Length > 0) await upstream.WriteAsync(rest, _stop.Token);
                        }
                        var up = stream.CopyToAsync(upstream, _stop.Token);
                        var down = upstream.CopyToAsync(stream, _stop.Token);
                        await Task.WhenAny(up, down);
                        return;
                    }
                }
                catch (Exception e) when (e is IOException || e is SocketException || e is OperationCanceledException || e is ObjectDisposedException)
                {
                    // A side went away.
                }
            }
        }

        private async Task DrainBodyAsync(NetworkStream stream, string[] lines, byte[] rest)
        {
            var lengthLine = lines.FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
            int remaining = lengthLine == null ? 0 : int.Parse(lengthLine.Substring(15).Trim()) - rest.Length;
            var buffer = new byte[4096];
            while (remaining > 0)
            {
                int n = await stream.ReadAsync(buffer.AsMemory(0, Math.Min(buffer.Length, remaining)), _stop.Token);
                if (n == 0) return;
                remaining -= n;
            }
        }

        /// <summary>Reads up to the blank line; returns the head and whatever bytes came after it.</summary>
        private async Task<(string? Head, byte[] Leftover)> ReadHeadAsync(NetworkStream stream)
        {
            var buffer = new List<byte>();
            var one = new byte[1];
            while (true)
            {
                int n = await stream.ReadAsync(one, _stop.Token);
                if (n == 0) return (null, Array.Empty<byte>());
                buffer.Add(one[0]);
                int c = buffer.Count;
                if (c >= 4 && buffer[c - 4] == '\r' && buffer[c - 3] == '\n' && buffer[c - 2] == '\r' && buffer[c - 1] == '\n')
                    return (Encoding.ASCII.GetString(buffer.ToArray(), 0, c - 4), Array.Empty<byte>());
            }
        }
    }
}
