using System;
using System.Collections.Specialized;
using System.Linq;
using System.Threading.Tasks;
using SocketIo.Core.OctoPrint;
using Xunit;
using SocketIo.Core.Json;

namespace SocketIo.Core.Tests.OctoPrint
{
    /// <summary>Push messages, throttle and re-authentication against octoprint-sim.js.</summary>
    public class OctoPrintPushTests
    {
        [Fact]
        public async Task ConnectedOnlyAfterHistoryAndCurrentMessagesFlow()
        {
            using var sim = await OctoPrintSimulator.StartAsync();
            using var client = await OctoPrintTestClient.ConnectAsync(sim);
            await client.WaitForLogAsync("state:Connected");
            var log = client.Log;
            int connected = log.ToList().IndexOf("message:connected");
            int history = log.ToList().IndexOf("message:history");
            int state = log.ToList().IndexOf("state:Connected");
            Assert.True(log[0] == "state:Connecting", string.Join(", ", log));
            Assert.True(connected >= 0 && connected < history && history < state, string.Join(", ", log));

            var current = await client.WaitForMessageAsync(m => m.Type == "current", "three current messages", count: 3);
            var payload = Assert.IsType<OrderedJsonObject>(current.Payload);
            Assert.True(payload.ContainsKey("state") && payload.ContainsKey("temps"));
            Assert.Equal(DateTimeKind.Utc, current.ReceivedAt.Kind);
            Assert.True(client.Client.MessagesReceived >= 5);
            Assert.Equal(1, client.Client.MessagesSent); // auth
        }

        [Fact]
        public async Task PrintRaisesPrintStartedThenPrintDone()
        {
            using var sim = await OctoPrintSimulator.StartAsync("--print-seconds", "0.6");
            using var client = await OctoPrintTestClient.ConnectAsync(sim);
            await sim.PostAsync("test/start");
            var started = await client.WaitForMessageAsync(m => m.EventType == "PrintStarted", "PrintStarted");
            var done = await client.WaitForMessageAsync(m => m.EventType == "PrintDone", "PrintDone");
            Assert.Equal("benchy.gcode", ((OrderedJsonObject)started.EventPayload!)["name"]);
            Assert.True(((OrderedJsonObject)done.EventPayload!).ContainsKey("time"));
            Assert.True(done.ReceivedAt >= started.ReceivedAt);
            Assert.Equal("event", done.Type);
        }

        [Fact]
        public async Task SlowConsumerRaisesTheSimulatorsThrottleAndAFastOneLowersItAgain()
        {
            using var sim = await OctoPrintSimulator.StartAsync();
            using var client = await OctoPrintTestClient.ConnectAsync(sim);
            Assert.Equal(1, (await sim.SingleClientAsync())!.Value.GetProperty("throttle").GetInt32());

            Assert.Equal(2, client.Client.ReportProcessingTime(TimeSpan.FromMilliseconds(700)));
            Assert.Equal(2, client.Client.ThrottleFactor);
            await Eventually.TrueAsync(async () => (await sim.SingleClientAsync())?.GetProperty("throttle").GetInt32() == 2,
                OctoPrintTestClient.Timeout, "the simulator's throttle to become 2");
            await client.WaitForLogAsync("throttle:1->2");

            // The simulator now spaces current messages at least 2 × 100 ms apart.
            int before = client.Count(m => m.Type == "current");
            await client.WaitForMessageAsync(m => m.Type == "current", "more current", count: before + 4);
            var times = client.Messages.Where(m => m.Type == "current").Skip(before + 1).Take(3).Select(m => m.ReceivedAt).ToList();
            for (int i = 1; i < times.Count; i++)
                Assert.True(times[i] - times[i - 1] >= TimeSpan.FromMilliseconds(150), $"current messages {(times[i] - times[i - 1]).TotalMilliseconds} ms apart at throttle 2");

            for (int i = 0; i < 19; i++) Assert.Null(client.Client.ReportProcessingTime(TimeSpan.FromMilliseconds(5)));
            Assert.Equal(1, client.Client.ReportProcessingTime(TimeSpan.FromMilliseconds(5)));
            await Eventually.TrueAsync(async () => (await sim.SingleClientAsync())?.GetProperty("throttle").GetInt32() == 1,
                OctoPrintTestClient.Timeout, "the simulator's throttle to go back to 1");
            await client.WaitForLogAsync("throttle:2->1");
            Assert.Equal(3, client.Client.MessagesSent); // auth, throttle 2, throttle 1
        }

        [Fact]
        public async Task ThrottlingOffSendsNothing()
        {
            using var sim = await OctoPrintSimulator.StartAsync();
            using var client = await OctoPrintTestClient.ConnectAsync(sim, o => o.Throttle = false);
            Assert.Null(client.Client.ReportProcessingTime(TimeSpan.FromSeconds(10)));
            Assert.Equal(1, client.Client.ThrottleFactor);
            Assert.Equal(1, client.Client.MessagesSent);
        }

        [Fact]
        public async Task ReauthRequiredLogsInAgainAndKeepsReceiving()
        {
            using var sim = await OctoPrintSimulator.StartAsync();
            using var client = await OctoPrintTestClient.ConnectAsync(sim);
            await client.WaitForMessageAsync(m => m.Type == "current", "current before reauth");

            await sim.PostAsync("test/expire-sessions?notify=1"); // the old token is gone: only a new login helps
            var reauth = await client.WaitForMessageAsync(m => m.Type == "reauthRequired", "reauthRequired");
            Assert.Equal("stale", reauth.Reason);
            await Eventually.TrueAsync(async () => (await sim.SingleClientAsync())?.GetProperty("authenticated").GetBoolean() == true,
                OctoPrintTestClient.Timeout, "the socket to be authenticated again");
            int afterReauth = client.Messages.ToList().FindLastIndex(m => m.Type == "reauthRequired");
            await Eventually.TrueAsync(() => client.Messages.Skip(afterReauth + 1).Count(m => m.Type == "current") >= 3,
                OctoPrintTestClient.Timeout, "current messages after the re-auth");
            Assert.Equal(ConnectionState.Connected, client.Client.State);
            Assert.Equal(2, client.Client.MessagesSent); // auth twice
            Assert.Equal(0, client.Client.Reconnects);
        }

        [Fact]
        public async Task ReauthHookForEveryReason()
        {
            using var sim = await OctoPrintSimulator.StartAsync();
            using var client = await OctoPrintTestClient.ConnectAsync(sim);
            await sim.PostAsync("test/reauth?reason=logout");
            await client.WaitForMessageAsync(m => m.Type == "reauthRequired" && m.Reason == "logout", "reauthRequired logout");
            await Eventually.TrueAsync(() => client.Client.MessagesSent == 2, OctoPrintTestClient.Timeout, "a second auth");
            int index = client.Messages.ToList().FindLastIndex(m => m.Type == "reauthRequired");
            await Eventually.TrueAsync(() => client.Messages.Skip(index + 1).Any(m => m.Type == "current"),
                OctoPrintTestClient.Timeout, "current after the re-auth");
        }

        [Fact]
        public async Task StockStringFramesWorkToo()
        {
            using var sim = await OctoPrintSimulator.StartAsync("--string-frames");
            using var client = await OctoPrintTestClient.ConnectAsync(sim);
            await client.WaitForMessageAsync(m => m.Type == "current", "current");
            Assert.Equal("1.10.3", client.Client.ServerVersion);
        }

        [Fact]
        public async Task SubscribeIsSentAfterHistoryAndFiltersEvents()
        {
            using var sim = await OctoPrintSimulator.StartAsync("--print-seconds", "0.5");
            var subscription = new OrderedDictionary { ["state"] = false, ["events"] = new[] { "PrintDone" }, ["plugins"] = false };
            using var client = await OctoPrintTestClient.ConnectAsync(sim, o => o.Subscribe = subscription);
            Assert.Equal(2, client.Client.MessagesSent); // auth, subscribe
            await Eventually.TrueAsync(async () => (await sim.SingleClientAsync())?.GetProperty("subscriptions").ValueKind is System.Text.Json.JsonValueKind.Object,
                OctoPrintTestClient.Timeout, "the subscription on the simulator");
            int before = client.Messages.Count;
            await sim.PostAsync("test/start");
            await client.WaitForMessageAsync(m => m.EventType == "PrintDone", "PrintDone");
            var after = client.Messages.Skip(before).ToList();
            Assert.DoesNotContain(after, m => m.EventType == "PrintStarted");
            Assert.DoesNotContain(after.Skip(2), m => m.Type == "current"); // one may have been in flight
        }

        [Fact]
        public async Task SendAsyncNeedsAConnection()
        {
            using var sim = await OctoPrintSimulator.StartAsync();
            using var client = new OctoPrintTestClient(sim);
            await Assert.ThrowsAsync<SocketIoNotConnectedException>(() => client.Client.SendAsync("throttle", 2, default));
            await client.Client.ConnectAsync(default);
            await client.Client.SendAsync("throttle", 3, default);
            await Eventually.TrueAsync(async () => (await sim.SingleClientAsync())?.GetProperty("throttle").GetInt32() == 3,
                OctoPrintTestClient.Timeout, "throttle 3 sent by hand");
            await client.Client.DisconnectAsync();
            await Assert.ThrowsAsync<SocketIoNotConnectedException>(() => client.Client.SendAsync("throttle", 2, default));
        }
    }
}
