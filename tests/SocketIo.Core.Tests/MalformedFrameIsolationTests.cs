using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo;
using SocketIo.Core.SocketIo;
using SocketIo.Core.Tests.Infrastructure;
using Xunit;

namespace SocketIo.Core.Tests
{
    /// <summary>
    /// A malformed frame from a server closes that connection with a clear reason and nothing else: the process goes
    /// on, and a second connection (to another scripted server) keeps sending and receiving.
    /// </summary>
    public class MalformedFrameIsolationTests
    {
        private const int MessageLimit = 2048;

        public static IEnumerable<object[]> Garbage()
        {
            static object[] Case(string name, string reason, params (bool Binary, byte[] Data)[] frames) => new object[] { name, reason, frames };
            static (bool, byte[]) Text(string text) => (false, Encoding.UTF8.GetBytes(text));
            static (bool, byte[]) Binary(params byte[] data) => (true, data);

            yield return Case("truncated JSON", DisconnectReasons.ParseError, Text("42[\"a\""));
            yield return Case("unknown Engine.IO type", DisconnectReasons.ParseError, Text("9"));
            yield return Case("unknown Socket.IO type", DisconnectReasons.ParseError, Text("48[\"a\"]"));
            yield return Case("nesting deeper than 128", DisconnectReasons.ParseError, Text("42[\"a\"," + new string('[', 300) + new string(']', 300) + "]"));
            yield return Case("escaped lone surrogate", DisconnectReasons.ParseError, Text("42[\"a\",\"\\ud800\"]"));
            yield return Case("attachment count that lies", DisconnectReasons.ParseError,
                Text("451-[\"a\",{\"_placeholder\":true,\"num\":0}]"), Text("42[\"b\"]"));
            yield return Case("placeholder out of range", DisconnectReasons.ParseError,
                Text("451-[\"a\",{\"_placeholder\":true,\"num\":3}]"), Binary(1));
            yield return Case("more attachments than accepted", DisconnectReasons.ParseError, Text("4511-[\"a\"]"));
            yield return Case("binary nobody announced", DisconnectReasons.ParseError, Binary(1, 2));
            yield return Case("reserved event name", DisconnectReasons.ParseError, Text("42[\"disconnect\"]"));
            yield return Case("message over the size limit", DisconnectReasons.ParseError, Text("42[\"a\",\"" + new string('x', 2 * MessageLimit) + "\"]"));
            // The WebSocket layer itself refuses a text frame that is not UTF-8 (RFC 6455 §8.1): the transport fails.
            yield return Case("invalid UTF-8 in a text frame", DisconnectReasons.TransportError, (false, new byte[] { (byte)'4', (byte)'2', (byte)'[', (byte)'"', 0xff, (byte)'"', (byte)']' }));
        }

        [Theory]
        [MemberData(nameof(Garbage))]
        public async Task GarbageClosesOnlyItsOwnConnection(string name, string reason, (bool Binary, byte[] Data)[] frames)
        {
            using var badServer = new FakeEngineServer();
            using var goodServer = new FakeEngineServer();
            using var bad = new Client(badServer.BaseUri, configure: Configure);
            using var good = new Client(goodServer.BaseUri, configure: Configure);
            var badClosed = Disconnected(bad);
            var goodClosed = Disconnected(good);
            using var badConnection = await JoinAsync(bad, badServer);
            using var goodConnection = await JoinAsync(good, goodServer);

            foreach (var (binary, data) in frames)
            {
                if (binary) await badConnection.SendBinaryAsync(data);
                else await badConnection.SendTextBytesAsync(data);
            }

            Assert.Equal(reason, await badClosed.WaitAsync(Client.Timeout));
            Assert.Equal(ConnectionState.Disconnected, bad.Socket.State);
            Assert.Equal(reason, bad.Socket.DisconnectReason);
            Assert.Equal(0, bad.Socket.EventsReceived);
            await AssertClientHungUpAsync(badConnection, name);

            // The other connection carries on, both ways.
            await goodConnection.SendTextAsync("42[\"still-here\",1]");
            Assert.Equal(new object?[] { 1 }, (await good.Events.NextAsync("still-here")).Arguments);
            var emitted = good.EmitAsync("after", name);
            Assert.Equal($"42[\"after\",\"{name}\"]", await goodConnection.ReceiveTextAsync());
            await emitted;
            Assert.Equal(ConnectionState.Connected, good.Socket.State);
            Assert.False(goodClosed.IsCompleted, "the good connection closed too");
        }

        [Fact]
        public async Task AClientAfterTheBadOneConnectsAsUsual()
        {
            using var server = new FakeEngineServer();
            using (var bad = new Client(server.BaseUri, configure: Configure))
            {
                var closed = Disconnected(bad);
                using var connection = await JoinAsync(bad, server);
                await connection.SendTextAsync("42[\"a\"");
                Assert.Equal(DisconnectReasons.ParseError, await closed.WaitAsync(Client.Timeout));
            }

            using var next = new Client(server.BaseUri, configure: Configure);
            using var nextConnection = await JoinAsync(next, server);
            await nextConnection.SendTextAsync("42[\"hello\"]");
            Assert.Equal("hello", (await next.Events.NextAsync("hello")).EventName);
        }

        [Fact]
        public async Task AfterAParseErrorTheConnectionReconnectsPerPolicy()
        {
            using var server = new FakeEngineServer();
            using var client = new Client(server.BaseUri, configure: options =>
            {
                FakeEngineServer.WebSocketOnly(options);
                options.ReconnectionDelay = TimeSpan.FromMilliseconds(50);
                options.ReconnectionDelayMax = TimeSpan.FromMilliseconds(100);
            });
            var closed = Disconnected(client);
            using var first = await JoinAsync(client, server);

            await first.SendTextAsync("42[\"a\"");

            Assert.Equal(DisconnectReasons.ParseError, await closed.WaitAsync(Client.Timeout));
            using var second = await server.AcceptAndJoinAsync();
            await Wait.UntilAsync(() => client.Socket.State == ConnectionState.Connected, Client.Timeout, "the reconnect");
            await second.SendTextAsync("42[\"back\"]");
            Assert.Equal("back", (await client.Events.NextAsync("back")).EventName);
        }

        /// <summary>No reconnect here: the fake servers serve one connection each, and the test is about the close.</summary>
        private static void Configure(SocketIoClientOptions options)
        {
            FakeEngineServer.WebSocketOnly(options);
            options.Engine.MaxIncomingMessageBytes = MessageLimit;
            options.Reconnection = false;
        }

        private static async Task<FakeConnection> JoinAsync(Client client, FakeEngineServer server)
        {
            var connecting = client.Socket.ConnectAsync(CancellationToken.None);
            var connection = await server.AcceptAndJoinAsync();
            await connecting.WaitAsync(Client.Timeout);
            return connection;
        }

        /// <summary>The client dropped the TCP connection (or closed the WebSocket) after the bad frame.</summary>
        private static async Task AssertClientHungUpAsync(FakeConnection connection, string name)
        {
            try
            {
                var text = await connection.ReceiveTextAsync();
                Assert.True(text == null, $"after '{name}' the client still sent '{text}'");
            }
            catch (Exception e) when (e is IOException || e is SocketException || e is ObjectDisposedException)
            {
                // Aborted: the socket is gone.
            }
        }

        private static Task<string> Disconnected(Client client)
        {
            var result = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            client.Socket.Disconnected += (reason, details) => result.TrySetResult(reason);
            return result.Task;
        }
    }
}
