using System;
using System.Collections.Specialized;
using System.Linq;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo;
using SocketIo.Core.Tests.Infrastructure;
using Xunit;
using static SocketIo.Core.Tests.Infrastructure.Wire;
using SocketIo.Core.Json;

namespace SocketIo.Core.Tests
{
    /// <summary>The main scenarios on one pinned transport: connect, events both ways, acks, binary both ways (base64
    /// inside polling payloads), bursts in order, large messages.</summary>
    public abstract class TransportScenarioTests
    {
        private readonly NodeServerFixture _server;
        private readonly EngineTransports _transports;
        private readonly string _expected;

        protected TransportScenarioTests(NodeServerFixture server, EngineTransports transports, string expected)
        {
            _server = server;
            _transports = transports;
            _expected = expected;
        }

        private Task<Client> ConnectAsync(object? auth = null) =>
            Client.ConnectAsync(_server.BaseUri, auth: auth, configure: TransportTestHelpers.Transports(_transports));

        [Fact]
        public async Task ConnectsAndStaysOnThePinnedTransport()
        {
            using var client = await ConnectAsync();

            Assert.Equal(_expected, client.Manager.Engine!.TransportName);
            var info = Assert.IsType<OrderedJsonObject>(Assert.Single(await client.EmitWithAckAsync("engine-info")));
            Assert.Equal(_expected, info["transport"]);
            Assert.Equal(false, info["upgraded"]);
            Assert.Equal(_expected, client.Manager.Engine.TransportName);
        }

        [Fact]
        public async Task EventsTravelBothWays()
        {
            using var client = await ConnectAsync();

            await client.EmitAsync("echo", "text", 7, Obj(("k", new object?[] { true, null })), "café €");
            var echo = await client.Events.NextAsync("echo");

            Assert.Equal("[\"text\",7,{\"k\":[true,null]},\"café €\"]", ToJson(echo.Arguments));
        }

        [Fact]
        public async Task AcknowledgementsBothWays()
        {
            using var client = await ConnectAsync();

            Assert.Equal(new object?[] { "a", 1, 2.5 }, await client.EmitWithAckAsync("echo-ack", "a", 1, 2.5));

            await client.EmitAsync("ask", "question", "q1");
            var question = await client.Events.NextAsync("question");
            Assert.True(question.AckRequested);
            await question.AcknowledgeAsync(new object?[] { "reply", 42 }).WaitAsync(Client.Timeout);
            Assert.Equal(new object?[] { "reply", 42 }, (await client.Events.NextAsync("answer")).Arguments);
        }

        [Fact]
        public async Task BinaryTravelsBothWays()
        {
            using var client = await ConnectAsync();
            var bytes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();

            var reply = await client.EmitWithAckAsync("echo-ack", bytes, Obj(("blob", new byte[] { 9, 8, 7 })), "text");

            Assert.Equal(bytes, reply[0]);
            Assert.Equal(new byte[] { 9, 8, 7 }, Assert.IsType<OrderedJsonObject>(reply[1])["blob"]);
            Assert.Equal("text", reply[2]);

            await client.EmitAsync("binary");
            var binary = await client.Events.NextAsync("binary");
            Assert.Equal(new byte[] { 1, 2, 3, 4 }, binary.Arguments[0]);
            Assert.Equal(new byte[] { 5, 6 }, Assert.IsType<OrderedJsonObject>(binary.Arguments[1])["blob"]);
        }

        [Fact]
        public async Task ServerBurstArrivesCompleteAndInOrder()
        {
            using var client = await ConnectAsync();

            await client.EmitAsync("burst", 200, "tick");

            for (int i = 0; i < 200; i++)
                Assert.Equal(i, Assert.IsType<OrderedJsonObject>(Assert.Single((await client.Events.NextAsync("tick")).Arguments))["i"]);
        }

        [Fact]
        public async Task ConcurrentEmitsArriveInCallOrder()
        {
            using var client = await ConnectAsync();

            var sends = Enumerable.Range(0, 100).Select(i => client.Socket.EmitAsync("seq", new object?[] { i }, default)).ToArray();
            await Task.WhenAll(sends).WaitAsync(Client.Timeout);

            var report = (object?[])Assert.Single(await client.EmitWithAckAsync("seq-report"))!;
            Assert.Equal(Enumerable.Range(0, 100), report.Select(r => (int)Assert.IsType<OrderedJsonObject>(r)["i"]!));
            Assert.All(report, r => Assert.Equal(_expected, ((OrderedJsonObject)r!)["transport"]));
        }

        [Fact]
        public async Task LargeMessagesTravelBothWays()
        {
            using var client = await ConnectAsync();
            var text = string.Concat(Enumerable.Repeat("0123456789abcdef€", 20000)); // ~360 KB of UTF-8
            var bytes = Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7)).ToArray(); // 400 KB as base64

            Assert.Equal(new object?[] { text }, await client.EmitWithAckAsync("echo-ack", text));
            Assert.Equal(bytes, Assert.Single(await client.EmitWithAckAsync("echo-ack", bytes)));
        }

        [Fact]
        public async Task ReleasedAttachmentArraysCarryLaterAttachmentsOfTheSameLength()
        {
            using var client = await ConnectAsync();
            int length = _expected == "websocket" ? 100_003 : 100_009; // lengths no other test uses: the pool is process-wide
            byte[] Payload(int seed) => Enumerable.Range(0, length).Select(i => (byte)(i * seed + 1)).ToArray();

            await client.EmitAsync("echo", Payload(3), new byte[] { 1, 2 });
            var first = await client.Events.NextAsync("echo");
            var kept = Assert.IsType<byte[]>(first.Arguments[0]);
            Assert.Equal(Payload(3), kept);
            first.ReleaseAttachments();
            first.ReleaseAttachments(); // only the first call gives anything back

            await client.EmitAsync("echo", Payload(5));
            var second = await client.Events.NextAsync("echo");
            Assert.Same(kept, second.Arguments[0]); // the next attachment of that length arrived in the released array
            Assert.Equal(Payload(5), kept);

            await client.EmitAsync("echo", Payload(7)); // the second event was not released: a new array, the old one untouched
            var third = await client.Events.NextAsync("echo");
            Assert.NotSame(kept, third.Arguments[0]);
            Assert.Equal(Payload(7), third.Arguments[0]);
            Assert.Equal(Payload(5), kept);
        }
    }

    public sealed class PollingScenarioTests : TransportScenarioTests, IClassFixture<DefaultServerFixture>
    {
        public PollingScenarioTests(DefaultServerFixture server) : base(server, EngineTransports.Polling, "polling") { }
    }

    public sealed class WebSocketScenarioTests : TransportScenarioTests, IClassFixture<DefaultServerFixture>
    {
        public WebSocketScenarioTests(DefaultServerFixture server) : base(server, EngineTransports.WebSocket, "websocket") { }
    }
}
