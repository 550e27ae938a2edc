using System;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo;
using SocketIo.Core.Tests.Infrastructure;
using Xunit;

namespace SocketIo.Core.Tests
{
    /// <summary>The server's maxPayload (1000 bytes here) is enforced before sending, and the connection survives.</summary>
    public class PayloadLimitTests : IClassFixture<SmallPayloadServerFixture>
    {
        private readonly SmallPayloadServerFixture _server;

        public PayloadLimitTests(SmallPayloadServerFixture server) => _server = server;

        [Fact]
        public async Task HandshakeAnnouncesTheLimit()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri);

            Assert.Equal(SmallPayloadServerFixture.MaxPayload, client.Manager.Engine!.Handshake!.MaxPayload);
        }

        [Fact]
        public async Task TooLargeTextIsRefusedAndTheConnectionStaysUsable()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri);

            var e = await Assert.ThrowsAsync<SocketIoPayloadTooLargeException>(() => client.EmitAsync("echo", new string('x', 2000)));

            Assert.Equal(SmallPayloadServerFixture.MaxPayload, e.Limit);
            Assert.True(e.Size > e.Limit);
            Assert.Equal(0, client.Socket.EventsSent);
            Assert.Equal(ConnectionState.Connected, client.Socket.State);
            Assert.Equal(new object?[] { "small" }, await client.EmitWithAckAsync("echo-ack", "small"));
        }

        [Fact]
        public async Task TooLargeAttachmentIsRefused()
        {
            // Over WebSocket an attachment is sent raw; over polling it takes base64's 4/3 (TransportPollingTests).
            using var client = await Client.ConnectAsync(_server.BaseUri, configure: o => o.Engine.Transports = EngineTransports.WebSocket);

            await Assert.ThrowsAsync<SocketIoPayloadTooLargeException>(() => client.EmitWithAckAsync("echo-ack", new byte[1001]));

            Assert.Equal(new object?[] { new byte[1000] }, await client.EmitWithAckAsync("echo-ack", new byte[1000]));
        }

        [Fact]
        public async Task MessageJustUnderTheLimitGoesThrough()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri);
            var text = new string('y', 900);

            Assert.Equal(new object?[] { text }, await client.EmitWithAckAsync("echo-ack", text));
        }

        [Fact]
        public async Task TooLargeAcknowledgementIsRefused()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri);
            await client.EmitAsync("ask", "q");
            var question = await client.Events.NextAsync("q");

            await Assert.ThrowsAsync<SocketIoPayloadTooLargeException>(() => question.AcknowledgeAsync(new object?[] { new string('z', 2000) }));

            // Nothing was sent, so the one acknowledgement the server waits for is still owed and can be given.
            Assert.Equal(ConnectionState.Connected, client.Socket.State);
            Assert.False(question.Acknowledged);
            await question.AcknowledgeAsync(new object?[] { "short" }).WaitAsync(Client.Timeout);
            Assert.Equal(new object?[] { "short" }, (await client.Events.NextAsync("answer")).Arguments);
        }
    }
}
