using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo;
using SocketIo.Core.EngineIo.WebSockets;
using Xunit;

namespace SocketIo.Core.Tests.WebSockets
{
    public class WebSocketHandshakeTests
    {
        private static readonly Uri Target = new Uri("ws://127.0.0.1:3000/socket.io/?EIO=4&transport=websocket&token=secret");
        private const string Endpoint = "ws://127.0.0.1:3000/socket.io/";

        private static WebSocketHandshake.ResponseHead Head(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4;
            return WebSocketHandshake.Parse(bytes, end, bytes.Length);
        }

        private static Task AcceptAsync(string response, EngineOptions options, string key = "dGhlIHNhbXBsZSBub25jZQ==") =>
            WebSocketHandshake.AcceptAsync(Head(response), new MemoryStream(), Target, options, key, CancellationToken.None);

        [Fact]
        public void TheAcceptKeyIsRfc6455s()
        {
            Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", WebSocketHandshake.AcceptFor("dGhlIHNhbXBsZSBub25jZQ=="));
            Assert.NotEqual(WebSocketHandshake.NewKey(), WebSocketHandshake.NewKey());
            Assert.Equal(16, Convert.FromBase64String(WebSocketHandshake.NewKey()).Length);
        }

        [Fact]
        public void TheRequestCarriesTheUpgradeHeadersCookiesAndUserHeaders()
        {
            var options = new EngineOptions { UserAgent = "agent/1" };
            options.Headers.Add(new KeyValuePair<string, string>("X-Api-Key", "k"));
            options.Cookies.Add(new Uri("http://127.0.0.1:3000/"), new Cookie("sticky", "node-1", "/"));
            var request = Encoding.UTF8.GetString(WebSocketHandshake.BuildRequest(Target, options, "KEY"));

            Assert.StartsWith("GET /socket.io/?EIO=4&transport=websocket&token=secret HTTP/1.1\r\nHost: 127.0.0.1:3000\r\n", request);
            Assert.Contains("\r\nUpgrade: websocket\r\n", request);
            Assert.Contains("\r\nConnection: Upgrade\r\n", request);
            Assert.Contains("\r\nSec-WebSocket-Version: 13\r\n", request);
            Assert.Contains("\r\nSec-WebSocket-Key: KEY\r\n", request);
            Assert.Contains("\r\nX-Api-Key: k\r\n", request);
            Assert.Contains("\r\nUser-Agent: agent/1\r\n", request);
            Assert.Contains("\r\nCookie: sticky=node-1\r\n", request);
            Assert.EndsWith("\r\n\r\n", request);
        }

        [Fact]
        public void AUserAgentHeaderWinsOverTheOption()
        {
            var options = new EngineOptions { UserAgent = "agent/1" };
            options.Headers.Add(new KeyValuePair<string, string>("user-agent", "mine"));
            var request = Encoding.UTF8.GetString(WebSocketHandshake.BuildRequest(Target, options, "KEY"));
            Assert.Contains("\r\nuser-agent: mine\r\n", request);
            Assert.DoesNotContain("agent/1", request);
        }

        [Theory]
        [InlineData("X-Evil", "a\r\nInjected: 1")]
        [InlineData("X-Evil", "a\nb")]
        [InlineData("X-Evil\r\nInjected", "1")]
        [InlineData("Bad Name", "1")]
        [InlineData("", "1")]
        public void HeaderInjectionIsRefused(string name, string value)
        {
            var options = new EngineOptions();
            options.Headers.Add(new KeyValuePair<string, string>(name, value));
            var e = Assert.Throws<SocketIoConnectFailedException>(() => WebSocketHandshake.BuildRequest(Target, options, "KEY"));
            Assert.DoesNotContain("Injected: 1", e.Message);
        }

        [Fact]
        public async Task A101WithTheRightAcceptIsAcceptedAndItsCookiesStored()
        {
            var options = new EngineOptions();
            await AcceptAsync("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSet-Cookie: io=abc; Path=/\r\n\r\n", options);
            Assert.Equal("io=abc", options.Cookies.GetCookieHeader(new Uri("http://127.0.0.1:3000/socket.io/")));
        }

        [Theory]
        [InlineData("Sec-WebSocket-Accept: AAAA")]
        [InlineData("X-Nothing: 1")]
        public async Task AWrongOrMissingAcceptIsRefused(string header)
        {
            var e = await Assert.ThrowsAsync<SocketIoConnectFailedException>(() =>
                AcceptAsync($"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n{header}\r\n\r\n", new EngineOptions()));
            Assert.Contains("Sec-WebSocket-Accept", e.Message);
        }

        [Fact]
        public async Task AnotherStatusNamesTheEndpointTheStatusAndTheBodyButNotTheQuery()
        {
            var options = new EngineOptions();
            var body = "{\"code\":3,\"message\":\"Bad request\"}";
            var e = await Assert.ThrowsAsync<SocketIoConnectFailedException>(() =>
                AcceptAsync($"HTTP/1.1 400 Bad Request\r\nContent-Length: {body.Length}\r\nSet-Cookie: lb=2\r\n\r\n{body}", options));
            Assert.Contains(Endpoint, e.Message);
            Assert.Contains("HTTP 400", e.Message);
            Assert.Contains("Bad request", e.Message);
            Assert.DoesNotContain("secret", e.Message);
            Assert.Equal("lb=2", options.Cookies.GetCookieHeader(new Uri("http://127.0.0.1:3000/socket.io/")));
        }

        [Fact]
        public async Task AnOversizedHeadIsRefused()
        {
            var huge = "HTTP/1.1 101 OK\r\n" + string.Concat(Enumerable.Repeat("X-Filler: " + new string('x', 100) + "\r\n", 200));
            await Assert.ThrowsAsync<SocketIoProtocolException>(() => WebSocketHandshake.ReadHeadAsync(new MemoryStream(Encoding.ASCII.GetBytes(huge)), CancellationToken.None));
        }

        [Fact]
        public async Task BytesAfterTheHeadAreKeptForTheFrameReader()
        {
            var bytes = Encoding.ASCII.GetBytes("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\n\r\n").Concat(new byte[] { 0x81, 1, (byte)'3' }).ToArray();
            var head = await WebSocketHandshake.ReadHeadAsync(new MemoryStream(bytes), CancellationToken.None);
            Assert.Equal(101, head.Status);
            Assert.Equal(3, head.Extra);
            Assert.Equal(0x81, head.Buffer[head.BodyOffset]);
        }

        [Fact]
        public void TheDirectClientIsChosenUnlessAProxyApplies()
        {
            Assert.True(WebSocketTransport.UsesDirectClient(new EngineOptions { UseProxy = false, Proxy = new WebProxy("http://127.0.0.1:9") }));
            Assert.False(WebSocketTransport.UsesDirectClient(new EngineOptions { Proxy = new WebProxy("http://127.0.0.1:9") }));
            Assert.True(WebSocketTransport.UsesDirectClient(new EngineOptions { Proxy = new WebProxy("http://127.0.0.1:9"), WebSocketImplementation = WebSocketImplementation.Direct }));
            Assert.False(WebSocketTransport.UsesDirectClient(new EngineOptions { UseProxy = false, WebSocketImplementation = WebSocketImplementation.ClientWebSocket }));
        }
    }
}
