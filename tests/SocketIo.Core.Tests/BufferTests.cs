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
    /// <summary>
    /// Emits while the connection is away (§3.4–§3.6): buffered in order and flushed after the next CONNECT reply,
    /// volatile ones dropped and counted, acknowledgements that fail on disconnect or time out in the buffer, and the
    /// at-least-once retry queue (FIFO, one in flight, re-sent on timeout and after a reconnection).
    /// </summary>
    public class BufferTests : IClassFixture<DefaultServerFixture>
    {
        private readonly DefaultServerFixture _server;

        public BufferTests(DefaultServerFixture server) => _server = server;

        /// <summary>Reconnects after exactly <paramref name="delayMs"/>: a window in which the namespace is Reconnecting.</summary>
        private static Action<SocketIoClientOptions> Away(int delayMs) => o =>
        {
            o.ReconnectionDelay = TimeSpan.FromMilliseconds(delayMs);
            o.ReconnectionDelayMax = TimeSpan.FromMilliseconds(delayMs);
            o.RandomizationFactor = 0;
        };

        private static async Task<LifecycleRecorder> DropTheTransportAsync(Client client)
        {
            var life = new LifecycleRecorder(client.Socket);
            try { await client.EmitAsync("close-transport"); }
            catch (SocketIoNotConnectedException) { /* the close can beat the local send completion */ }
            await life.NextAsync(LifecycleEventNames.Disconnect);
            Assert.Equal(ConnectionState.Reconnecting, client.Socket.State);
            return life;
        }

        [Fact]
        public async Task VolatileEmitsAreDroppedWhileAwayAndCountedOthersAreBufferedAndFlushedInOrder()
        {
            var key = Guid.NewGuid().ToString("N");
            using var client = await Client.ConnectAsync(_server.BaseUri, configure: Away(500));
            var volatileEmit = new EmitOptions { Volatile = true };
            Assert.Equal(EmitOutcome.Sent, await client.Socket.EmitAsync("record", new object?[] { key, "volatile-connected" }, volatileEmit, CancellationToken.None));

            var life = await DropTheTransportAsync(client);
            Assert.Equal(EmitOutcome.Buffered, await client.Socket.EmitAsync("record", new object?[] { key, "a" }, EmitOptions.Default, CancellationToken.None));
            Assert.Equal(EmitOutcome.Dropped, await client.Socket.EmitAsync("record", new object?[] { key, "volatile-away" }, volatileEmit, CancellationToken.None));
            Assert.Equal(EmitOutcome.Buffered, await client.Socket.EmitAsync("record", new object?[] { key, "b" }, EmitOptions.Default, CancellationToken.None));
            Assert.Equal(1, client.Socket.VolatileDropped);
            Assert.Equal(2, client.Socket.BufferedEmits);
            await Assert.ThrowsAsync<SocketIoNotConnectedException>(() => client.Socket.EmitWithAckAsync(
                "echo-ack", new object?[] { 1 }, volatileEmit, CancellationToken.None));

            await life.NextAsync(LifecycleEventNames.Connect, TimeSpan.FromSeconds(10));
            var recorded = Assert.IsType<object?[]>(Assert.Single(await client.EmitWithAckAsync("recorded", key)));
            Assert.Equal(new object?[] { "volatile-connected", "a", "b" }, recorded);
            Assert.Equal(2, client.Socket.VolatileDropped);
            Assert.Equal(0, client.Socket.EmitsDiscarded);
        }

        [Fact]
        public async Task AWrittenEmitsAckFailsOnDisconnectWhileABufferedOneSurvivesTheReconnection()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri, configure: Away(300));
            var written = client.Socket.EmitWithAckAsync("no-ack", new object?[] { 1 }, TimeSpan.FromSeconds(30), CancellationToken.None);
            await Wait.UntilAsync(() => client.Socket.EventsSent >= 1, Client.Timeout, "the no-ack emit to be written");

            await DropTheTransportAsync(client);

            var e = await Assert.ThrowsAsync<SocketIoNotConnectedException>(() => written.WaitAsync(Client.Timeout));
            Assert.Contains("disconnected", e.Message);
            var buffered = client.Socket.EmitWithAckAsync("echo-ack", new object?[] { "kept" }, TimeSpan.FromSeconds(10), CancellationToken.None);
            Assert.Equal(new object?[] { "kept" }, await buffered.WaitAsync(TimeSpan.FromSeconds(10)));
        }

        [Fact]
        public async Task AnAckTimeoutWhileBufferedTakesThePacketOutOfTheBuffer()
        {
            var key = Guid.NewGuid().ToString("N");
            using var client = await Client.ConnectAsync(_server.BaseUri, configure: Away(800));
            var life = await DropTheTransportAsync(client);

            var late = client.Socket.EmitWithAckAsync("record", new object?[] { key, "late" }, TimeSpan.FromMilliseconds(150), CancellationToken.None);
            await Assert.ThrowsAsync<SocketIoAckTimeoutException>(() => late.WaitAsync(Client.Timeout));
            Assert.Equal(0, client.Socket.BufferedEmits);

            await life.NextAsync(LifecycleEventNames.Connect, TimeSpan.FromSeconds(10));
            Assert.Equal(new object?[] { Array.Empty<object?>() }, await client.EmitWithAckAsync("recorded", key));
        }

        [Fact]
        public async Task RetriesRunOutAfterRetriesPlusOneTries()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri);
            var sent = new List<OutgoingEvent>();
            client.Socket.EventSent += e => { lock (sent) sent.Add(e); };

            var e = await Assert.ThrowsAsync<SocketIoAckTimeoutException>(() => client.Socket.EmitWithAckAsync(
                "no-ack", new object?[] { "x" }, new EmitOptions { Retries = 2, AckTimeout = TimeSpan.FromMilliseconds(150) }, CancellationToken.None)
                .WaitAsync(Client.Timeout));

            Assert.Equal("no-ack", e.EventName);
            await Wait.UntilAsync(() => { lock (sent) return sent.Count >= 3; }, Client.Timeout, "three tries to be reported as sent");
            lock (sent)
            {
                Assert.Equal(3, sent.Count);
                Assert.All(sent, s => Assert.Equal(sent[0].AckId, s.AckId)); // every try carries the same ack id
            }
            Assert.Equal(0, client.Socket.QueuedRetries);
        }

        [Fact]
        public async Task RetriesAreAtLeastOnceAndInOrder_OneInFlight_ReSentOnTimeoutAndAfterAReconnection()
        {
            using var server = new FakeEngineServer();
            using var client = new Client(server.BaseUri, configure: o =>
            {
                FakeEngineServer.WebSocketOnly(o);
                Away(50)(o);
            });
            client.Socket.Retries = 3;
            client.Socket.AckTimeout = TimeSpan.FromMilliseconds(300);
            var connecting = client.Socket.ConnectAsync(CancellationToken.None);
            var connection = await server.AcceptAndJoinAsync();
            await connecting.WaitAsync(Client.Timeout);

            var a = client.Socket.EmitWithAckAsync("a", Array.Empty<object?>(), EmitOptions.Default, CancellationToken.None);
            var b = client.Socket.EmitWithAckAsync("b", Array.Empty<object?>(), EmitOptions.Default, CancellationToken.None);
            Assert.Equal(EmitOutcome.Queued, await client.Socket.EmitAsync("c", Array.Empty<object?>(), EmitOptions.Default, CancellationToken.None));

            Assert.Equal("420[\"a\"]", await connection.ReceiveTextAsync());
            await connection.SendTextAsync("430[\"A\"]");
            Assert.Equal(new object?[] { "A" }, await a.WaitAsync(Client.Timeout));
            Assert.Equal("421[\"b\"]", await connection.ReceiveTextAsync());
            // No ACK: after the timeout the same packet again, and "c" still waits its turn.
            Assert.Equal("421[\"b\"]", await connection.ReceiveTextAsync());

            // The connection drops with "b" in flight: it is sent again on the next session, before "c".
            connection.Dispose();
            connection = await server.AcceptAndJoinAsync();
            Assert.Equal("421[\"b\"]", await connection.ReceiveTextAsync());
            await connection.SendTextAsync("431[\"B\"]");
            Assert.Equal(new object?[] { "B" }, await b.WaitAsync(Client.Timeout));
            Assert.Equal("422[\"c\"]", await connection.ReceiveTextAsync());
            await connection.SendTextAsync("432[]");
            await Wait.UntilAsync(() => client.Socket.QueuedRetries == 0, Client.Timeout, "the queue to empty");
            Assert.Equal(0, client.Socket.EmitsDiscarded);
            connection.Dispose();
        }

        [Fact]
        public async Task VolatileEmitsBypassTheRetryQueue()
        {
            using var server = new FakeEngineServer();
            using var client = new Client(server.BaseUri, configure: FakeEngineServer.WebSocketOnly);
            client.Socket.Retries = 2;
            var connecting = client.Socket.ConnectAsync(CancellationToken.None);
            using var connection = await server.AcceptAndJoinAsync();
            await connecting.WaitAsync(Client.Timeout);

            Assert.Equal(EmitOutcome.Sent, await client.Socket.EmitAsync("v", new object?[] { 1 }, new EmitOptions { Volatile = true }, CancellationToken.None));

            Assert.Equal("42[\"v\",1]", await connection.ReceiveTextAsync()); // no ack id: not through the queue
        }
    }
}
