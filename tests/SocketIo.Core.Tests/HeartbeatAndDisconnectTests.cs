using System;
using System.Diagnostics;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo;
using SocketIo.Core.Tests.Infrastructure;
using Xunit;

namespace SocketIo.Core.Tests
{
    /// <summary>
    /// Heartbeat with fast server pings (300/200 ms) and a scripted silent server, and every way a connection ends.
    /// Deadlines of a few hundred ms are tighter than a 2-core machine busy starting node servers and JIT-compiling
    /// other test classes can promise, so this class runs on its own, after the parallel ones.
    /// </summary>
    [Collection(TimingSensitive.Name)]
    public class HeartbeatAndDisconnectTests : IClassFixture<FastPingServerFixture>
    {
        private readonly FastPingServerFixture _server;

        public HeartbeatAndDisconnectTests(FastPingServerFixture server) => _server = server;

        [Fact]
        public async Task IdleConnectionStaysUpAcrossSeveralPings()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri);
            var engine = client.Manager.Engine!;
            Assert.Equal(TimeSpan.FromMilliseconds(300), engine.Handshake!.PingInterval);
            Assert.Equal(TimeSpan.FromMilliseconds(200), engine.Handshake.PingTimeout);
            string? disconnectReason = null;
            client.Socket.Disconnected += (reason, _) => disconnectReason = reason;

            // Each ping is answered; without pongs the server would drop us 200 ms after its first ping.
            var lastSeen = engine.LastPingAt;
            int advances = 0;
            await Wait.UntilAsync(() =>
            {
                var now = engine.LastPingAt;
                if (now != lastSeen) { advances++; lastSeen = now; }
                return advances >= 4 || client.Socket.State != ConnectionState.Connected;
            }, TimeSpan.FromSeconds(5), "four server pings");

            Assert.True(client.Socket.State == ConnectionState.Connected && disconnectReason == null,
                $"disconnected ({client.Socket.DisconnectReason}) after {advances} pings");
            Assert.True(engine.IsOpen);
            Assert.Equal(new object?[] { "alive" }, await client.EmitWithAckAsync("echo-ack", "alive"));
        }

        [Fact]
        public async Task PingsAreAnsweredWithPongs()
        {
            using var server = new FakeEngineServer();
            using var client = new Client(server.BaseUri, configure: FakeEngineServer.WebSocketOnly);
            var connecting = client.Socket.ConnectAsync(CancellationToken.None);
            using var connection = await server.AcceptAndJoinAsync();
            await connecting.WaitAsync(Client.Timeout);
            Assert.Contains("EIO=4", connection.RequestLine);
            Assert.Contains("transport=websocket", connection.RequestLine);

            await connection.SendTextAsync("2");

            Assert.Equal("3", await connection.ReceiveTextAsync());
            Assert.NotEqual(default, client.Manager.Engine!.LastPingAt);
        }

        [Fact]
        public async Task SilentServerIsPingTimeoutAfterIntervalPlusTimeout()
        {
            using var server = new FakeEngineServer();
            // Reconnection off: this test is about the reason and the final state (ReconnectTests covers what follows).
            using var client = new Client(server.BaseUri, configure: o => { FakeEngineServer.WebSocketOnly(o); o.Reconnection = false; });
            var disconnected = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            client.Socket.Disconnected += (reason, _) => disconnected.TrySetResult(reason);
            var connecting = client.Socket.ConnectAsync(CancellationToken.None);
            var watch = Stopwatch.StartNew(); // before the open packet that arms the client's watchdog
            using var connection = await server.AcceptAndJoinAsync(pingInterval: 200, pingTimeout: 100);
            await connecting.WaitAsync(Client.Timeout);

            var reason = await disconnected.Task.WaitAsync(Client.Timeout);

            Assert.Equal(DisconnectReasons.PingTimeout, reason);
            Assert.True(watch.ElapsedMilliseconds >= 280, $"closed after {watch.ElapsedMilliseconds} ms");
            Assert.Equal(ConnectionState.Disconnected, client.Socket.State);
        }

        [Fact]
        public async Task ServerKickIsIoServerDisconnect()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri);
            var disconnected = DisconnectedEvent(client);
            var pending = client.Socket.EmitWithAckAsync("no-ack", new object?[0], TimeSpan.FromSeconds(30), CancellationToken.None);

            await client.EmitAsync("kick");

            Assert.Equal(DisconnectReasons.IoServerDisconnect, await disconnected.WaitAsync(Client.Timeout));
            Assert.Equal(ConnectionState.Disconnected, client.Socket.State);
            Assert.Equal(DisconnectReasons.IoServerDisconnect, client.Socket.DisconnectReason);
            await Assert.ThrowsAsync<SocketIoNotConnectedException>(() => pending.WaitAsync(Client.Timeout));
            await Assert.ThrowsAsync<SocketIoNotConnectedException>(() => client.EmitAsync("echo", 1));
        }

        [Fact]
        public async Task ServerClosingTheTransportIsTransportClose()
        {
            // Reconnection off: this test is about the reason, the final state and a manual connect (ReconnectTests
            // covers the automatic reconnection).
            using var client = await Client.ConnectAsync(_server.BaseUri, configure: o => o.Reconnection = false);
            var disconnected = DisconnectedEvent(client);

            try
            {
                await client.EmitAsync("close-transport");
            }
            catch (SocketIoNotConnectedException)
            {
                // The server can close the socket before this send completes locally: the emit then reports the loss.
            }

            Assert.Equal(DisconnectReasons.TransportClose, await disconnected.WaitAsync(Client.Timeout));
            Assert.Equal(ConnectionState.Disconnected, client.Socket.State);
            Assert.Equal(DisconnectReasons.TransportClose, client.Socket.DisconnectReason);
            Assert.False(client.Manager.Engine!.IsOpen);

            await client.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout); // a new session
            Assert.Equal(new object?[] { "again" }, await client.EmitWithAckAsync("echo-ack", "again"));
        }

        [Fact]
        public async Task ClientDisconnectLeavesTheServerAndCanReconnect()
        {
            using var http = new HttpClient { Timeout = Client.Timeout };
            using var client = await Client.ConnectAsync(_server.BaseUri);
            var disconnected = DisconnectedEvent(client);
            Assert.True((await StatsAsync(http)).Sockets >= 1);

            await client.Socket.DisconnectAsync().WaitAsync(Client.Timeout);

            Assert.Equal(DisconnectReasons.IoClientDisconnect, await disconnected.WaitAsync(Client.Timeout));
            Assert.Equal(ConnectionState.Disconnected, client.Socket.State);
            Assert.False(client.Manager.Engine!.IsOpen); // the last namespace closed the session
            await Wait.UntilAsync(async () => (await StatsAsync(http)) == (0, 0), Client.Timeout, "/stats to show no sockets and no engine connections");

            await client.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout);
            Assert.Equal(ConnectionState.Connected, client.Socket.State);
            Assert.Equal(new object?[] { 1 }, await client.EmitWithAckAsync("echo-ack", 1));
        }

        [Fact]
        public async Task DisconnectingOneNamespaceKeepsTheOther()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri);
            var admin = client.Manager.Socket("/admin");
            admin.Auth = new System.Collections.Generic.Dictionary<string, object?> { ["token"] = "secret" };
            await admin.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout);

            await admin.DisconnectAsync().WaitAsync(Client.Timeout);

            Assert.Equal(ConnectionState.Disconnected, admin.State);
            Assert.Equal(ConnectionState.Connected, client.Socket.State);
            Assert.True(client.Manager.Engine!.IsOpen);
            Assert.Equal(new object?[] { "main" }, await client.EmitWithAckAsync("echo-ack", "main"));
        }

        private static Task<string> DisconnectedEvent(Client client)
        {
            var disconnected = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            client.Socket.Disconnected += (reason, _) => disconnected.TrySetResult(reason);
            return disconnected.Task;
        }

        private async Task<(int Engines, int Sockets)> StatsAsync(HttpClient http)
        {
            using var stats = JsonDocument.Parse(await http.GetStringAsync(new Uri(_server.BaseUri, "/stats")));
            return (stats.RootElement.GetProperty("engineConnections").GetInt32(), stats.RootElement.GetProperty("sockets").GetInt32());
        }
    }
}
