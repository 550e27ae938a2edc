using System;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo;
using SocketIo.Core.SocketIo;
using SocketIo.Core.Tests.Infrastructure;
using Xunit;

namespace SocketIo.Core.Tests
{
    /// <summary>
    /// Emits in a tight loop (queued, not awaited one by one): they arrive whole and in order, go out in far fewer
    /// socket writes than emits, and each emit's task still says how its own packet fared.
    /// </summary>
    [Collection(TimingSensitive.Name)]
    public class EmitBurstTests
    {
        private const int Burst = 2000;

        [Fact]
        public async Task ABurstArrivesInOrderInFewWrites()
        {
            using var server = new FakeEngineServer();
            using var client = new Client(server.BaseUri, configure: FakeEngineServer.WebSocketOnly);
            var connecting = client.Socket.ConnectAsync(CancellationToken.None);
            using var connection = await server.AcceptAndJoinAsync();
            await connecting.WaitAsync(Client.Timeout);
            long writesBefore = client.Manager.Engine!.Writes;

            var tasks = new Task<EmitOutcome>[Burst];
            for (int i = 0; i < Burst; i++)
                tasks[i] = client.Socket.EmitAsync("s", new object?[] { i }, EmitOptions.Default, CancellationToken.None);
            for (int i = 0; i < Burst; i++) Assert.Equal($"42[\"s\",{i}]", await connection.ReceiveTextAsync());

            Assert.All(await Task.WhenAll(tasks).WaitAsync(Client.Timeout), outcome => Assert.Equal(EmitOutcome.Sent, outcome));
            long writes = client.Manager.Engine!.Writes - writesBefore;
            // One write per emit would be 2000; batched, it takes 10 to 60 here (the bound leaves room for a loaded machine).
            Assert.True(writes <= Burst / 4, $"{writes} socket writes for {Burst} emits");
        }

        [Fact]
        public async Task EmitsAwaitedOneByOneAreWrittenOnTheEmittingThread()
        {
            // A caller that waits for each emit gains nothing from the pool (there is never a second packet to batch):
            // its emits are written before EmitAsync returns, but for a rare probe.
            using var server = new FakeEngineServer();
            using var client = new Client(server.BaseUri, configure: FakeEngineServer.WebSocketOnly);
            var connecting = client.Socket.ConnectAsync(CancellationToken.None);
            using var connection = await server.AcceptAndJoinAsync();
            await connecting.WaitAsync(Client.Timeout);

            var reading = Task.Run(async () =>
            {
                for (int i = 0; i < Burst; i++) Assert.Equal($"42[\"s\",{i}]", await connection.ReceiveTextAsync());
            });
            int writtenBeforeReturn = 0;
            for (int i = 0; i < Burst; i++)
            {
                var emit = client.Socket.EmitAsync("s", new object?[] { i }, EmitOptions.Default, CancellationToken.None);
                if (emit.IsCompleted) writtenBeforeReturn++;
                Assert.Equal(EmitOutcome.Sent, await emit.WaitAsync(Client.Timeout));
            }
            await reading.WaitAsync(Client.Timeout);
            Assert.True(writtenBeforeReturn >= Burst * 9 / 10, $"{writtenBeforeReturn} of {Burst} emits written before EmitAsync returned");
        }

        [Fact]
        public async Task AnOversizedEmitInABurstFailsAloneAndTheOthersArrive()
        {
            using var server = new FakeEngineServer();
            using var client = new Client(server.BaseUri, configure: FakeEngineServer.WebSocketOnly);
            var connecting = client.Socket.ConnectAsync(CancellationToken.None);
            using var connection = await server.AcceptAndJoinAsync();
            await connecting.WaitAsync(Client.Timeout);

            var tasks = new Task<EmitOutcome>[Burst];
            var tooLarge = new string('x', 1_000_001); // the fake server's maxPayload is 1,000,000 bytes
            for (int i = 0; i < Burst; i++)
                tasks[i] = client.Socket.EmitAsync("s", new object?[] { i == Burst / 2 ? tooLarge : (object)i }, EmitOptions.Default, CancellationToken.None);
            for (int i = 0; i < Burst; i++)
                if (i != Burst / 2) Assert.Equal($"42[\"s\",{i}]", await connection.ReceiveTextAsync());

            await Assert.ThrowsAsync<SocketIoPayloadTooLargeException>(() => tasks[Burst / 2].WaitAsync(Client.Timeout));
            for (int i = 0; i < Burst; i++)
                if (i != Burst / 2) Assert.Equal(EmitOutcome.Sent, await tasks[i].WaitAsync(Client.Timeout));
            Assert.Equal(ConnectionState.Connected, client.Socket.State);
        }
    }
}
