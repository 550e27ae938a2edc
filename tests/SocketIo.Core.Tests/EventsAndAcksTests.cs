using System;
using System.Collections.Specialized;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.Tests.Infrastructure;
using Xunit;
using static SocketIo.Core.Tests.Infrastructure.Wire;
using SocketIo.Core.Json;

namespace SocketIo.Core.Tests
{
    /// <summary>Events, acknowledgements and binary data both ways with the node server.</summary>
    public class EventsAndAcksTests : IClassFixture<DefaultServerFixture>
    {
        private readonly DefaultServerFixture _server;

        public EventsAndAcksTests(DefaultServerFixture server) => _server = server;

        [Fact]
        public async Task EventsTravelBothWays()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri);

            await client.EmitAsync("echo", "text", 7, Obj(("k", new object?[] { true, null })));
            var echo = await client.Events.NextAsync("echo");

            Assert.Equal("echo", echo.EventName);
            Assert.Equal("/", echo.Namespace);
            Assert.False(echo.AckRequested);
            Assert.Equal("[\"text\",7,{\"k\":[true,null]}]", ToJson(echo.Arguments));
            Assert.Equal(1, client.Socket.EventsSent);
            Assert.Equal(1, client.Socket.EventsReceived);
        }

        [Fact]
        public async Task EventsArriveInOrder()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri);

            await client.EmitAsync("burst", 50, "tick");

            for (int i = 0; i < 50; i++)
            {
                var tick = await client.Events.NextAsync("tick");
                Assert.Equal(i, Assert.IsType<OrderedJsonObject>(Assert.Single(tick.Arguments))["i"]);
            }
        }

        [Fact]
        public async Task AThrowingHandlerIsReportedAndDispatchGoesOn()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri);
            var reported = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
            client.Manager.HandlerError += e => reported.TrySetResult(e);
            client.Socket.EventReceived += e => { if (e.EventName == "boom") throw new InvalidOperationException("handler failed"); };

            await client.EmitAsync("ask", "boom");
            await client.EmitAsync("echo", "after");

            Assert.Equal("handler failed", (await reported.Task.WaitAsync(Client.Timeout)).Message);
            Assert.Equal(new object?[] { "after" }, (await client.Events.NextAsync("echo")).Arguments);
        }

        [Fact]
        public async Task EmitWithAckReturnsTheServersArguments()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri);

            var first = await client.EmitWithAckAsync("echo-ack", "a", 1, 2.5);
            var second = await client.EmitWithAckAsync("echo-ack");

            Assert.Equal(new object?[] { "a", 1, 2.5 }, first);
            Assert.Empty(second);
        }

        [Fact]
        public async Task ConcurrentAcksGoToTheirOwnCallers()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri);

            var replies = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => client.EmitWithAckAsync("echo-ack", i)));

            for (int i = 0; i < 20; i++) Assert.Equal(new object?[] { i }, replies[i]);
        }

        [Fact]
        public async Task ServerAckRequestIsAnsweredOnce()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri);

            await client.EmitAsync("ask", "question", "what?", 42);
            var question = await client.Events.NextAsync("question");

            Assert.True(question.AckRequested);
            Assert.Equal(new object?[] { "what?", 42 }, question.Arguments);
            await question.AcknowledgeAsync(new object?[] { "reply", Obj(("n", 1)) }).WaitAsync(Client.Timeout);
            Assert.True(question.Acknowledged);

            var answer = await client.Events.NextAsync("answer");
            Assert.Equal("[\"reply\",{\"n\":1}]", ToJson(answer.Arguments));

            Assert.Throws<InvalidOperationException>(() => { _ = question.AcknowledgeAsync(new object?[] { "again" }); });
        }

        [Fact]
        public async Task AcknowledgingAnEventWithoutAckRequestThrows()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri);
            await client.EmitAsync("echo", 1);
            var echo = await client.Events.NextAsync("echo");

            Assert.Throws<InvalidOperationException>(() => { _ = echo.AcknowledgeAsync(new object?[0]); });
        }

        [Fact]
        public async Task BinaryTravelsBothWays()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri);
            var payload = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();

            await client.EmitAsync("echo", payload, Obj(("name", "n"), ("blob", new byte[] { 9 })));
            var echo = await client.Events.NextAsync("echo");

            Assert.Equal(payload, echo.Arguments[0]);
            var nested = Assert.IsType<OrderedJsonObject>(echo.Arguments[1]);
            Assert.Equal("n", nested["name"]);
            Assert.Equal(new byte[] { 9 }, nested["blob"]);
        }

        [Fact]
        public async Task BinaryInAcksTravelsBothWays()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri);

            var reply = await client.EmitWithAckAsync("echo-ack", new byte[] { 1, 2 }, "x");
            Assert.Equal(new object?[] { new byte[] { 1, 2 }, "x" }, reply);

            await client.EmitAsync("ask", "need-bytes");
            var request = await client.Events.NextAsync("need-bytes");
            await request.AcknowledgeAsync(new object?[] { new byte[] { 7, 8, 9 } }).WaitAsync(Client.Timeout);
            var answer = await client.Events.NextAsync("answer");
            Assert.Equal(new byte[] { 7, 8, 9 }, Assert.Single(answer.Arguments));
        }

        [Fact]
        public async Task LargeMessagesTravelBothWays()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri);
            var text = new string('a', 300_000) + "é";
            var bytes = Enumerable.Range(0, 500_000).Select(i => (byte)(i * 7)).ToArray();

            var reply = await client.EmitWithAckAsync("echo-ack", text, bytes);

            Assert.Equal(text, reply[0]);
            Assert.Equal(bytes, reply[1]);
            Assert.Equal(new object?[] { "small after large" }, await client.EmitWithAckAsync("echo-ack", "small after large"));
        }

        [Fact]
        public async Task ServerBinaryEventIsReconstructed()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri);

            await client.EmitAsync("binary");
            var binary = await client.Events.NextAsync("binary");

            Assert.Equal(2, binary.Arguments.Length);
            Assert.Equal(new byte[] { 1, 2, 3, 4 }, binary.Arguments[0]);
            var nested = Assert.IsType<OrderedJsonObject>(binary.Arguments[1]);
            Assert.Equal("x", nested["name"]);
            Assert.Equal(new byte[] { 5, 6 }, nested["blob"]);
        }

        [Fact]
        public async Task AckTimeoutLeavesTheConnectionUsable()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri);

            var e = await Assert.ThrowsAsync<SocketIoAckTimeoutException>(() => client.Socket
                .EmitWithAckAsync("no-ack", new object?[] { 1 }, TimeSpan.FromMilliseconds(300), CancellationToken.None)
                .WaitAsync(Client.Timeout));

            Assert.Equal("no-ack", e.EventName);
            Assert.Equal(ConnectionState.Connected, client.Socket.State);
            Assert.Equal(new object?[] { "still here" }, await client.EmitWithAckAsync("echo-ack", "still here"));
        }

        [Fact]
        public async Task CallerCancellationOfAnAckWaitIsNotATimeout()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri);
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

            var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.Socket
                .EmitWithAckAsync("no-ack", new object?[0], TimeSpan.FromSeconds(30), cancel.Token)
                .WaitAsync(Client.Timeout));

            Assert.IsNotType<SocketIoAckTimeoutException>(e);
        }

        [Theory]
        [InlineData("connect")]
        [InlineData("disconnect")]
        [InlineData("connect_error")]
        [InlineData("newListener")]
        public async Task ReservedNamesAreRefusedOnEmit(string name)
        {
            using var client = await Client.ConnectAsync(_server.BaseUri);

            var e = await Assert.ThrowsAsync<SocketIoReservedEventNameException>(() => client.EmitAsync(name));
            await Assert.ThrowsAsync<SocketIoReservedEventNameException>(() => client.EmitWithAckAsync(name));

            Assert.Equal(name, e.EventName);
            Assert.Equal(ConnectionState.Connected, client.Socket.State);
        }

        [Fact]
        public async Task EmitBeforeConnectIsNotConnected()
        {
            using var client = new Client(_server.BaseUri);

            await Assert.ThrowsAsync<SocketIoNotConnectedException>(() => client.EmitAsync("echo", 1));
            await Assert.ThrowsAsync<SocketIoNotConnectedException>(() => client.EmitWithAckAsync("echo", 1));
        }

        [Fact]
        public async Task TypesMapToDotNetNumbers()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri);

            var types = Assert.IsType<OrderedJsonObject>(Assert.Single(await client.EmitWithAckAsync("types")));

            Assert.Equal(42, Assert.IsType<int>(types["int"]));
            Assert.Equal(9007199254740991L, Assert.IsType<long>(types["big"]));
            Assert.Equal(-5, Assert.IsType<int>(types["neg"]));
            Assert.Equal(1.5, Assert.IsType<double>(types["float"]));
            Assert.Equal(2, Assert.IsType<int>(types["whole"]));
            Assert.Equal("text", types["str"]);
            Assert.Equal(true, types["t"]);
            Assert.Equal(false, types["f"]);
            Assert.True(types.ContainsKey("nil"));
            Assert.Null(types["nil"]);
            Assert.Equal(new object?[] { 1, "a", null }, types["arr"]);
            Assert.Equal("{\"a\":{\"b\":[1,2]}}", ToJson(types["nested"]));
            Assert.Equal("café €", types["unicode"]);
        }

        [Fact]
        public async Task UnicodeSurvivesTheRoundTrip()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri);

            var reply = await client.EmitWithAckAsync("echo-ack", "café € 😀 \u0000 \"q\"", Obj(("ключ", "值")));

            Assert.Equal("café € 😀 \u0000 \"q\"", reply[0]);
            Assert.Equal("值", Assert.IsType<OrderedJsonObject>(reply[1])["ключ"]);
        }
    }
}
