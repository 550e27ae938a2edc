using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Linq;
using System.Net;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo;
using SocketIo.Core.Tests.Infrastructure;
using Xunit;
using SocketIo.Core.Json;

namespace SocketIo.Core.Tests
{
    /// <summary>socket.io-client's engine options on both transports and across the upgrade: extra headers, user
    /// agent, cookies, timestamps, forceBase64.</summary>
    public class TransportOptionsTests : IClassFixture<RecordingServerFixture>
    {
        private readonly RecordingServerFixture _server;

        public TransportOptionsTests(RecordingServerFixture server) => _server = server;

        [Fact]
        public async Task CookieSetOnThePollingHandshakeGoesWithEveryRequestAndTheUpgrade()
        {
            var cookies = new CookieContainer();
            using var client = await Client.ConnectAsync(_server.BaseUri, configure: o => o.Engine.Cookies = cookies);
            await TransportTestHelpers.UpgradedAsync(client);

            var sticky = cookies.GetCookies(_server.BaseUri)["io-test"];
            Assert.NotNull(sticky);
            var requests = await TransportTestHelpers.RequestsAsync(client);
            Assert.Contains(requests, r => (string)r["transport"]! == "websocket");
            Assert.All(requests, r => Assert.Equal($"io-test={sticky!.Value}", r["cookie"]));
        }

        [Fact]
        public async Task CookieSetOnAWebSocketHandshakeIsKeptToo()
        {
            var cookies = new CookieContainer();
            using var client = await Client.ConnectAsync(_server.BaseUri, configure: o =>
            {
                o.Engine.Cookies = cookies;
                o.Engine.Transports = EngineTransports.WebSocket;
            });

            Assert.NotNull(cookies.GetCookies(_server.BaseUri)["io-test"]);
        }

        [Fact]
        public async Task HeadersAndUserAgentGoOnPollingAndOnTheUpgrade()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri, configure: o =>
            {
                o.Engine.UserAgent = "UpgradeTest/2.0 (custom)";
                o.Engine.Headers.Add(new KeyValuePair<string, string>("X-Test-Header", "on-every-request"));
            });
            await TransportTestHelpers.UpgradedAsync(client);

            var handshake = Assert.IsType<OrderedJsonObject>(Assert.Single(await client.EmitWithAckAsync("handshake")));
            var headers = Assert.IsType<OrderedJsonObject>(handshake["headers"]);
            Assert.Equal("UpgradeTest/2.0 (custom)", headers["user-agent"]);
            Assert.Equal("on-every-request", headers["x-test-header"]);
            var requests = await TransportTestHelpers.RequestsAsync(client);
            Assert.Contains(requests, r => (string)r["transport"]! == "websocket");
            Assert.All(requests, r => Assert.Equal("UpgradeTest/2.0 (custom)", r["userAgent"]));
        }

        [Fact]
        public async Task UserAgentInTheHeadersWins()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri, configure: o =>
            {
                o.Engine.UserAgent = "not-this";
                o.Engine.Headers.Add(new KeyValuePair<string, string>("User-Agent", "from-headers"));
            });
            await TransportTestHelpers.UpgradedAsync(client);

            Assert.All(await TransportTestHelpers.RequestsAsync(client), r => Assert.Equal("from-headers", r["userAgent"]));
        }

        [Fact]
        public async Task WebSocketHandshakeCarriesUserAgentAndHeaders()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri, configure: o =>
            {
                o.Engine.Transports = EngineTransports.WebSocket;
                o.Engine.UserAgent = "WsOnly/1.0";
                o.Engine.Headers.Add(new KeyValuePair<string, string>("X-Test-Header", "ws"));
            });

            var handshake = Assert.IsType<OrderedJsonObject>(Assert.Single(await client.EmitWithAckAsync("handshake")));
            var headers = Assert.IsType<OrderedJsonObject>(handshake["headers"]);
            Assert.Equal("WsOnly/1.0", headers["user-agent"]);
            Assert.Equal("ws", headers["x-test-header"]);
            Assert.Equal("websocket", Assert.IsType<OrderedJsonObject>(handshake["query"])["transport"]);
        }

        [Fact]
        public async Task TimestampRequestsStampsWebSocketRequestsToo()
        {
            using (var plain = await Client.ConnectAsync(_server.BaseUri, configure: TransportTestHelpers.Transports(EngineTransports.WebSocket)))
            {
                var query = QueryOf(await plain.EmitWithAckAsync("handshake"));
                Assert.False(query.ContainsKey("t"));
            }
            using var stamped = await Client.ConnectAsync(_server.BaseUri, configure: TransportTestHelpers.Transports(EngineTransports.WebSocket, o =>
            {
                o.TimestampRequests = true;
                o.TimestampParam = "ts";
            }));
            Assert.False(string.IsNullOrEmpty((string?)QueryOf(await stamped.EmitWithAckAsync("handshake"))["ts"]));
        }

        [Fact]
        public async Task ForceBase64OnWebSocketSendsAndReceivesBinaryAsBase64Text()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri, configure: TransportTestHelpers.Transports(EngineTransports.WebSocket, o => o.ForceBase64 = true));

            Assert.Equal("1", QueryOf(await client.EmitWithAckAsync("handshake"))["b64"]);
            var bytes = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
            Assert.Equal(bytes, Assert.Single(await client.EmitWithAckAsync("echo-ack", bytes)));
            await client.EmitAsync("binary");
            var binary = await client.Events.NextAsync("binary");
            Assert.Equal(new byte[] { 1, 2, 3, 4 }, binary.Arguments[0]);
            Assert.Equal(new byte[] { 5, 6 }, Assert.IsType<OrderedJsonObject>(binary.Arguments[1])["blob"]);
        }

        [Fact]
        public async Task ForceBase64AcrossTheUpgrade()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri, configure: o => o.Engine.ForceBase64 = true);
            await TransportTestHelpers.UpgradedAsync(client);

            var upgrade = Assert.Single(await TransportTestHelpers.RequestsAsync(client), r => (string)r["transport"]! == "websocket");
            Assert.Equal("1", ((OrderedJsonObject)upgrade["query"]!)["b64"]);
            Assert.Equal(new object?[] { new byte[] { 7, 7, 7 } }, await client.EmitWithAckAsync("echo-ack", new byte[] { 7, 7, 7 }));
        }

        private static OrderedJsonObject QueryOf(object?[] handshakeReply) =>
            Assert.IsType<OrderedJsonObject>(Assert.IsType<OrderedJsonObject>(Assert.Single(handshakeReply))["query"]);
    }
}
