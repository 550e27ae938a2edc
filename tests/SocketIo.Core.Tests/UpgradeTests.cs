using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo;
using SocketIo.Core.Tests.Infrastructure;
using Xunit;
using SocketIo.Core.Json;

namespace SocketIo.Core.Tests
{
    /// <summary>The default transport setup: long-polling, then the upgrade to WebSocket as engine.io-client does it
    /// (probe, pause polling, switch, flush), with nothing lost or duplicated across it.</summary>
    public class UpgradeTests : IClassFixture<RecordingServerFixture>
    {
        private readonly RecordingServerFixture _server;

        public UpgradeTests(RecordingServerFixture server) => _server = server;

        private static Action<Core.SocketIo.SocketIoClientOptions> Query(string key, string value, Action<EngineOptions>? more = null) => o =>
        {
            o.Engine.Query.Add(new KeyValuePair<string, string>(key, value));
            more?.Invoke(o.Engine);
        };

        [Fact]
        public async Task DefaultStartsOnPollingAndUpgradesToWebSocket()
        {
            using var client = new Client(_server.BaseUri);
            Assert.Equal("polling", client.Manager.Engine?.TransportName ?? "polling");
            await client.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout);
            var handshake = Assert.IsType<OrderedJsonObject>(Assert.Single(await client.EmitWithAckAsync("handshake")));
            Assert.Equal("polling", Assert.IsType<OrderedJsonObject>(handshake["query"])["transport"]);

            await TransportTestHelpers.UpgradedAsync(client);

            var info = Assert.IsType<OrderedJsonObject>(Assert.Single(await client.EmitWithAckAsync("engine-info")));
            Assert.Equal("websocket", info["transport"]);
            Assert.Equal(true, info["upgraded"]);
            var requests = await TransportTestHelpers.RequestsAsync(client);
            var upgrade = Assert.Single(requests, r => (string)r["transport"]! == "websocket");
            Assert.Equal(client.Manager.Engine!.Handshake!.Sid, ((OrderedJsonObject)upgrade["query"]!)["sid"]);
            Assert.False(((OrderedJsonObject)upgrade["query"]!).ContainsKey("t")); // no cache buster on WebSocket by default
            Assert.Equal(new object?[] { "after" }, await client.EmitWithAckAsync("echo-ack", "after"));
        }

        [Fact]
        public async Task UpgradedEventIsRaisedOnceAndSocketIoTrafficWorksOnTheEngine()
        {
            var options = new EngineOptions { ServerUri = _server.BaseUri };
            using var engine = new EngineSocket(options);
            var upgraded = new List<string>();
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            engine.Upgraded += name => { lock (upgraded) upgraded.Add(name); done.TrySetResult(); };
            var messages = new List<string>();
            engine.MessageReceived = packet => { lock (messages) messages.Add(Wire.Text(packet)); };

            await engine.OpenAsync(CancellationToken.None).WaitAsync(Client.Timeout);
            await engine.SendAsync(new[] { EnginePacketCodec.EncodeText(EnginePacketType.Message, "0") }, default).WaitAsync(Client.Timeout);
            await done.Task.WaitAsync(Client.Timeout);
            await Wait.UntilAsync(() => { lock (messages) return messages.Count > 0; }, Client.Timeout, "the CONNECT reply");

            lock (upgraded) Assert.Equal(new[] { "websocket" }, upgraded);
            Assert.Equal("websocket", engine.TransportName);
            lock (messages) Assert.StartsWith("0{\"sid\":", messages[0]);
        }

        [Fact]
        public async Task ServerBurstSpanningTheUpgradeArrivesCompleteAndInOrder()
        {
            // The server emits a third of the burst at once (polling), a third when the probe arrives (between 3probe
            // and the client's 5: they travel in the GET the server releases, or wait for the WebSocket), and the
            // rest after the upgrade. The delayed probe makes sure the burst starts before the upgrade does.
            using var client = await Client.ConnectAsync(_server.BaseUri,
                auth: new Dictionary<string, object?> { ["scenario"] = "upgrade-burst", ["count"] = 200 },
                configure: Query("delayUpgrade", "150"));

            var transports = new List<string>();
            for (int i = 0; i < 200; i++)
            {
                var burst = Assert.IsType<OrderedJsonObject>(Assert.Single((await client.Events.NextAsync("burst")).Arguments));
                Assert.Equal(i, burst["i"]);
                transports.Add((string)burst["transport"]!);
            }

            Assert.Equal("websocket", client.Manager.Engine!.TransportName);
            Assert.All(transports.Take(66), t => Assert.Equal("polling", t));
            Assert.All(transports.Skip(133), t => Assert.Equal("websocket", t));
            await Assert.ThrowsAsync<TimeoutException>(() => client.Events.NextAsync("burst", TimeSpan.FromMilliseconds(200))); // no duplicates
        }

        [Fact]
        public async Task ClientEmitsDuringTheUpgradeArriveOnceAndInOrder()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri, configure: Query("delayUpgrade", "100"));
            var engine = client.Manager.Engine!;

            // Emit continuously (a few not awaited at a time) until well after the switch: some go over polling, some
            // are held while polling pauses, the rest go over the WebSocket.
            int next = 0, afterUpgrade = 0;
            var deadline = DateTime.UtcNow + Client.Timeout;
            while (afterUpgrade < 40 && DateTime.UtcNow < deadline)
            {
                var batch = Enumerable.Range(next, 4).Select(i => client.Socket.EmitAsync("seq", new object?[] { i }, default)).ToArray();
                next += 4;
                await Task.WhenAll(batch).WaitAsync(Client.Timeout);
                if (engine.TransportName == "websocket") afterUpgrade += 4;
            }

            var report = ((object?[])Assert.Single(await client.EmitWithAckAsync("seq-report"))!).Cast<OrderedJsonObject>().ToList();
            Assert.Equal(Enumerable.Range(0, next), report.Select(r => (int)r["i"]!));
            Assert.Contains(report, r => (string)r["transport"]! == "polling");
            Assert.Contains(report, r => (string)r["transport"]! == "websocket");
        }

        [Fact]
        public async Task NoUpgradeStaysOnPolling()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri, configure: o => o.Engine.Upgrade = false);

            for (int i = 0; i < 10; i++) Assert.Equal(new object?[] { i }, await client.EmitWithAckAsync("echo-ack", i));

            Assert.Equal("polling", client.Manager.Engine!.TransportName);
            Assert.DoesNotContain(await TransportTestHelpers.RequestsAsync(client), r => (string)r["transport"]! == "websocket");
        }

        [Fact]
        public async Task FailedProbeKeepsPolling()
        {
            var options = new EngineOptions { ServerUri = _server.BaseUri };
            options.Query.Add(new KeyValuePair<string, string>("failUpgrade", "1"));
            using var engine = new EngineSocket(options);
            var failed = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
            engine.UpgradeFailed += e => failed.TrySetResult(e);

            await engine.OpenAsync(CancellationToken.None).WaitAsync(Client.Timeout);
            var error = await failed.Task.WaitAsync(Client.Timeout);

            Assert.IsType<SocketIoConnectFailedException>(error);
            Assert.Equal("polling", engine.TransportName);
            Assert.True(engine.IsOpen);
            Assert.False(options.WebSocketSucceeded);

            // And through the Socket.IO layer: the session goes on over polling.
            using var client = await Client.ConnectAsync(_server.BaseUri, configure: Query("failUpgrade", "1"));
            for (int i = 0; i < 5; i++) Assert.Equal(new object?[] { i }, await client.EmitWithAckAsync("echo-ack", i));
            Assert.Equal("polling", client.Manager.Engine!.TransportName);
        }

        [Fact]
        public async Task RememberUpgradeOpensTheNextSessionOnWebSocket()
        {
            var options = new EngineOptions { ServerUri = _server.BaseUri, RememberUpgrade = true };

            using (var first = new EngineSocket(options))
            {
                await first.OpenAsync(CancellationToken.None).WaitAsync(Client.Timeout);
                Assert.Equal("polling", first.TransportName);
                await Wait.UntilAsync(() => first.TransportName == "websocket", Client.Timeout, "the upgrade");
                await first.CloseAsync().WaitAsync(Client.Timeout);
            }
            Assert.True(options.WebSocketSucceeded);

            using (var second = new EngineSocket(options))
            {
                Assert.Equal("websocket", second.TransportName);
                var handshake = await second.OpenAsync(CancellationToken.None).WaitAsync(Client.Timeout);
                Assert.Equal("websocket", second.TransportName);
                Assert.Empty(handshake.Upgrades); // opened on WebSocket: nothing to upgrade to
            }

            // Without rememberUpgrade the same history does not matter.
            options.RememberUpgrade = false;
            using var third = new EngineSocket(options);
            await third.OpenAsync(CancellationToken.None).WaitAsync(Client.Timeout);
            Assert.Equal("polling", third.TransportName);
        }

        [Fact]
        public async Task ClosingDuringTheUpgradeIsClean()
        {
            var options = new EngineOptions { ServerUri = _server.BaseUri };
            options.Query.Add(new KeyValuePair<string, string>("delayUpgrade", "50"));
            using var engine = new EngineSocket(options);
            string? reason = null;
            engine.Closed += (r, _) => reason = r;
            await engine.OpenAsync(CancellationToken.None).WaitAsync(Client.Timeout);

            await engine.CloseAsync().WaitAsync(Client.Timeout);

            Assert.Equal("io client disconnect", reason);
            Assert.False(engine.IsOpen);
            await Assert.ThrowsAsync<SocketIoNotConnectedException>(() => engine.SendAsync(new[] { EnginePacketCodec.EncodeText(EnginePacketType.Message, "x") }, default));
        }

    }

    /// <summary>A server that offers no upgrade: the session simply stays on polling.</summary>
    public class UpgradeNotOfferedTests : IClassFixture<PollingOnlyServerFixture>
    {
        private readonly PollingOnlyServerFixture _server;

        public UpgradeNotOfferedTests(PollingOnlyServerFixture server) => _server = server;

        [Fact]
        public async Task NoUpgradesInTheHandshakeMeansPollingThroughout()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri);

            Assert.Empty(client.Manager.Engine!.Handshake!.Upgrades);
            Assert.Equal(new object?[] { "x" }, await client.EmitWithAckAsync("echo-ack", "x"));
            Assert.Equal("polling", client.Manager.Engine.TransportName);
        }

        [Fact]
        public async Task WebSocketPinnedAgainstAPollingOnlyServerFails()
        {
            using var client = new Client(_server.BaseUri, configure: TransportTestHelpers.Transports(EngineTransports.WebSocket));

            var e = await Assert.ThrowsAsync<SocketIoConnectFailedException>(() => client.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout));

            Assert.Contains("Could not open a WebSocket to ws://127.0.0.1:", e.Message);
        }
    }
}
