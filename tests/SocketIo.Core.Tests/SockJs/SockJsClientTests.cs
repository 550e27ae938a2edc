using System;
using System.Collections.Concurrent;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.SockJs;
using SocketIo.Core.Tests.OctoPrint;
using Xunit;

namespace SocketIo.Core.Tests.SockJs
{
    /// <summary>The SockJS client on its own, against the sockjs-node server inside octoprint-sim.js.</summary>
    public class SockJsClientTests
    {
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

        private sealed class Recorder
        {
            public readonly ConcurrentQueue<string> Messages = new ConcurrentQueue<string>();
            public readonly TaskCompletionSource<(int Code, string Reason)> Closed =
                new TaskCompletionSource<(int, string)>(TaskCreationOptions.RunContinuationsAsynchronously);
            public int Opened;
            public int ClosedCount;

            public Recorder(SockJsClient client)
            {
                client.Opened = () => Interlocked.Increment(ref Opened);
                client.MessageReceived = json => Messages.Enqueue(Encoding.UTF8.GetString(json));
                client.Closed += (code, reason) =>
                {
                    Interlocked.Increment(ref ClosedCount);
                    Closed.TrySetResult((code, reason));
                };
            }
        }

        private static SockJsClient NewClient(OctoPrintSimulator sim, SockJsTransport transport, Action<SockJsClientOptions>? configure = null)
        {
            var options = new SockJsClientOptions { ServerUri = new Uri(sim.BaseUri, "sockjs"), Transport = transport, TransportTimeout = TimeSpan.FromSeconds(3) };
            options.Headers.Add(new System.Collections.Generic.KeyValuePair<string, string>("X-Api-Key", OctoPrintSimulator.ApiKey));
            configure?.Invoke(options);
            return new SockJsClient(options);
        }

        private static async Task<string> LoginSessionAsync(OctoPrintSimulator sim)
        {
            using var http = new HttpClient();
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(sim.BaseUri, "api/login"))
            {
                Content = new StringContent("{\"passive\":true}", Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("X-Api-Key", OctoPrintSimulator.ApiKey);
            using var response = await http.SendAsync(request);
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("session").GetString()!;
        }

        [Theory]
        [InlineData(SockJsTransport.WebSocket, "websocket")]
        [InlineData(SockJsTransport.XhrStreaming, "xhr-streaming")]
        [InlineData(SockJsTransport.XhrPolling, "xhr-polling")]
        public async Task OpensReceivesSendsAndClosesNormally(SockJsTransport transport, string name)
        {
            using var sim = await OctoPrintSimulator.StartAsync("--disconnect-delay", "200"); // polling sessions expire fast
            using var client = NewClient(sim, transport);
            var recorder = new Recorder(client);
            await client.OpenAsync(CancellationToken.None).WaitAsync(Timeout);
            Assert.True(client.IsOpen);
            Assert.Equal(name, client.TransportName);
            Assert.Equal(1, recorder.Opened);
            Assert.Matches("^[0-9a-f]{32}$", client.SessionId);
            await Eventually.TrueAsync(() => !recorder.Messages.IsEmpty, Timeout, "the connected message");
            Assert.StartsWith("{\"connected\":{", recorder.Messages.ToArray()[0]);

            var session = await LoginSessionAsync(sim);
            await client.SendAsync("{\"auth\":\"admin:" + session + "\"}", CancellationToken.None);
            await Eventually.TrueAsync(() => Array.Exists(recorder.Messages.ToArray(), m => m.StartsWith("{\"history\":", StringComparison.Ordinal)),
                Timeout, "history after auth");

            await client.CloseAsync().WaitAsync(Timeout);
            Assert.Equal((1000, "Normal closure"), await recorder.Closed.Task.WaitAsync(Timeout));
            Assert.False(client.IsOpen);
            await Assert.ThrowsAsync<SocketIoNotConnectedException>(() => client.SendAsync("{}", CancellationToken.None));
            await Eventually.TrueAsync(async () => (await sim.StateAsync()).GetProperty("connected").GetInt32() == 0, Timeout, "the server to drop the session");
            Assert.Equal(1, recorder.ClosedCount);
        }

        [Theory]
        [InlineData(SockJsTransport.WebSocket)]
        [InlineData(SockJsTransport.XhrStreaming)]
        [InlineData(SockJsTransport.XhrPolling)]
        public async Task ServerCloseFrameGivesItsCodeAndReason(SockJsTransport transport)
        {
            using var sim = await OctoPrintSimulator.StartAsync();
            using var client = NewClient(sim, transport);
            var recorder = new Recorder(client);
            await client.OpenAsync(CancellationToken.None).WaitAsync(Timeout);
            await sim.PostAsync("test/disconnect?code=3000");
            Assert.Equal((3000, "Go away!"), await recorder.Closed.Task.WaitAsync(Timeout));
            Assert.Equal(3000, client.CloseCode);
            await Task.Delay(100);
            Assert.Equal(1, recorder.ClosedCount);
        }

        [Theory]
        [InlineData(SockJsTransport.WebSocket)]
        [InlineData(SockJsTransport.XhrStreaming)]
        public async Task ABrokenConnectionIs1006(SockJsTransport transport)
        {
            using var sim = await OctoPrintSimulator.StartAsync();
            using var client = NewClient(sim, transport);
            var recorder = new Recorder(client);
            await client.OpenAsync(CancellationToken.None).WaitAsync(Timeout);
            await sim.PostAsync("test/disconnect?abort=1");
            var (code, _) = await recorder.Closed.Task.WaitAsync(Timeout);
            Assert.Equal(1006, code);
        }

        [Fact]
        public async Task PollingSessionForgottenByTheServerEndsTheSession()
        {
            // The server forgets the session; the next poll (HttpClient even retries the cut-off one by itself) gets
            // the o of a brand-new session, which sockjs-client answers with 1006 "Server lost session". So do we.
            using var sim = await OctoPrintSimulator.StartAsync();
            using var client = NewClient(sim, SockJsTransport.XhrPolling);
            var recorder = new Recorder(client);
            await client.OpenAsync(CancellationToken.None).WaitAsync(Timeout);
            await sim.PostAsync("test/disconnect?abort=1");
            var (code, reason) = await recorder.Closed.Task.WaitAsync(Timeout);
            Assert.True(code == 1006, $"{code} {reason}");
            Assert.Equal("Server lost session", reason);
        }

        [Fact]
        public async Task NoFrameWithinTheHeartbeatTimeoutIs1006()
        {
            using var sim = await OctoPrintSimulator.StartAsync(); // sends h only every 25 s; nothing else without auth
            using var client = NewClient(sim, SockJsTransport.WebSocket, o => o.HeartbeatTimeout = TimeSpan.FromMilliseconds(300));
            var recorder = new Recorder(client);
            await client.OpenAsync(CancellationToken.None).WaitAsync(Timeout);
            var (code, reason) = await recorder.Closed.Task.WaitAsync(Timeout);
            Assert.Equal(1006, code);
            Assert.Contains("No frame from the server for 0.3 s", reason);
            await Eventually.TrueAsync(async () => (await sim.StateAsync()).GetProperty("connected").GetInt32() == 0, Timeout, "the socket to be closed");
        }

        [Fact]
        public async Task HeartbeatsKeepTheWatchdogQuiet()
        {
            using var sim = await OctoPrintSimulator.StartAsync("--heartbeat", "100");
            using var client = NewClient(sim, SockJsTransport.WebSocket, o => o.HeartbeatTimeout = TimeSpan.FromMilliseconds(400));
            var recorder = new Recorder(client);
            await client.OpenAsync(CancellationToken.None).WaitAsync(Timeout);
            var first = client.LastFrameAt;
            await Task.Delay(1000);
            Assert.True(client.IsOpen, "closed: " + client.CloseReason);
            Assert.True(client.LastFrameAt > first);
        }

        [Fact]
        public async Task WrongEndpointFailsEveryTransportAndSaysWhy()
        {
            using var sim = await OctoPrintSimulator.StartAsync();
            using var client = new SockJsClient(new SockJsClientOptions { ServerUri = new Uri(sim.BaseUri, "nope"), TransportTimeout = TimeSpan.FromMilliseconds(500) });
            var error = await Assert.ThrowsAsync<SocketIoConnectFailedException>(() => client.OpenAsync(CancellationToken.None).WaitAsync(Timeout));
            Assert.Contains("websocket:", error.Message);
            Assert.Contains("xhr-streaming:", error.Message);
            Assert.Contains("xhr-polling:", error.Message);
            Assert.Contains("xhr-streaming: HTTP 404 from http://127.0.0.1:", error.Message);
            Assert.Contains("xhr-polling: HTTP 404 from", error.Message);
            Assert.False(client.IsOpen);
        }

        [Fact]
        public async Task OpenIsOneShotAndCancellable()
        {
            using var sim = await OctoPrintSimulator.StartAsync();
            using var client = NewClient(sim, SockJsTransport.Auto);
            using var cancelled = new CancellationTokenSource();
            cancelled.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.OpenAsync(cancelled.Token));
            await Assert.ThrowsAsync<InvalidOperationException>(() => client.OpenAsync(CancellationToken.None));
        }

        private sealed class CountingHandler : DelegatingHandler
        {
            public int StreamingPosts;

            public CountingHandler() : base(new HttpClientHandler()) { }

            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                if (request.RequestUri!.AbsolutePath.EndsWith("/xhr_streaming", StringComparison.Ordinal)) Interlocked.Increment(ref StreamingPosts);
                return base.SendAsync(request, cancellationToken);
            }
        }

        [Fact]
        public async Task XhrStreamingFollowsTheServersResponseLimit()
        {
            // sockjs-node ends a streaming response after 128 KiB; the session goes on over the next POST.
            using var sim = await OctoPrintSimulator.StartAsync("--current-interval", "10");
            var handler = new CountingHandler();
            using var http = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
            using var client = NewClient(sim, SockJsTransport.XhrStreaming, o => o.HttpClient = http);
            var recorder = new Recorder(client);
            long bytes = 0;
            client.MessageReceived = json => Interlocked.Add(ref bytes, json.Length);
            await client.OpenAsync(CancellationToken.None).WaitAsync(Timeout);
            await client.SendAsync("{\"auth\":\"admin:" + await LoginSessionAsync(sim) + "\"}", CancellationToken.None);
            await Eventually.TrueAsync(() => Volatile.Read(ref handler.StreamingPosts) >= 2 && Interlocked.Read(ref bytes) > 140 * 1024,
                TimeSpan.FromSeconds(8), "a second xhr_streaming POST after 128 KiB");
            long before = Interlocked.Read(ref bytes);
            await Eventually.TrueAsync(() => Interlocked.Read(ref bytes) > before + 2048, Timeout, "messages over the second response");
            Assert.True(client.IsOpen);
            Assert.False(recorder.Closed.Task.IsCompleted);
        }
    }
}
