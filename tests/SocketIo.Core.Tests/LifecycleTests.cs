using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo;
using SocketIo.Core.SocketIo;
using SocketIo.Core.Tests.Infrastructure;
using Xunit;

namespace SocketIo.Core.Tests
{
    /// <summary>Lifecycle events in socket.io-client's order and the outgoing catch-all (onAnyOutgoing).</summary>
    public class LifecycleTests : IClassFixture<DefaultServerFixture>
    {
        private readonly DefaultServerFixture _server;

        public LifecycleTests(DefaultServerFixture server) => _server = server;

        private static void Quick(SocketIoClientOptions o)
        {
            o.ReconnectionDelay = TimeSpan.FromMilliseconds(200);
            o.ReconnectionDelayMax = TimeSpan.FromMilliseconds(200);
            o.RandomizationFactor = 0;
        }

        [Fact]
        public async Task ATransportCloseRunsTheLifecycleInSocketIoClientsOrder()
        {
            using var client = new Client(_server.BaseUri, configure: Quick);
            var life = new LifecycleRecorder(client.Socket);
            var managerEvents = new List<LifecycleEvent>();
            client.Manager.Lifecycle += e => { lock (managerEvents) managerEvents.Add(e); };
            await client.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout);

            try { await client.EmitAsync("close-transport"); }
            catch (SocketIoNotConnectedException) { }
            await life.NextAsync(LifecycleEventNames.Connect);
            var rejoined = await life.NextAsync(LifecycleEventNames.Connect, TimeSpan.FromSeconds(10));

            Assert.True(rejoined.IsReconnect);
            Assert.Equal(client.Socket.Id, rejoined.SocketId);
            Assert.Equal(new[] { "connect", "disconnect", "reconnect_attempt", "reconnect", "connect" }, life.Names);
            Assert.All(life.All, e => Assert.Equal("/", e.Namespace));
            var disconnect = life.All[1];
            Assert.Equal(DisconnectReasons.TransportClose, disconnect.Reason);
            Assert.True(disconnect.WillReconnect);
            Assert.StartsWith("disconnect: namespace '/' lost its connection (transport close); reconnecting", disconnect.ToString());
            lock (managerEvents)
            {
                Assert.Equal(new[] { "reconnect_attempt", "reconnect" }, managerEvents.Select(e => e.Name));
                Assert.All(managerEvents, e => Assert.Null(e.Namespace));
            }
        }

        [Fact]
        public async Task AFailedFirstConnectIsAConnectErrorAndNothingRetries()
        {
            using var client = new Client(_server.BaseUri, "/admin", new Dictionary<string, object?> { ["token"] = "wrong" }, Quick);
            var life = new LifecycleRecorder(client.Socket);

            await Assert.ThrowsAsync<SocketIoConnectRejectedException>(() => client.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout));

            var error = await life.NextAsync(LifecycleEventNames.ConnectError);
            Assert.Equal("not authorized", Assert.IsType<SocketIoConnectRejectedException>(error.Error).ServerMessage);
            await Task.Delay(400);
            Assert.Equal(new[] { "connect_error" }, life.Names);
            Assert.Equal(ConnectionState.Disconnected, client.Socket.State);
        }

        [Fact]
        public async Task OutgoingEventsAreReportedWhenActuallyWrittenIncludingBufferedOnesWhenFlushed()
        {
            using var client = new Client(_server.BaseUri, configure: Quick);
            var life = new LifecycleRecorder(client.Socket);
            var sent = new List<OutgoingEvent>();
            client.Socket.EventSent += e => { lock (sent) sent.Add(e); };
            await client.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout);

            await client.EmitAsync("echo", "one", 1);
            try { await client.EmitAsync("close-transport"); }
            catch (SocketIoNotConnectedException) { }
            await life.NextAsync(LifecycleEventNames.Disconnect);
            Assert.Equal(EmitOutcome.Buffered, await client.Socket.EmitAsync("echo", new object?[] { "two" }, EmitOptions.Default, CancellationToken.None));
            await Task.Delay(50);
            lock (sent) Assert.DoesNotContain(sent, e => Equals(e.Arguments.FirstOrDefault(), "two")); // buffered: not written yet

            await life.NextAsync(LifecycleEventNames.Connect, TimeSpan.FromSeconds(10));
            Assert.Equal("one", (await client.Events.NextAsync("echo")).Arguments[0]);
            Assert.Equal("two", (await client.Events.NextAsync("echo")).Arguments[0]);
            await Wait.UntilAsync(() => { lock (sent) return sent.Count >= 3; }, Client.Timeout, "three outgoing events");
            lock (sent)
            {
                Assert.Equal(new[] { "echo", "close-transport", "echo" }, sent.Select(e => e.EventName));
                Assert.Equal(new object?[] { "one", 1 }, sent[0].Arguments);
                Assert.Equal(new object?[] { "two" }, sent[2].Arguments);
                Assert.All(sent, e => Assert.Equal("/", e.Namespace));
            }
            Assert.Equal(3, client.Socket.EventsSent);
        }
    }
}
