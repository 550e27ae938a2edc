using System;
using System.Collections.Specialized;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo;
using SocketIo.Core.EngineIo.Tls;
using SocketIo.Core.Tests.Infrastructure;
using Xunit;
using SocketIo.Core.Json;

namespace SocketIo.Core.Tests
{
    /// <summary>
    /// https/wss against the node server with a certificate from a CA made for this run: refused by default (the CA
    /// is unknown to the system), accepted with that CA as trust anchor or with the check skipped, on both transports
    /// and across the upgrade; a client certificate reaches the server.
    /// </summary>
    public class TlsTests : IClassFixture<TlsServerFixture>
    {
        private readonly TlsServerFixture _server;

        public TlsTests(TlsServerFixture server) => _server = server;

        public static TheoryData<EngineTransports> AllTransports => new TheoryData<EngineTransports>
        {
            EngineTransports.Polling, EngineTransports.WebSocket, EngineTransports.PollingAndWebSocket,
        };

        [Theory]
        [MemberData(nameof(AllTransports))]
        public async Task UnknownCaIsACertificateError(EngineTransports transports)
        {
            using var client = new Client(_server.HttpsUri, configure: TransportTestHelpers.Transports(transports));

            var e = await Assert.ThrowsAsync<SocketIoCertificateException>(() => client.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout));

            Assert.Contains($"localhost:{_server.Port}/socket.io/", e.Message);
            Assert.Equal(ConnectionState.Disconnected, client.Socket.State);
        }

        [Theory]
        [MemberData(nameof(AllTransports))]
        public async Task TheRightCaIsAccepted(EngineTransports transports)
        {
            using var client = await Client.ConnectAsync(_server.HttpsUri, configure: TransportTestHelpers.Transports(transports,
                o => o.CertificateAuthorities.Add(_server.Certificates.Authority)));

            Assert.Equal(new object?[] { "secure" }, await client.EmitWithAckAsync("echo-ack", "secure"));
            var info = Assert.IsType<OrderedJsonObject>(Assert.Single(await client.EmitWithAckAsync("tls-info")));
            Assert.Equal(true, info["encrypted"]);
            if (transports == EngineTransports.PollingAndWebSocket)
            {
                await TransportTestHelpers.UpgradedAsync(client); // wss upgrade under the same policy
                Assert.Equal(new object?[] { "over wss" }, await client.EmitWithAckAsync("echo-ack", "over wss"));
            }
        }

        [Theory]
        [MemberData(nameof(AllTransports))]
        public async Task AnotherCaIsACertificateError(EngineTransports transports)
        {
            using var client = new Client(_server.HttpsUri, configure: TransportTestHelpers.Transports(transports,
                o => o.CertificateAuthorities.Add(_server.Certificates.OtherAuthority)));

            var e = await Assert.ThrowsAsync<SocketIoCertificateException>(() => client.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout));

            Assert.Contains("does not lead to the given certificate authority", e.Message);
        }

        [Theory]
        [MemberData(nameof(AllTransports))]
        public async Task SkipCertificateCheckAccepts(EngineTransports transports)
        {
            using var client = await Client.ConnectAsync(_server.HttpsUri, configure: TransportTestHelpers.Transports(transports, o => o.SkipCertificateCheck = true));

            Assert.Equal(new object?[] { 1 }, await client.EmitWithAckAsync("echo-ack", 1));
            if (transports == EngineTransports.PollingAndWebSocket) await TransportTestHelpers.UpgradedAsync(client);
        }

        [Theory]
        [InlineData(EngineTransports.Polling)]
        [InlineData(EngineTransports.WebSocket)]
        public async Task HostNameIsStillCheckedWithACustomCa(EngineTransports transports)
        {
            using var client = new Client(_server.MismatchedNameUri, configure: TransportTestHelpers.Transports(transports,
                o => o.CertificateAuthorities.Add(_server.Certificates.Authority)));

            var e = await Assert.ThrowsAsync<SocketIoCertificateException>(() => client.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout));

            Assert.Contains("name mismatch", e.Message);
        }

        [Fact]
        public async Task SkipCertificateCheckAcceptsAWrongNameToo()
        {
            using var client = await Client.ConnectAsync(_server.MismatchedNameUri, configure: o => o.Engine.SkipCertificateCheck = true);

            Assert.Equal(new object?[] { 2 }, await client.EmitWithAckAsync("echo-ack", 2));
        }

        [Theory]
        [InlineData(EngineTransports.Polling)]
        [InlineData(EngineTransports.WebSocket)]
        public async Task ClientCertificateReachesTheServer(EngineTransports transports)
        {
            using var client = await Client.ConnectAsync(_server.HttpsUri, configure: TransportTestHelpers.Transports(transports, o =>
            {
                o.CertificateAuthorities.Add(_server.Certificates.Authority);
                o.ClientCertificates.Add(_server.Certificates.ClientCertificate);
            }));

            var info = Assert.IsType<OrderedJsonObject>(Assert.Single(await client.EmitWithAckAsync("tls-info")));
            var peer = Assert.IsType<OrderedJsonObject>(info["clientCertificate"]);
            Assert.Equal("socketio-test-client", peer["subject"]);
            Assert.Equal(true, peer["authorized"]);
        }

        [Fact]
        public async Task CaFromAPemFile()
        {
            var directory = Path.Combine(Path.GetTempPath(), "socketio-ca-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(directory);
            try
            {
                var path = _server.Certificates.WriteAuthorityPem(directory);
                File.AppendAllText(path, _server.Certificates.OtherAuthority.ExportCertificatePem()); // a bundle of two
                var loaded = CertificateFiles.LoadAuthorities(path);
                Assert.Equal(2, loaded.Count);

                using var client = await Client.ConnectAsync(_server.HttpsUri, configure: o => o.Engine.CertificateAuthorities.AddRange(loaded));
                Assert.Equal(new object?[] { "pem" }, await client.EmitWithAckAsync("echo-ack", "pem"));
            }
            finally
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }
}
