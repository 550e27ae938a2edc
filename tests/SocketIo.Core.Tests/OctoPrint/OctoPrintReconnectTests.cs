using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.OctoPrint;
using Xunit;

namespace SocketIo.Core.Tests.OctoPrint
{
    /// <summary>OctoPrint's reconnect schedule, with the delay injected so no test waits for it.</summary>
    public class OctoPrintReconnectTests
    {
        private static readonly TimeSpan[] Default =
            new[] { 0, 1, 1, 2, 3, 5, 8, 13, 20, 40, 100 }.Select(s => TimeSpan.FromSeconds(s)).ToArray();

        [Fact]
        public void DefaultScheduleIsTheJsClientsOne()
        {
            Assert.Equal(Default, OctoPrintClientOptions.DefaultReconnectSchedule);
            Assert.Equal(Default, new OctoPrintClientOptions().ReconnectSchedule);
        }

        [Fact]
        public async Task ServerCloseOtherThan1000ReconnectsLoggingInAgain()
        {
            using var sim = await OctoPrintSimulator.StartAsync();
            var delays = new ConcurrentQueue<TimeSpan>();
            using var client = await OctoPrintTestClient.ConnectAsync(sim, o => o.Delay = (d, _) => { delays.Enqueue(d); return Task.CompletedTask; });

            await sim.PostAsync("test/disconnect?code=3000&expire=1"); // also forgets logins: the old token would be stale
            await client.WaitForLogAsync("state:Reconnecting");
            await Eventually.TrueAsync(() => client.Client.Reconnects == 1 && client.Client.State == ConnectionState.Connected,
                OctoPrintTestClient.Timeout, "the reconnect\n" + string.Join(", ", client.Log));
            Assert.Equal(new[] { TimeSpan.Zero }, delays.ToArray());
            Assert.Equal(3000, client.Client.LastCloseCode);
            Assert.Equal("Go away!", client.Client.LastCloseReason);
            await client.WaitForLogAsync("reconnecting:1:0");
            Assert.Equal(2, client.Count(m => m.Type == "history"));

            int before = client.Count(m => m.Type == "current");
            await client.WaitForMessageAsync(m => m.Type == "current", "current after the reconnect", count: before + 2);
            var log = client.Log.ToList();
            Assert.True(log.IndexOf("state:Reconnecting") < log.LastIndexOf("state:Connected"), string.Join(", ", log));
            Assert.DoesNotContain(log, e => e.StartsWith("disconnected:", StringComparison.Ordinal));

            // A second loss starts the schedule from the top again.
            await sim.PostAsync("test/disconnect?abort=1");
            await Eventually.TrueAsync(() => client.Client.Reconnects == 2 && client.Client.State == ConnectionState.Connected,
                OctoPrintTestClient.Timeout, "the second reconnect\n" + string.Join(", ", client.Log));
            Assert.Equal(new[] { TimeSpan.Zero, TimeSpan.Zero }, delays.ToArray());
            Assert.Equal(1006, client.Client.LastCloseCode);
        }

        [Fact]
        public async Task NormalClosureMeansDisconnectedWithoutReconnect()
        {
            using var sim = await OctoPrintSimulator.StartAsync();
            int delays = 0;
            using var client = await OctoPrintTestClient.ConnectAsync(sim, o => o.Delay = (d, _) => { Interlocked.Increment(ref delays); return Task.CompletedTask; });
            await sim.PostAsync("test/disconnect?code=1000");
            await client.WaitForLogAsync("state:Disconnected");
            await client.WaitForLogAsync("disconnected:closed by the server (1000 Normal closure)");
            Assert.Equal(0, Volatile.Read(ref delays));
            Assert.DoesNotContain(client.Log, e => e.StartsWith("reconnecting", StringComparison.Ordinal));
            Assert.Equal(ConnectionState.Disconnected, client.Client.State);
            Assert.Equal(0, client.Client.Reconnects);
        }

        [Fact]
        public async Task ScheduleIsFollowedAndThenTheClientGivesUp()
        {
            var sim = await OctoPrintSimulator.StartAsync();
            var delays = new ConcurrentQueue<TimeSpan>();
            OctoPrintTestClient client;
            try
            {
                client = await OctoPrintTestClient.ConnectAsync(sim, o => o.Delay = (d, _) => { delays.Enqueue(d); return Task.CompletedTask; });
            }
            finally
            {
                sim.Dispose(); // the server goes away for good: every attempt's login is refused at once
            }
            using (client)
            {
                await client.WaitForLogAsync("state:Disconnected", TimeSpan.FromSeconds(10));
                Assert.Equal(Default, delays.ToArray());
                var log = client.Log;
                for (int i = 0; i < Default.Length; i++) Assert.Contains($"reconnecting:{i + 1}:{Default[i].TotalSeconds}", log);
                var reason = Assert.Single(log, e => e.StartsWith("disconnected:", StringComparison.Ordinal));
                Assert.Contains("gave up reconnecting after 11 attempts", reason);
                Assert.Contains("api/login", reason); // the last error: the login could not reach the server
                Assert.Equal(ConnectionState.Disconnected, client.Client.State);
                Assert.Equal(0, client.Client.Reconnects);
            }
        }

        [Fact]
        public async Task CustomScheduleAndEmptySchedule()
        {
            using var sim = await OctoPrintSimulator.StartAsync();
            var delays = new ConcurrentQueue<TimeSpan>();
            using var none = await OctoPrintTestClient.ConnectAsync(sim, o => o.ReconnectSchedule.Clear());
            await sim.PostAsync("test/disconnect?code=3000");
            await none.WaitForLogAsync("state:Disconnected");
            Assert.Contains(none.Log, e => e.StartsWith("disconnected:connection lost (3000 Go away!); reconnection is off", StringComparison.Ordinal));

            using var custom = await OctoPrintTestClient.ConnectAsync(sim, o =>
            {
                o.ReconnectSchedule = new[] { TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(70) };
                o.Delay = (d, ct) => { delays.Enqueue(d); return Task.Delay(d, ct); };
            });
            await sim.PostAsync("test/disconnect?code=3001&reason=bye");
            await Eventually.TrueAsync(() => custom.Client.Reconnects == 1, OctoPrintTestClient.Timeout, "reconnect on the custom schedule");
            Assert.Equal(new[] { TimeSpan.FromMilliseconds(50) }, delays.ToArray());
            Assert.Equal("bye", custom.Client.LastCloseReason);
        }

        [Fact]
        public async Task DisconnectWhileReconnectingStopsTheSchedule()
        {
            using var sim = await OctoPrintSimulator.StartAsync();
            var waiting = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            using var client = await OctoPrintTestClient.ConnectAsync(sim, o => o.Delay = async (d, ct) =>
            {
                waiting.TrySetResult(true);
                await Task.Delay(Timeout.InfiniteTimeSpan, ct); // only a disconnect ends this wait
            });
            await sim.PostAsync("test/disconnect?code=3000");
            await waiting.Task.WaitAsync(OctoPrintTestClient.Timeout);
            Assert.Equal(ConnectionState.Reconnecting, client.Client.State);
            await client.Client.DisconnectAsync().WaitAsync(OctoPrintTestClient.Timeout);
            await client.WaitForLogAsync("disconnected:client disconnect");
            Assert.Equal(ConnectionState.Disconnected, client.Client.State);
            await Task.Delay(200); // nothing may come back to life
            Assert.Equal(ConnectionState.Disconnected, client.Client.State);
            Assert.Equal(0, (await sim.StateAsync()).GetProperty("connected").GetInt32());
        }

        [Fact]
        public async Task ClientDisconnectClosesTheSocketAndCanConnectAgain()
        {
            using var sim = await OctoPrintSimulator.StartAsync();
            using var client = await OctoPrintTestClient.ConnectAsync(sim);
            await client.Client.DisconnectAsync();
            Assert.Equal(ConnectionState.Disconnected, client.Client.State);
            Assert.Equal("client disconnect", client.Client.DisconnectReason);
            await Eventually.TrueAsync(async () => (await sim.StateAsync()).GetProperty("connected").GetInt32() == 0,
                OctoPrintTestClient.Timeout, "the simulator to see the socket close");
            await client.WaitForLogAsync("disconnected:client disconnect");
            Assert.DoesNotContain(client.Log, e => e.StartsWith("reconnecting", StringComparison.Ordinal));

            await client.Client.ConnectAsync(CancellationToken.None).WaitAsync(OctoPrintTestClient.Timeout);
            Assert.Equal(ConnectionState.Connected, client.Client.State);
        }

        [Fact]
        public async Task DeadConnectionWatchdogClosesWith1006AndReconnects()
        {
            // Heartbeats every 25 s and no current messages while subscribed to nothing: the only frames are rare.
            using var sim = await OctoPrintSimulator.StartAsync();
            using var client = await OctoPrintTestClient.ConnectAsync(sim, o =>
            {
                o.HeartbeatTimeout = TimeSpan.FromMilliseconds(400);
                o.Subscribe = new System.Collections.Hashtable { ["state"] = false, ["events"] = false, ["plugins"] = false };
                o.Delay = (d, ct) => Task.CompletedTask;
            });
            await Eventually.TrueAsync(() => client.Client.Reconnects >= 1, OctoPrintTestClient.Timeout, "a reconnect after the watchdog\n" + string.Join(", ", client.Log));
            Assert.Equal(1006, client.Client.LastCloseCode);
            Assert.Contains("No frame from the server", client.Client.LastCloseReason);
        }

        [Fact]
        public async Task TheThrottleFactorIsCarriedOverToTheNewSocket()
        {
            using var sim = await OctoPrintSimulator.StartAsync();
            using var client = await OctoPrintTestClient.ConnectAsync(sim, o => o.Delay = (d, _) => Task.CompletedTask);
            client.Client.ReportProcessingTime(TimeSpan.FromSeconds(1));
            client.Client.ReportProcessingTime(TimeSpan.FromSeconds(2));
            Assert.Equal(3, client.Client.ThrottleFactor);
            await Eventually.TrueAsync(async () => (await sim.SingleClientAsync())?.GetProperty("throttle").GetInt32() == 3,
                OctoPrintTestClient.Timeout, "throttle 3");
            await sim.PostAsync("test/disconnect?code=3000");
            await Eventually.TrueAsync(() => client.Client.Reconnects == 1, OctoPrintTestClient.Timeout, "the reconnect");
            // The server starts every socket at 1; the client tells the new one what this consumer needs.
            await Eventually.TrueAsync(async () => (await sim.SingleClientAsync())?.GetProperty("throttle").GetInt32() == 3,
                OctoPrintTestClient.Timeout, "throttle 3 on the new socket");
        }
    }
}
