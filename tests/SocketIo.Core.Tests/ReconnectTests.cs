using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo;
using SocketIo.Core.Reconnect;
using SocketIo.Core.SocketIo;
using SocketIo.Core.Tests.Infrastructure;
using Xunit;
using SocketIo.Core.Json;

namespace SocketIo.Core.Tests
{
    /// <summary>
    /// Reconnection against the real node server (§3.2, §3.3): the server killed and started again on the same port,
    /// which reasons reconnect and which do not, giving up, CONNECT_ERROR on a reconnect, auth re-read on every CONNECT.
    /// </summary>
    public class ReconnectTests : IClassFixture<DefaultServerFixture>
    {
        private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);
        private readonly DefaultServerFixture _server;

        public ReconnectTests(DefaultServerFixture server) => _server = server;

        /// <summary>Short, exact waits: 100 ms doubling up to 300 ms, no jitter.</summary>
        internal static void Fast(SocketIoClientOptions options)
        {
            options.ReconnectionDelay = TimeSpan.FromMilliseconds(100);
            options.ReconnectionDelayMax = TimeSpan.FromMilliseconds(300);
            options.RandomizationFactor = 0;
        }

        [Fact]
        public async Task KilledServerStartedAgainOnTheSamePort_ClientReconnectsAndBufferedEmitsArriveOnceInOrder()
        {
            using var server = await RestartableNodeServer.StartAsync();
            using var client = new Client(server.BaseUri, configure: Fast);
            var life = new LifecycleRecorder(client.Socket);
            await client.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout);
            var firstSid = client.Socket.Id;
            Assert.Equal(new object?[] { "before" }, await client.EmitWithAckAsync("echo-ack", "before"));

            server.Kill();

            var disconnect = await life.NextAsync(LifecycleEventNames.Disconnect);
            Assert.Contains(disconnect.Reason, new[] { DisconnectReasons.TransportClose, DisconnectReasons.TransportError });
            Assert.True(disconnect.WillReconnect);
            Assert.Equal(ConnectionState.Reconnecting, client.Socket.State);
            for (int i = 0; i < 5; i++)
                Assert.Equal(EmitOutcome.Buffered, await client.Socket.EmitAsync("record", new object?[] { "restart", i }, EmitOptions.Default, CancellationToken.None));
            Assert.Equal(5, client.Socket.BufferedEmits);
            await life.NextAsync(LifecycleEventNames.ReconnectError, Long); // the server is down: an attempt fails

            await server.RestartAsync();

            var reconnect = await life.NextAsync(LifecycleEventNames.Reconnect, Long);
            var connect = await life.NextAsync(LifecycleEventNames.Connect, Long); // the first connect's event came before
            Assert.True(reconnect.Attempt >= 2);
            connect = await NextReconnectAsync(life, connect);
            Assert.True(connect.IsReconnect);
            Assert.False(connect.Recovered);
            Assert.Equal(ConnectionState.Connected, client.Socket.State);
            Assert.NotEqual(firstSid, client.Socket.Id);
            Assert.Equal(1, client.Socket.Reconnects);
            Assert.Equal(0, client.Socket.BufferedEmits);

            // Sent after the buffered ones, so the server has them all by the time it answers.
            var recorded = Assert.IsType<object?[]>(Assert.Single(await client.EmitWithAckAsync("recorded", "restart")));
            Assert.Equal(new object?[] { 0, 1, 2, 3, 4 }, recorded);
            var names = life.Names.ToList();
            Assert.True(names.IndexOf(LifecycleEventNames.ReconnectAttempt) > names.IndexOf(LifecycleEventNames.Disconnect));
            Assert.True(names.LastIndexOf(LifecycleEventNames.Reconnect) < names.LastIndexOf(LifecycleEventNames.Connect));
        }

        [Fact]
        public async Task KickIsIoServerDisconnectAndIsNotReconnected()
        {
            using var client = new Client(_server.BaseUri, configure: Fast);
            var life = new LifecycleRecorder(client.Socket);
            await client.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout);

            await client.EmitAsync("kick");

            var disconnect = await life.NextAsync(LifecycleEventNames.Disconnect);
            Assert.Equal(DisconnectReasons.IoServerDisconnect, disconnect.Reason);
            Assert.False(disconnect.WillReconnect);
            Assert.Equal(ConnectionState.Disconnected, client.Socket.State);
            await Task.Delay(600); // several backoff delays: nothing may happen
            Assert.Equal(0, life.Count(LifecycleEventNames.ReconnectAttempt));
            Assert.Equal(ConnectionState.Disconnected, client.Socket.State);
            await Wait.UntilAsync(() => !client.Manager.IsOpen, Client.Timeout, "the last namespace leaving to close the session");
            await Assert.ThrowsAsync<SocketIoNotConnectedException>(() => client.EmitAsync("echo", 1));
        }

        [Fact]
        public async Task TransportCloseReconnectsAndTheNextConnectReadsTheChangedAuth()
        {
            using var client = new Client(_server.BaseUri, auth: new Dictionary<string, object?> { ["user"] = "first" }, configure: Fast);
            var life = new LifecycleRecorder(client.Socket);
            await client.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout);

            // The script changes the auth at any time; the next CONNECT (here a reconnect) sends it.
            client.Socket.Auth = new Dictionary<string, object?> { ["user"] = "second", ["scenario"] = "welcome" };
            try { await client.EmitAsync("close-transport"); }
            catch (SocketIoNotConnectedException) { /* the close can beat the local send completion */ }

            var disconnect = await life.NextAsync(LifecycleEventNames.Disconnect);
            Assert.Equal(DisconnectReasons.TransportClose, disconnect.Reason);
            Assert.True(disconnect.WillReconnect);
            var attempt = await life.NextAsync(LifecycleEventNames.ReconnectAttempt);
            Assert.Equal(1, attempt.Attempt);
            Assert.Equal(TimeSpan.FromMilliseconds(100), attempt.Delay);
            Assert.Equal(1, (await life.NextAsync(LifecycleEventNames.Reconnect)).Attempt);
            await NextReconnectAsync(life, await life.NextAsync(LifecycleEventNames.Connect));

            Assert.Equal("hello", Assert.IsType<OrderedJsonObject>((await client.Events.NextAsync("welcome")).Arguments[0])["message"]);
            var handshake = Assert.IsType<OrderedJsonObject>(Assert.Single(await client.EmitWithAckAsync("handshake")));
            Assert.Equal("second", Assert.IsType<OrderedJsonObject>(handshake["auth"])["user"]);
            Assert.Equal(1, client.Socket.Reconnects);
            Assert.Equal(1, client.Manager.Reconnects);
        }

        [Fact]
        public async Task GivesUpAfterReconnectionAttempts_DisconnectedForGoodAndBufferedEmitsCounted()
        {
            using var server = await RestartableNodeServer.StartAsync();
            using var client = new Client(server.BaseUri, configure: o =>
            {
                Fast(o);
                o.ReconnectionAttempts = 2;
            });
            var life = new LifecycleRecorder(client.Socket);
            await client.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout);

            server.Kill();
            await life.NextAsync(LifecycleEventNames.Disconnect);
            Assert.Equal(EmitOutcome.Buffered, await client.Socket.EmitAsync("echo", new object?[] { 1 }, EmitOptions.Default, CancellationToken.None));
            var pendingAck = client.Socket.EmitWithAckAsync("echo-ack", new object?[] { 2 }, TimeSpan.FromSeconds(30), CancellationToken.None);

            var failed = await life.NextAsync(LifecycleEventNames.ReconnectFailed, Long);

            Assert.Equal(2, failed.Attempt);
            Assert.NotNull(failed.Error);
            Assert.Equal(new[] { 1, 2 }, life.All.Where(e => e.Name == LifecycleEventNames.ReconnectAttempt).Select(e => e.Attempt));
            Assert.Equal(2, life.Count(LifecycleEventNames.ReconnectError));
            // socket.io-client also tells the waiting socket (connect_error), marked as retrying.
            Assert.Equal(2, life.All.Count(e => e.Name == LifecycleEventNames.ConnectError && e.WillReconnect));
            Assert.Equal(ConnectionState.Disconnected, client.Socket.State);
            Assert.Equal(2, client.Socket.EmitsDiscarded);
            await Assert.ThrowsAsync<SocketIoNotConnectedException>(() => pendingAck.WaitAsync(Client.Timeout));
            await Assert.ThrowsAsync<SocketIoNotConnectedException>(() => client.EmitAsync("echo", 3));
            Assert.False(client.Manager.IsReconnecting);
        }

        [Fact]
        public async Task WithReconnectionOffALostConnectionIsDisconnectedForGood()
        {
            using var client = new Client(_server.BaseUri, configure: o => o.Reconnection = false);
            var life = new LifecycleRecorder(client.Socket);
            await client.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout);

            try { await client.EmitAsync("close-transport"); }
            catch (SocketIoNotConnectedException) { }

            var disconnect = await life.NextAsync(LifecycleEventNames.Disconnect);
            Assert.Equal(DisconnectReasons.TransportClose, disconnect.Reason);
            Assert.False(disconnect.WillReconnect);
            Assert.Equal(ConnectionState.Disconnected, client.Socket.State);
            await Task.Delay(300);
            Assert.Equal(0, life.Count(LifecycleEventNames.ReconnectAttempt));
        }

        [Fact]
        public async Task ConnectErrorOnAReconnectStopsTheNamespace()
        {
            using var client = new Client(_server.BaseUri, "/admin", new Dictionary<string, object?> { ["token"] = "secret" }, Fast);
            var life = new LifecycleRecorder(client.Socket);
            await client.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout);

            client.Socket.Auth = new Dictionary<string, object?> { ["token"] = "expired" };
            try { await client.EmitAsync("close-transport"); }
            catch (SocketIoNotConnectedException) { }

            var error = await life.NextAsync(LifecycleEventNames.ConnectError, Long);
            var rejected = Assert.IsType<SocketIoConnectRejectedException>(error.Error);
            Assert.Equal("not authorized", rejected.ServerMessage);
            Assert.Equal(ConnectionState.Disconnected, client.Socket.State);
            Assert.Same(rejected, client.Socket.LastError);
            await Wait.UntilAsync(() => !client.Manager.IsOpen, Client.Timeout, "the session to close once no namespace is left");
            await Task.Delay(400);
            Assert.Equal(1, life.Count(LifecycleEventNames.ReconnectAttempt)); // no retry after a refusal
        }

        [Fact]
        public async Task TheReconnectPolicyIsAskedBeforeEachAttemptAndCanGiveUp()
        {
            var policy = new RecordingPolicy(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(50));
            using var server = await RestartableNodeServer.StartAsync();
            using var client = new Client(server.BaseUri, configure: o => o.ReconnectPolicy = policy);
            var life = new LifecycleRecorder(client.Socket);
            await client.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout);

            server.Kill();
            var failed = await life.NextAsync(LifecycleEventNames.ReconnectFailed, Long);

            Assert.Equal(2, failed.Attempt);
            var contexts = policy.Contexts;
            Assert.Equal(new[] { 0, 1, 2 }, contexts.Select(c => c.PreviousAttempts));
            Assert.All(contexts, c => Assert.Contains(c.Reason, new[] { DisconnectReasons.TransportClose, DisconnectReasons.TransportError }));
            Assert.Null(contexts[0].LastError);
            Assert.NotNull(contexts[2].LastError);
            Assert.True(contexts[2].Elapsed >= TimeSpan.FromMilliseconds(100));
            Assert.Equal(ConnectionState.Disconnected, client.Socket.State);
        }

        /// <summary>The connect event of the reconnection (skipping the first connect's).</summary>
        private static async Task<LifecycleEvent> NextReconnectAsync(LifecycleRecorder life, LifecycleEvent connect)
        {
            while (!connect.IsReconnect) connect = await life.NextAsync(LifecycleEventNames.Connect, Long);
            return connect;
        }

        private sealed class RecordingPolicy : IReconnectPolicy
        {
            private readonly TimeSpan[] _delays;
            private readonly List<ReconnectContext> _contexts = new List<ReconnectContext>();

            public RecordingPolicy(params TimeSpan[] delays) => _delays = delays;

            public IReadOnlyList<ReconnectContext> Contexts { get { lock (_contexts) return _contexts.ToList(); } }

            public TimeSpan? NextDelay(ReconnectContext context)
            {
                lock (_contexts) _contexts.Add(context);
                return context.PreviousAttempts < _delays.Length ? _delays[context.PreviousAttempts] : (TimeSpan?)null;
            }
        }
    }

    /// <summary>A frozen server (SIGSTOP) is detected by the ping watchdog and the client comes back after SIGCONT.</summary>
    [Collection(TimingSensitive.Name)]
    public class ReconnectFrozenServerTests
    {
        [Fact]
        public async Task FrozenServerIsPingTimeoutWithinIntervalPlusTimeoutAndTheClientRecoversAfterSigcont()
        {
            if (!RestartableNodeServer.CanFreeze) return; // needs kill -STOP
            using var server = await RestartableNodeServer.StartAsync("--ping-interval", "300", "--ping-timeout", "200");
            using var client = new Client(server.BaseUri, configure: o =>
            {
                ReconnectTests.Fast(o);
                o.ConnectTimeout = TimeSpan.FromSeconds(1); // each reconnect attempt's handshake: a frozen server never answers
            });
            var life = new LifecycleRecorder(client.Socket);
            await client.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout);
            var handshake = client.Manager.Engine!.Handshake!;
            var deadline = handshake.PingInterval + handshake.PingTimeout;

            var clock = Stopwatch.StartNew();
            server.Freeze();
            var disconnect = await life.NextAsync(LifecycleEventNames.Disconnect, TimeSpan.FromSeconds(5));
            var detectedAfter = clock.Elapsed;

            Assert.Equal(DisconnectReasons.PingTimeout, disconnect.Reason);
            Assert.True(disconnect.WillReconnect);
            // The watchdog was re-armed at the last ping before the freeze: within pingInterval+pingTimeout of it.
            Assert.True(detectedAfter <= deadline + TimeSpan.FromMilliseconds(700), $"detected after {detectedAfter.TotalMilliseconds:0} ms");
            Assert.Equal(EmitOutcome.Buffered, await client.Socket.EmitAsync("record", new object?[] { "frozen", "while-away" }, EmitOptions.Default, CancellationToken.None));
            await life.NextAsync(LifecycleEventNames.ReconnectError, TimeSpan.FromSeconds(5)); // handshake timeout on the frozen server

            server.Thaw();

            var connect = await life.NextAsync(LifecycleEventNames.Connect, Client.Timeout);
            while (!connect.IsReconnect) connect = await life.NextAsync(LifecycleEventNames.Connect, TimeSpan.FromSeconds(10));
            Assert.Equal(ConnectionState.Connected, client.Socket.State);
            var recorded = Assert.IsType<object?[]>(Assert.Single(await client.EmitWithAckAsync("recorded", "frozen")));
            Assert.Equal(new object?[] { "while-away" }, recorded);
        }
    }

    /// <summary>The manager with socket.io-msgpack-parser (<see cref="MsgPackSioParser"/>) against the node server
    /// configured with it: events, binary, acks, a second namespace and a reconnection.</summary>
    public class ReconnectWithMsgPackTests : IClassFixture<MsgPack.MsgPackServerFixture>
    {
        private readonly MsgPack.MsgPackServerFixture _server;

        public ReconnectWithMsgPackTests(MsgPack.MsgPackServerFixture server) => _server = server;

        [Fact]
        public async Task EventsAcksAndAReconnectionWorkWithTheMsgPackParser()
        {
            using var client = new Client(_server.BaseUri, configure: o =>
            {
                ReconnectTests.Fast(o);
                o.Parser = MsgPackSioParser.Instance;
            });
            var life = new LifecycleRecorder(client.Socket);
            await client.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout);
            var admin = client.Manager.Socket("/admin");
            admin.Auth = new Dictionary<string, object?> { ["token"] = "secret" };
            await admin.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout);

            await client.EmitAsync("echo", "hi", new byte[] { 1, 2 });
            var echo = await client.Events.NextAsync("echo");
            Assert.Equal("hi", echo.Arguments[0]);
            Assert.Equal(new byte[] { 1, 2 }, echo.Arguments[1]);
            Assert.Equal(new object?[] { 7 }, await admin.EmitWithAckAsync("echo-ack", new object?[] { 7 }, Client.Timeout, CancellationToken.None));

            try { await client.EmitAsync("close-transport"); }
            catch (SocketIoNotConnectedException) { }
            var connect = await life.NextAsync(LifecycleEventNames.Connect);
            while (!connect.IsReconnect) connect = await life.NextAsync(LifecycleEventNames.Connect, TimeSpan.FromSeconds(10));

            Assert.Equal(new object?[] { "again" }, await client.EmitWithAckAsync("echo-ack", "again"));
            await Wait.UntilAsync(() => admin.State == ConnectionState.Connected, Client.Timeout, "/admin to join again");
            Assert.Equal(1, admin.Reconnects);
        }
    }
}
