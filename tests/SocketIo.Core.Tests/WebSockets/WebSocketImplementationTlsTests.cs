using System.Collections.Specialized;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo;
using SocketIo.Core.Tests.Infrastructure;
using Xunit;
using SocketIo.Core.Json;

namespace SocketIo.Core.Tests.WebSockets
{
    /// <summary>wss with each WebSocket client forced: the same certificate policy (private CA, unknown CA, client
    /// certificate) holds on the direct client and on ClientWebSocket, with the validator's words in the error.</summary>
    public class WebSocketImplementationTlsTests : IClassFixture<TlsServerFixture>
    {
        private readonly TlsServerFixture _server;

        public WebSocketImplementationTlsTests(TlsServerFixture server) => _server = server;

        public static TheoryData<bool> Implementations => new TheoryData<bool> { true, false };

        private static WebSocketImplementation Pick(bool direct) => direct ? WebSocketImplementation.Direct : WebSocketImplementation.ClientWebSocket;

        [Theory]
        [MemberData(nameof(Implementations))]
        public async Task PrivateCaAndClientCertificate(bool direct)
        {
            using var client = await Client.ConnectAsync(_server.HttpsUri, configure: TransportTestHelpers.Transports(EngineTransports.WebSocket, o =>
            {
                o.WebSocketImplementation = Pick(direct);
                o.CertificateAuthorities.Add(_server.Certificates.Authority);
                o.ClientCertificates.Add(_server.Certificates.ClientCertificate);
            }));

            var info = Assert.IsType<OrderedJsonObject>(Assert.Single(await client.EmitWithAckAsync("tls-info")));
            Assert.Equal(true, info["encrypted"]);
            Assert.Equal("socketio-test-client", Assert.IsType<OrderedJsonObject>(info["clientCertificate"])["subject"]);
        }

        [Theory]
        [MemberData(nameof(Implementations))]
        public async Task AnotherCaIsRefusedWithTheValidatorsReason(bool direct)
        {
            using var client = new Client(_server.HttpsUri, configure: TransportTestHelpers.Transports(EngineTransports.WebSocket, o =>
            {
                o.WebSocketImplementation = Pick(direct);
                o.CertificateAuthorities.Add(_server.Certificates.OtherAuthority);
            }));

            var e = await Assert.ThrowsAsync<SocketIoCertificateException>(() => client.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout));

            Assert.Contains($"localhost:{_server.Port}/socket.io/", e.Message);
            Assert.Contains("does not lead to the given certificate authority", e.Message);
        }
    }
}
