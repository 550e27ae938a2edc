using System;
using System.Collections.Generic;
using System.Collections.Specialized;
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
using SocketIo.Core.Json;

namespace SocketIo.Core.Tests
{
    /// <summary>Long-polling specifics against the node server: what every request carries, one GET and one POST at
    /// a time, cache busters, the handshake's error replies.</summary>
    public class PollingTransportTests : IClassFixture<RecordingServerFixture>
    {
        private readonly RecordingServerFixture _server;

        public PollingTransportTests(RecordingServerFixture server) => _server = server;

        private Task<Client> ConnectPollingAsync(Action<EngineOptions>? more = null) =>
            Client.ConnectAsync(_server.BaseUri, configure: TransportTestHelpers.Transports(EngineTransports.Polling, more));

        [Fact]
        public async Task EveryRequestCarriesSidEioCacheBusterAndQuery()
        {
            using var client = await ConnectPollingAsync(o => o.Query.Add(new KeyValuePair<string, string>("room", "a b&c")));
            await client.EmitWithAckAsync("echo-ack", 1);

            var requests = await TransportTestHelpers.RequestsAsync(client);

            Assert.Contains(requests, r => (string)r["method"]! == "GET");
            Assert.Contains(requests, r => (string)r["method"]! == "POST");
            var sid = client.Manager.Engine!.Handshake!.Sid;
            Assert.All(requests, r =>
            {
                var query = Assert.IsType<OrderedJsonObject>(r["query"]);
                Assert.Equal("4", query["EIO"]);
                Assert.Equal("polling", query["transport"]);
                Assert.Equal(sid, query["sid"]);
                Assert.Equal("a b&c", query["room"]);
                Assert.False(string.IsNullOrEmpty((string?)query["t"]));
                Assert.False(query.ContainsKey("b64"));
            });
            Assert.Equal(requests.Count, requests.Select(r => (string)((OrderedJsonObject)r["query"]!)["t"]!).Distinct().Count());
            Assert.All(requests.Where(r => (string)r["method"]! == "POST"), r => Assert.Equal("text/plain;charset=UTF-8", r["contentType"]));
        }

        [Fact]
        public async Task TimestampParamCanBeRenamedOrTurnedOff()
        {
            using (var renamed = await ConnectPollingAsync(o => o.TimestampParam = "cb"))
            {
                var requests = await TransportTestHelpers.RequestsAsync(renamed);
                Assert.All(requests, r =>
                {
                    var query = (OrderedJsonObject)r["query"]!;
                    Assert.True(query.ContainsKey("cb"));
                    Assert.False(query.ContainsKey("t"));
                });
            }
            using (var off = await ConnectPollingAsync(o => o.TimestampRequests = false))
            {
                var requests = await TransportTestHelpers.RequestsAsync(off);
                Assert.All(requests, r => Assert.False(((OrderedJsonObject)r["query"]!).ContainsKey("t")));
            }
        }

        [Fact]
        public async Task ForceBase64AsksTheServerForBase64AndBinaryStillRoundTrips()
        {
            using var client = await ConnectPollingAsync(o => o.ForceBase64 = true);

            var handshake = Assert.IsType<OrderedJsonObject>(Assert.Single(await client.EmitWithAckAsync("handshake")));
            Assert.Equal("1", Assert.IsType<OrderedJsonObject>(handshake["query"])["b64"]);
            Assert.Equal(new object?[] { new byte[] { 0, 255, 1 } }, await client.EmitWithAckAsync("echo-ack", new byte[] { 0, 255, 1 }));
            await client.EmitAsync("binary");
            Assert.Equal(new byte[] { 1, 2, 3, 4 }, (await client.Events.NextAsync("binary")).Arguments[0]);
        }

        [Fact]
        public async Task UserAgentAndHeadersGoOnEveryRequest()
        {
            using var client = await ConnectPollingAsync(o =>
            {
                o.UserAgent = "PollingTest/1.0";
                o.Headers.Add(new KeyValuePair<string, string>("X-Test-Header", "yes"));
            });

            var handshake = Assert.IsType<OrderedJsonObject>(Assert.Single(await client.EmitWithAckAsync("handshake")));
            var headers = Assert.IsType<OrderedJsonObject>(handshake["headers"]);
            Assert.Equal("PollingTest/1.0", headers["user-agent"]);
            Assert.Equal("yes", headers["x-test-header"]);
            Assert.All(await TransportTestHelpers.RequestsAsync(client), r => Assert.Equal("PollingTest/1.0", r["userAgent"]));
        }

        [Fact]
        public async Task DefaultUserAgentNamesTheLibrary()
        {
            using var client = await ConnectPollingAsync();

            var handshake = Assert.IsType<OrderedJsonObject>(Assert.Single(await client.EmitWithAckAsync("handshake")));

            Assert.Equal(EngineOptions.DefaultUserAgent, Assert.IsType<OrderedJsonObject>(handshake["headers"])["user-agent"]);
            Assert.StartsWith("SocketIo.Core/", EngineOptions.DefaultUserAgent);
        }

        [Fact]
        public async Task TheServerClosingTheSessionIsTransportClose()
        {
            using var client = await ConnectPollingAsync();
            var closed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            client.Socket.Disconnected += (reason, _) => closed.TrySetResult(reason);

            try { await client.EmitAsync("close-transport"); }
            catch (SocketIoNotConnectedException) { /* the server's close can beat the local POST completion */ }

            Assert.Equal("transport close", await closed.Task.WaitAsync(Client.Timeout));
        }

        [Fact]
        public async Task ClientDisconnectSendsACloseAndTheServerLetsGo()
        {
            using var client = await ConnectPollingAsync();

            await client.Socket.DisconnectAsync().WaitAsync(Client.Timeout);

            Assert.False(client.Manager.Engine!.IsOpen);
            // The last POST carried the close packet: the server forgot the session.
            var sid = client.Manager.Engine.Handshake!.Sid;
            using var http = new System.Net.Http.HttpClient();
            var response = await http.GetAsync(new Uri(_server.BaseUri, $"/socket.io/?EIO=4&transport=polling&sid={Uri.EscapeDataString(sid)}")).WaitAsync(Client.Timeout);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("Session ID unknown", await response.Content.ReadAsStringAsync());
        }
    }

    /// <summary>maxPayload 1000: polling POSTs stay within it and carry several packets; base64 counts.</summary>
    public class PollingBatchingTests : IClassFixture<SmallPayloadRecordingServerFixture>
    {
        private readonly SmallPayloadRecordingServerFixture _server;

        public PollingBatchingTests(SmallPayloadRecordingServerFixture server) => _server = server;

        [Fact]
        public async Task QueuedPacketsSharePostsWithinMaxPayloadAndSixteenPackets()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri, configure: TransportTestHelpers.Transports(EngineTransports.Polling));
            var engine = client.Manager.Engine!;
            var padding = new string('p', 40);
            var before = (await TransportTestHelpers.RequestsAsync(client)).Count;

            // Socket.IO EVENT packets handed to the engine without waiting for each other: they queue in call order
            // and go out in as few POSTs as maxPayload (1000 bytes) and python's 16-packet limit allow.
            var sends = Enumerable.Range(0, 60)
                .Select(i => engine.SendAsync(new[] { EnginePacketCodec.EncodeText(EnginePacketType.Message, $"2[\"seq\",{i},\"{padding}\"]") }, default))
                .ToArray();
            await Task.WhenAll(sends).WaitAsync(Client.Timeout);

            var report = (object?[])Assert.Single(await client.EmitWithAckAsync("seq-report"))!;
            Assert.Equal(Enumerable.Range(0, 60), report.Select(r => (int)((OrderedJsonObject)r!)["i"]!));
            var posts = (await TransportTestHelpers.RequestsAsync(client)).Skip(before)
                .Where(r => (string)r["method"]! == "POST").Select(r => Convert.ToInt32(r["contentLength"])).ToList();
            Assert.All(posts, length => Assert.True(length <= SmallPayloadRecordingServerFixture.MaxPayload, $"a POST of {length} bytes"));
            var big = posts.Where(length => length > 200).ToList(); // those carrying several 57-byte packets
            Assert.InRange(big.Count, 4, 20);                          // 60 packets: at least 60 / 16
            Assert.Contains(big, length => length > 800);             // batches fill up to the limit
        }

        [Fact]
        public async Task ManyQueuedEmitsGoOutBatchedWithinMaxPayloadAndInOrder()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri, configure: TransportTestHelpers.Transports(EngineTransports.Polling));
            var padding = new string('p', 60);

            var sends = Enumerable.Range(0, 120).Select(i => client.Socket.EmitAsync("seq", new object?[] { i, padding }, default)).ToArray();
            await Task.WhenAll(sends).WaitAsync(Client.Timeout);

            var report = (object?[])Assert.Single(await client.EmitWithAckAsync("seq-report"))!;
            Assert.Equal(Enumerable.Range(0, 120), report.Select(r => (int)((OrderedJsonObject)r!)["i"]!));
            Assert.Equal(ConnectionState.Connected, client.Socket.State);
        }

        [Fact]
        public async Task BinaryLimitCountsBase64OnPolling()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri, configure: TransportTestHelpers.Transports(EngineTransports.Polling));

            // 740 bytes are "b" + 988 base64 characters: they fit. 1000 bytes would be 1337 characters.
            var e = await Assert.ThrowsAsync<SocketIoPayloadTooLargeException>(() => client.EmitWithAckAsync("echo-ack", new byte[1000]));
            Assert.Equal(1337, e.Size);
            Assert.Equal(new object?[] { new byte[740] }, await client.EmitWithAckAsync("echo-ack", new byte[740]));
        }
    }

    /// <summary>Heartbeat over polling with pingInterval 300 ms / pingTimeout 200 ms: pongs are POSTs.</summary>
    [Collection(TimingSensitive.Name)]
    public class PollingHeartbeatTests : IClassFixture<FastPingRecordingServerFixture>
    {
        private readonly FastPingRecordingServerFixture _server;

        public PollingHeartbeatTests(FastPingRecordingServerFixture server) => _server = server;

        [Fact]
        public async Task PingsAreAnsweredOverPollingAndTheSessionStaysUp()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri, configure: TransportTestHelpers.Transports(EngineTransports.Polling));
            var engine = client.Manager.Engine!;
            var lastSeen = engine.LastPingAt;
            int advances = 0;

            await Wait.UntilAsync(() =>
            {
                var now = engine.LastPingAt;
                if (now != lastSeen) { advances++; lastSeen = now; }
                return advances >= 4 || client.Socket.State != ConnectionState.Connected;
            }, TimeSpan.FromSeconds(5), "four server pings");

            Assert.Equal(ConnectionState.Connected, client.Socket.State);
            Assert.Equal("polling", engine.TransportName);
            Assert.Equal(new object?[] { "alive" }, await client.EmitWithAckAsync("echo-ack", "alive"));
            var posts = (await TransportTestHelpers.RequestsAsync(client)).Count(r => (string)r["method"]! == "POST");
            Assert.True(posts >= 5, $"only {posts} POSTs for 4 pongs and the CONNECT");
        }
    }

    /// <summary>Handshake refusals come back as connect failures that say what the server said.</summary>
    public class PollingRefusalTests : IClassFixture<WebSocketOnlyServerFixture>
    {
        private readonly WebSocketOnlyServerFixture _server;

        public PollingRefusalTests(WebSocketOnlyServerFixture server) => _server = server;

        [Fact]
        public async Task ServerWithoutPollingIsAClearErrorWhenPinnedToPolling()
        {
            using var client = new Client(_server.BaseUri, configure: TransportTestHelpers.Transports(EngineTransports.Polling));

            var e = await Assert.ThrowsAsync<SocketIoConnectFailedException>(() => client.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout));

            Assert.Contains("HTTP 400", e.Message);
            Assert.Contains("Engine.IO error 0 \"Transport unknown\"", e.Message);
            Assert.Contains("only WebSocket", e.Message);
            Assert.Equal(ConnectionState.Disconnected, client.Socket.State);
        }

        [Fact]
        public async Task TheDefaultFailsTooAndWebSocketWorks()
        {
            using (var byDefault = new Client(_server.BaseUri))
                await Assert.ThrowsAsync<SocketIoConnectFailedException>(() => byDefault.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout));

            using var pinned = await Client.ConnectAsync(_server.BaseUri, configure: TransportTestHelpers.Transports(EngineTransports.WebSocket));
            Assert.Equal("websocket", pinned.Manager.Engine!.TransportName);
        }

        [Theory]
        [InlineData("{\"code\":5,\"message\":\"Unsupported protocol version\"}", "Engine.IO protocol version 4")]
        [InlineData("{\"code\":4,\"message\":\"Forbidden\"}", "Engine.IO error 4 \"Forbidden\"")]
        [InlineData("\"Not an accepted origin.\"", "HTTP 400 Bad Request: Not an accepted origin.")]
        public async Task ErrorBodiesAreSurfaced(string body, string expected)
        {
            using var fake = new CannedHttpServer(400, "Bad Request", "application/json", body);
            using var client = new Client(fake.BaseUri, configure: TransportTestHelpers.Transports(EngineTransports.Polling));

            var e = await Assert.ThrowsAsync<SocketIoConnectFailedException>(() => client.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout));

            Assert.Contains(expected, e.Message);
            Assert.Contains(fake.BaseUri.Authority + "/socket.io/", e.Message);
            Assert.DoesNotContain("EIO=", e.Message); // the query (user tokens) stays out of messages
        }

        [Fact]
        public async Task UnreachableServerIsAConnectFailure()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            using var client = new Client(new Uri($"http://127.0.0.1:{port}"), configure: TransportTestHelpers.Transports(EngineTransports.Polling));

            var e = await Assert.ThrowsAsync<SocketIoConnectFailedException>(() => client.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout));

            Assert.Contains("Could not reach http://127.0.0.1:" + port + "/socket.io/ (HTTP long-polling)", e.Message);
        }
    }

    /// <summary>Answers every HTTP request on the loopback with one canned response (and closes the connection).</summary>
    public sealed class CannedHttpServer : IDisposable
    {
        private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();

        public CannedHttpServer(int status, string reason, string contentType, string body)
        {
            _listener.Start();
            _ = Task.Run(async () =>
            {
                var bytes = Encoding.UTF8.GetBytes(body);
                var head = Encoding.ASCII.GetBytes($"HTTP/1.1 {status} {reason}\r\nContent-Type: {contentType}\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n");
                while (!_stop.IsCancellationRequested)
                {
                    TcpClient tcp;
                    try { tcp = await _listener.AcceptTcpClientAsync(_stop.Token); }
                    catch (Exception) { return; }
                    using (tcp)
                    {
                        try
                        {
                            var stream = tcp.GetStream();
                            var buffer = new byte[4096];
                            var seen = new StringBuilder();
                            while (!seen.ToString().Contains("\r\n\r\n"))
                            {
                                int n = await stream.ReadAsync(buffer, _stop.Token);
                                if (n == 0) break;
                                seen.Append(Encoding.ASCII.GetString(buffer, 0, n));
                            }
                            await stream.WriteAsync(head, _stop.Token);
                            await stream.WriteAsync(bytes, _stop.Token);
                        }
                        catch (Exception e) when (e is IOException || e is OperationCanceledException || e is SocketException) { }
                    }
                }
            });
        }

        public Uri BaseUri => new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
        }
    }
}
