using System.Threading.Tasks;
using SocketIo.Core.SockJs;
using Xunit;

namespace SocketIo.Core.Tests.OctoPrint
{
    /// <summary>Every SockJS transport carries the OctoPrint connection, including a reconnect.</summary>
    public class OctoPrintTransportTests
    {
        [Theory]
        [InlineData(SockJsTransport.WebSocket, "websocket")]
        [InlineData(SockJsTransport.XhrStreaming, "xhr-streaming")]
        [InlineData(SockJsTransport.XhrPolling, "xhr-polling")]
        [InlineData(SockJsTransport.Auto, "websocket")]
        public async Task EachTransportConnectsReceivesAndThrottles(SockJsTransport transport, string name)
        {
            using var sim = await OctoPrintSimulator.StartAsync();
            using var client = await OctoPrintTestClient.ConnectAsync(sim, o => o.Transport = transport);
            Assert.Equal(name, client.Client.TransportName);
            var state = await sim.SingleClientAsync();
            Assert.Equal(name, state!.Value.GetProperty("protocol").GetString());
            await client.WaitForMessageAsync(m => m.Type == "current", "current messages", count: 3);

            // Client → server works on this transport too.
            client.Client.ReportProcessingTime(System.TimeSpan.FromSeconds(1));
            await Eventually.TrueAsync(async () => (await sim.SingleClientAsync())?.GetProperty("throttle").GetInt32() == 2,
                OctoPrintTestClient.Timeout, "throttle 2 over " + name);
        }

        [Theory]
        [InlineData(SockJsTransport.XhrStreaming)]
        [InlineData(SockJsTransport.XhrPolling)]
        public async Task XhrTransportsReconnectAfterAServerClose(SockJsTransport transport)
        {
            using var sim = await OctoPrintSimulator.StartAsync();
            using var client = await OctoPrintTestClient.ConnectAsync(sim, o =>
            {
                o.Transport = transport;
                o.Delay = (d, ct) => Task.CompletedTask;
            });
            await sim.PostAsync("test/disconnect?code=3000");
            await Eventually.TrueAsync(() => client.Client.Reconnects == 1 && client.Client.State == ConnectionState.Connected,
                OctoPrintTestClient.Timeout, "the reconnect\n" + string.Join(", ", client.Log));
            Assert.Equal(3000, client.Client.LastCloseCode);
            int before = client.Count(m => m.Type == "current");
            await client.WaitForMessageAsync(m => m.Type == "current", "current after the reconnect", count: before + 2);
        }
    }
}
