using System;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo;
using SocketIo.Core.Tests.Infrastructure;
using Xunit;

namespace SocketIo.Core.Tests
{
    /// <summary>
    /// EngineOptions.MaxIncomingMessageBytes on both transports against the node server: a message over it closes the
    /// connection with "parse error" (it is not delivered); one at the limit's size goes through.
    /// </summary>
    public class IncomingLimitTests : IClassFixture<DefaultServerFixture>
    {
        private const int Limit = 4096;

        private readonly DefaultServerFixture _server;

        public IncomingLimitTests(DefaultServerFixture server) => _server = server;

        [Theory]
        [InlineData(EngineTransports.WebSocket)]
        [InlineData(EngineTransports.Polling)]
        public async Task AMessageOverTheLimitClosesTheConnection(EngineTransports transports)
        {
            using var client = await Client.ConnectAsync(_server.BaseUri, configure: options =>
            {
                options.Engine.Transports = transports;
                options.Engine.MaxIncomingMessageBytes = Limit;
                options.Reconnection = false;
            });
            var closed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            client.Socket.Disconnected += (reason, details) => closed.TrySetResult(reason);

            // The acknowledgement is the text plus a few bytes of framing: under the limit.
            var fits = new string('a', Limit - 100);
            Assert.Equal(new object?[] { fits }, await client.EmitWithAckAsync("echo-ack", fits));

            await client.EmitAsync("echo", new string('b', Limit + 1));

            Assert.Equal(DisconnectReasons.ParseError, await closed.Task.WaitAsync(Client.Timeout));
            Assert.Equal(0, client.Socket.EventsReceived);
        }
    }
}
