using System;
using System.Collections.Specialized;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo;
using SocketIo.Core.Tests.Infrastructure;
using Xunit;
using SocketIo.Core.Json;

namespace SocketIo.Core.Tests
{
    /// <summary>
    /// A scripted server for what the node server never does: silence after the handshake, protocol violations,
    /// and the python-socketio variants the client must tolerate (§5).
    /// </summary>
    public class ServerMisbehaviourTests
    {
        [Theory]
        [InlineData("42[\"connect\"]")]   // reserved name from the server
        [InlineData("42{\"a\":1}")]       // EVENT not an array
        [InlineData("9")]                 // unknown Engine.IO type
        [InlineData("47")]                // unknown Socket.IO type
        [InlineData("42[\"a\"")]          // bad JSON
        public async Task ProtocolViolationIsParseError(string frame)
        {
            using var server = new FakeEngineServer();
            using var client = new Client(server.BaseUri, configure: FakeEngineServer.WebSocketOnly);
            var disconnected = Disconnected(client);
            var connecting = client.Socket.ConnectAsync(CancellationToken.None);
            using var connection = await server.AcceptAndJoinAsync();
            await connecting.WaitAsync(Client.Timeout);

            await connection.SendTextAsync(frame);

            Assert.Equal(DisconnectReasons.ParseError, (await disconnected.WaitAsync(Client.Timeout)).Reason);
        }

        [Fact]
        public async Task UnannouncedBinaryIsParseError()
        {
            using var server = new FakeEngineServer();
            using var client = new Client(server.BaseUri, configure: FakeEngineServer.WebSocketOnly);
            var disconnected = Disconnected(client);
            var connecting = client.Socket.ConnectAsync(CancellationToken.None);
            using var connection = await server.AcceptAndJoinAsync();
            await connecting.WaitAsync(Client.Timeout);

            await connection.SendBinaryAsync(new byte[] { 1, 2 });

            Assert.Equal(DisconnectReasons.ParseError, (await disconnected.WaitAsync(Client.Timeout)).Reason);
        }

        [Fact]
        public async Task EngineClosePacketIsTransportClose()
        {
            using var server = new FakeEngineServer();
            using var client = new Client(server.BaseUri, configure: FakeEngineServer.WebSocketOnly);
            var disconnected = Disconnected(client);
            var connecting = client.Socket.ConnectAsync(CancellationToken.None);
            using var connection = await server.AcceptAndJoinAsync();
            await connecting.WaitAsync(Client.Timeout);

            await connection.SendTextAsync("1");

            Assert.Equal(DisconnectReasons.TransportClose, (await disconnected.WaitAsync(Client.Timeout)).Reason);
        }

        [Fact]
        public async Task PythonStyleStringConnectErrorIsARejection()
        {
            using var server = new FakeEngineServer();
            using var client = new Client(server.BaseUri, configure: FakeEngineServer.WebSocketOnly);
            var connecting = client.Socket.ConnectAsync(CancellationToken.None);
            using var connection = await server.AcceptAsync();
            await connection.SendTextAsync("0{\"sid\":\"e\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":20000}");
            Assert.Equal("40", await connection.ReceiveTextAsync());

            await connection.SendTextAsync("44\"Unable to connect\"");

            var e = await Assert.ThrowsAsync<SocketIoConnectRejectedException>(() => connecting.WaitAsync(Client.Timeout));
            Assert.Equal("Unable to connect", e.ServerMessage);
            Assert.Null(e.ServerData);
        }

        [Fact]
        public async Task ConnectReplyWithoutSidIsAVersionMismatch()
        {
            using var server = new FakeEngineServer();
            using var client = new Client(server.BaseUri, configure: FakeEngineServer.WebSocketOnly);
            var connecting = client.Socket.ConnectAsync(CancellationToken.None);
            using var connection = await server.AcceptAsync();
            await connection.SendTextAsync("0{\"sid\":\"e\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":20000}");
            Assert.Equal("40", await connection.ReceiveTextAsync());

            await connection.SendTextAsync("40");

            var e = await Assert.ThrowsAsync<SocketIoConnectFailedException>(() => connecting.WaitAsync(Client.Timeout));
            Assert.Contains("Engine.IO 3", e.Message);
            Assert.Equal(ConnectionState.Disconnected, client.Socket.State);
        }

        [Fact]
        public async Task PythonDisconnectWithPayloadIsServerDisconnectWithDetails()
        {
            using var server = new FakeEngineServer();
            using var client = new Client(server.BaseUri, configure: FakeEngineServer.WebSocketOnly);
            var disconnected = Disconnected(client);
            var connecting = client.Socket.ConnectAsync(CancellationToken.None);
            using var connection = await server.AcceptAndJoinAsync();
            await connecting.WaitAsync(Client.Timeout);

            await connection.SendTextAsync("41{\"message\":\"refused\",\"data\":[1,2]}");

            var (reason, details) = await disconnected.WaitAsync(Client.Timeout);
            Assert.Equal(DisconnectReasons.IoServerDisconnect, reason);
            Assert.Equal("refused", Assert.IsType<OrderedJsonObject>(details)["message"]);
        }

        [Fact]
        public async Task PacketsForANamespaceNotOpenedAreIgnored()
        {
            using var server = new FakeEngineServer();
            using var client = new Client(server.BaseUri, configure: FakeEngineServer.WebSocketOnly);
            var connecting = client.Socket.ConnectAsync(CancellationToken.None);
            using var connection = await server.AcceptAndJoinAsync();
            await connecting.WaitAsync(Client.Timeout);

            await connection.SendTextAsync("42/other,[\"elsewhere\"]");
            await connection.SendTextAsync("41/other,");
            await connection.SendTextAsync("42[\"here\"]");

            Assert.Equal("here", (await client.Events.NextAsync("here")).EventName);
            Assert.Equal(1, client.Socket.EventsReceived);
            Assert.Equal(ConnectionState.Connected, client.Socket.State);
        }

        [Fact]
        public async Task LateAckForAnUnknownIdIsIgnored()
        {
            using var server = new FakeEngineServer();
            using var client = new Client(server.BaseUri, configure: FakeEngineServer.WebSocketOnly);
            var connecting = client.Socket.ConnectAsync(CancellationToken.None);
            using var connection = await server.AcceptAndJoinAsync();
            await connecting.WaitAsync(Client.Timeout);

            var pending = client.EmitWithAckAsync("question", 1);
            Assert.Equal("420[\"question\",1]", await connection.ReceiveTextAsync());
            await connection.SendTextAsync("4399[\"stray\"]");
            await connection.SendTextAsync("430[\"answer\"]");

            Assert.Equal(new object?[] { "answer" }, await pending);
            Assert.Equal(ConnectionState.Connected, client.Socket.State);
        }

        private static Task<(string Reason, object? Details)> Disconnected(Client client)
        {
            var result = new TaskCompletionSource<(string, object?)>(TaskCreationOptions.RunContinuationsAsynchronously);
            client.Socket.Disconnected += (reason, details) => result.TrySetResult((reason, details));
            return result.Task;
        }
    }
}
