using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.Tests.Infrastructure;
using Xunit;
using SocketIo.Core.Json;

namespace SocketIo.Core.Tests
{
    /// <summary>Joining namespaces on the node server: success, auth, rejections, unreachable and silent servers.</summary>
    public class ConnectTests : IClassFixture<DefaultServerFixture>
    {
        private readonly DefaultServerFixture _server;

        public ConnectTests(DefaultServerFixture server) => _server = server;

        [Fact]
        public async Task ConnectsToTheMainNamespace()
        {
            using var client = new Client(_server.BaseUri);
            var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            client.Socket.Connected += () => connected.TrySetResult();

            await client.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout);

            Assert.Equal(ConnectionState.Connected, client.Socket.State);
            Assert.False(string.IsNullOrEmpty(client.Socket.Id));
            Assert.NotNull(client.Socket.ConnectedAt);
            Assert.Contains(client.Manager.Engine!.TransportName, new[] { "polling", "websocket" }); // polling, then the upgrade
            await connected.Task.WaitAsync(Client.Timeout);
        }

        [Fact]
        public async Task ConnectsToAdminWithTheRightToken()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri, "/admin", Auth("secret"));

            Assert.Equal(ConnectionState.Connected, client.Socket.State);
            Assert.False(string.IsNullOrEmpty(client.Socket.Id));
            Assert.Equal(new object?[] { "ok" }, await client.EmitWithAckAsync("echo-ack", "ok"));
        }

        [Fact]
        public async Task WrongTokenIsRejectedWithTheServersMessageAndData()
        {
            using var client = new Client(_server.BaseUri, "/admin", Auth("wrong"));

            var e = await Assert.ThrowsAsync<SocketIoConnectRejectedException>(
                () => client.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout));

            Assert.Equal("not authorized", e.ServerMessage);
            var data = Assert.IsType<OrderedJsonObject>(e.ServerData);
            Assert.Equal(401, data["code"]);
            Assert.Equal(ConnectionState.Disconnected, client.Socket.State);
        }

        [Fact]
        public async Task MainNamespaceMiddlewareRejection()
        {
            using var client = new Client(_server.BaseUri, "/", Auth("bad"));

            var e = await Assert.ThrowsAsync<SocketIoConnectRejectedException>(
                () => client.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout));

            Assert.Equal("auth rejected", e.ServerMessage);
            Assert.Equal("bad token", Assert.IsType<OrderedJsonObject>(e.ServerData)["reason"]);
        }

        [Fact]
        public async Task UnknownNamespaceIsRejected()
        {
            using var client = new Client(_server.BaseUri, "/nope");

            var e = await Assert.ThrowsAsync<SocketIoConnectRejectedException>(
                () => client.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout));

            Assert.Equal("Invalid namespace", e.ServerMessage);
        }

        [Fact]
        public async Task RejectedSocketCanRetryWithBetterAuth()
        {
            using var client = new Client(_server.BaseUri, "/admin", Auth("wrong"));
            await Assert.ThrowsAsync<SocketIoConnectRejectedException>(
                () => client.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout));

            client.Socket.Auth = Auth("secret");
            await client.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout);

            Assert.Equal(ConnectionState.Connected, client.Socket.State);
        }

        [Fact]
        public async Task TwoNamespacesShareOneSession()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri);
            var admin = client.Manager.Socket("/admin");
            admin.Auth = Auth("secret");

            await admin.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout);

            Assert.Equal(ConnectionState.Connected, admin.State);
            Assert.NotEqual(client.Socket.Id, admin.Id);
            var main = await client.EmitWithAckAsync("echo-ack", "main");
            var viaAdmin = await admin.EmitWithAckAsync("echo-ack", new object?[] { "admin" }, Client.Timeout, CancellationToken.None).WaitAsync(Client.Timeout);
            Assert.Equal(new object?[] { "main" }, main);
            Assert.Equal(new object?[] { "admin" }, viaAdmin);
        }

        [Fact]
        public async Task RefusedPortFailsQuickly()
        {
            int port = FreePort();
            using var client = new Client(new Uri($"http://127.0.0.1:{port}"));
            var watch = Stopwatch.StartNew();

            var e = await Assert.ThrowsAsync<SocketIoConnectFailedException>(
                () => client.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout));

            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"took {watch.Elapsed}");
            Assert.Contains($"127.0.0.1:{port}", e.Message);
            Assert.Equal(ConnectionState.Disconnected, client.Socket.State);
        }

        [Fact]
        public async Task SilentServerTimesOut()
        {
            // Accepts TCP connections and never answers the WebSocket upgrade.
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var accepted = new List<TcpClient>();
            var accepting = Task.Run(async () =>
            {
                try { while (true) accepted.Add(await listener.AcceptTcpClientAsync()); }
                catch (Exception e) when (e is SocketException || e is ObjectDisposedException) { }
            });
            try
            {
                var uri = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}");
                using var client = new Client(uri, configure: o => o.ConnectTimeout = TimeSpan.FromMilliseconds(500));
                var watch = Stopwatch.StartNew();

                await Assert.ThrowsAsync<SocketIoConnectTimeoutException>(
                    () => client.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout));

                Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(3));
                Assert.Equal(ConnectionState.Disconnected, client.Socket.State);
            }
            finally
            {
                listener.Stop();
                await accepting.WaitAsync(Client.Timeout);
                foreach (var tcp in accepted) tcp.Dispose();
            }
        }

        [Fact]
        public async Task CallerCancellationIsNotReportedAsTimeout()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            try
            {
                var uri = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}");
                using var client = new Client(uri);
                using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

                await Assert.ThrowsAnyAsync<OperationCanceledException>(
                    () => client.Socket.ConnectAsync(cancel.Token).WaitAsync(Client.Timeout));
            }
            finally
            {
                listener.Stop();
            }
        }

        [Fact]
        public async Task ServerSilentAfterTheUpgradeTimesOut()
        {
            using var server = new FakeEngineServer();
            using var client = new Client(server.BaseUri, configure: o => { FakeEngineServer.WebSocketOnly(o); o.ConnectTimeout = TimeSpan.FromMilliseconds(500); });
            var connecting = client.Socket.ConnectAsync(CancellationToken.None);
            using var connection = await server.AcceptAsync(); // WebSocket open, but no Engine.IO open packet

            await Assert.ThrowsAsync<SocketIoConnectTimeoutException>(() => connecting.WaitAsync(Client.Timeout));
            Assert.Equal(ConnectionState.Disconnected, client.Socket.State);
        }

        [Fact]
        public async Task UnansweredConnectTimesOutAndClosesTheSession()
        {
            using var server = new FakeEngineServer();
            using var client = new Client(server.BaseUri, configure: o => { FakeEngineServer.WebSocketOnly(o); o.ConnectTimeout = TimeSpan.FromMilliseconds(500); });
            var connecting = client.Socket.ConnectAsync(CancellationToken.None);
            using var connection = await server.AcceptAsync();
            await connection.SendTextAsync("0{\"sid\":\"e\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":20000}");

            await Assert.ThrowsAsync<SocketIoConnectTimeoutException>(() => connecting.WaitAsync(Client.Timeout));

            Assert.Equal("40", await connection.ReceiveTextAsync());
            Assert.Null(await connection.ReceiveTextAsync()); // WebSocket close: no namespace left, so the session ends
        }

        [Fact]
        public async Task DisconnectWhileConnectingEndsTheConnectAtOnce()
        {
            using var server = new FakeEngineServer();
            using var client = new Client(server.BaseUri, configure: FakeEngineServer.WebSocketOnly); // ConnectTimeout 5 s
            var connecting = client.Socket.ConnectAsync(CancellationToken.None);
            using var connection = await server.AcceptAsync();
            await connection.SendTextAsync("0{\"sid\":\"e\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":20000}");
            Assert.Equal("40", await connection.ReceiveTextAsync());
            var watch = Stopwatch.StartNew();

            await client.Socket.DisconnectAsync().WaitAsync(Client.Timeout);

            var e = await Assert.ThrowsAsync<SocketIoConnectFailedException>(() => connecting.WaitAsync(Client.Timeout));
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"ConnectAsync ended {watch.Elapsed} after DisconnectAsync");
            Assert.Contains("io client disconnect", e.Message);
            Assert.Equal(ConnectionState.Disconnected, client.Socket.State);
        }

        [Fact]
        public async Task HeadersAndQueryReachTheServer()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri, auth: Auth("t1"), configure: o =>
            {
                o.Engine.Query.Add(new KeyValuePair<string, string>("room", "a b&c"));
                o.Engine.Headers.Add(new KeyValuePair<string, string>("X-Test-Header", "yes"));
            });

            var reply = Assert.Single(await client.EmitWithAckAsync("handshake"));

            var handshake = Assert.IsType<OrderedJsonObject>(reply);
            var query = Assert.IsType<OrderedJsonObject>(handshake["query"]);
            var headers = Assert.IsType<OrderedJsonObject>(handshake["headers"]);
            var auth = Assert.IsType<OrderedJsonObject>(handshake["auth"]);
            Assert.Equal("a b&c", query["room"]);
            Assert.Equal("4", query["EIO"]);
            Assert.Equal("polling", query["transport"]); // the handshake request: polling first by default
            Assert.Equal("yes", headers["x-test-header"]);
            Assert.Equal("t1", auth["token"]);
        }

        [Fact]
        public async Task WelcomeScenarioFromQueryArrivesAfterConnect()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri,
                configure: o => o.Engine.Query.Add(new KeyValuePair<string, string>("scenario", "welcome")));

            var welcome = await client.Events.NextAsync("welcome");

            var body = Assert.IsType<OrderedJsonObject>(Assert.Single(welcome.Arguments));
            Assert.Equal("hello", body["message"]);
            Assert.Equal(client.Socket.Id, body["id"]);
        }

        private static Dictionary<string, object?> Auth(string token) => new Dictionary<string, object?> { ["token"] = token };

        private static int FreePort()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return port;
        }
    }
}
