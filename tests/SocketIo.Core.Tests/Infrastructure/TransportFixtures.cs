using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.IO;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo;
using SocketIo.Core.SocketIo;
using Xunit;
using SocketIo.Core.Json;

namespace SocketIo.Core.Tests.Infrastructure
{
    /// <summary>Sets a cookie on the handshake (<c>--set-cookie</c>) and records every later request (<c>--record-requests</c>).</summary>
    public sealed class RecordingServerFixture : NodeServerFixture
    {
        public RecordingServerFixture() : base("--set-cookie", "--record-requests") { }
    }

    /// <summary>A server that accepts only WebSocket (it answers a polling handshake with Engine.IO error 0).</summary>
    public sealed class WebSocketOnlyServerFixture : NodeServerFixture
    {
        public WebSocketOnlyServerFixture() : base("--transports", "websocket") { }
    }

    /// <summary>A server that accepts only long-polling (its handshake offers no upgrade).</summary>
    public sealed class PollingOnlyServerFixture : NodeServerFixture
    {
        public PollingOnlyServerFixture() : base("--transports", "polling") { }
    }

    /// <summary>maxHttpBufferSize 1000 bytes (announced as maxPayload), with request recording (POST sizes).</summary>
    public sealed class SmallPayloadRecordingServerFixture : NodeServerFixture
    {
        public const int MaxPayload = 1000;

        public SmallPayloadRecordingServerFixture() : base("--max-payload", "1000", "--record-requests") { }
    }

    /// <summary>pingInterval 300 ms, pingTimeout 200 ms, with request recording (heartbeats over polling).</summary>
    public sealed class FastPingRecordingServerFixture : NodeServerFixture
    {
        public FastPingRecordingServerFixture() : base("--ping-interval", "300", "--ping-timeout", "200", "--record-requests") { }
    }

    /// <summary>
    /// The node server over https/wss with a server certificate for localhost issued by a CA made for this run, and
    /// asking for (but not requiring) a client certificate from a second CA. The PEM files live only while node starts.
    /// </summary>
    public sealed class TlsServerFixture : NodeServerFixture, IAsyncLifetime
    {
        private readonly TestCertificates _certificates;

        public TlsServerFixture() : this(TestCertificates.Create()) { }

        private TlsServerFixture(TestCertificates certificates)
            : base("--tls-cert", certificates.ServerCertificatePath, "--tls-key", certificates.ServerKeyPath,
                   "--tls-client-ca", certificates.ClientAuthorityPath, "--record-requests")
        {
            _certificates = certificates;
        }

        public TestCertificates Certificates => _certificates;

        /// <summary>The name the server certificate is for.</summary>
        public Uri HttpsUri => new Uri($"https://localhost:{Port}");

        /// <summary>The same server under a name its certificate does not list.</summary>
        public Uri MismatchedNameUri => new Uri($"https://127.0.0.1:{Port}");

        async Task IAsyncLifetime.InitializeAsync()
        {
            try
            {
                await InitializeAsync();
            }
            finally
            {
                _certificates.DeleteFiles(); // node has read them (or failed) by now
            }
        }

        Task IAsyncLifetime.DisposeAsync() => DisposeAsync();
    }

    /// <summary>Test PKI made at run time with CertificateRequest: a CA and a server certificate for localhost, an
    /// unrelated CA, and a client-auth CA with a client certificate.</summary>
    public sealed class TestCertificates
    {
        private readonly string _directory;

        private TestCertificates(string directory) => _directory = directory;

        public X509Certificate2 Authority { get; private set; } = null!;
        public X509Certificate2 OtherAuthority { get; private set; } = null!;
        public X509Certificate2 ServerCertificate { get; private set; } = null!;
        public X509Certificate2 ClientCertificate { get; private set; } = null!;

        public string ServerCertificatePath => Path.Combine(_directory, "server.pem");
        public string ServerKeyPath => Path.Combine(_directory, "server.key");
        public string ClientAuthorityPath => Path.Combine(_directory, "client-ca.pem");

        public static TestCertificates Create()
        {
            var directory = Path.Combine(Path.GetTempPath(), "socketio-tls-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(directory);
            var certificates = new TestCertificates(directory);

            var notBefore = DateTimeOffset.UtcNow.AddMinutes(-5);
            var notAfter = DateTimeOffset.UtcNow.AddDays(1);
            using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            certificates.Authority = NewAuthority("CN=SocketIo Test CA", caKey, notBefore, notAfter);
            using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            certificates.OtherAuthority = NewAuthority("CN=SocketIo Unrelated CA", otherKey, notBefore, notAfter);
            using var clientCaKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var clientAuthority = NewAuthority("CN=SocketIo Client CA", clientCaKey, notBefore, notAfter);

            using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            // For "localhost" only: https://127.0.0.1 reaches the same server under a name the certificate lacks.
            var serverRequest = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256);
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            serverRequest.CertificateExtensions.Add(names.Build());
            serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            serverRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
            serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
            using var issued = serverRequest.Create(certificates.Authority, notBefore.AddMinutes(1), notAfter.AddMinutes(-1), SerialNumber());
            certificates.ServerCertificate = X509CertificateLoader.LoadCertificate(issued.RawData);

            using var clientKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var clientRequest = new CertificateRequest("CN=socketio-test-client", clientKey, HashAlgorithmName.SHA256);
            clientRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            clientRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
            clientRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.2") }, false));
            using var clientIssued = clientRequest.Create(clientAuthority, notBefore.AddMinutes(1), notAfter.AddMinutes(-1), SerialNumber());
            using var clientWithKey = clientIssued.CopyWithPrivateKey(clientKey);
            // A PFX round trip gives a certificate whose key SslStream can use on every platform.
            certificates.ClientCertificate = X509CertificateLoader.LoadPkcs12(clientWithKey.Export(X509ContentType.Pkcs12), null);

            File.WriteAllText(certificates.ServerCertificatePath, certificates.ServerCertificate.ExportCertificatePem());
            File.WriteAllText(certificates.ServerKeyPath, serverKey.ExportPkcs8PrivateKeyPem());
            File.WriteAllText(certificates.ClientAuthorityPath, clientAuthority.ExportCertificatePem());
            return certificates;
        }

        /// <summary>Writes the CA as a PEM file (for the file-path form of the option) and returns its path.</summary>
        public string WriteAuthorityPem(string directory)
        {
            var path = Path.Combine(directory, "ca.pem");
            File.WriteAllText(path, Authority.ExportCertificatePem());
            return path;
        }

        public void DeleteFiles()
        {
            try { Directory.Delete(_directory, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }

        private static X509Certificate2 NewAuthority(string subject, ECDsa key, DateTimeOffset notBefore, DateTimeOffset notAfter)
        {
            var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
            return request.CreateSelfSigned(notBefore, notAfter);
        }

        private static byte[] SerialNumber()
        {
            var serial = RandomNumberGenerator.GetBytes(12);
            serial[0] &= 0x7f;
            return serial;
        }
    }

    /// <summary>Small helpers for transport tests.</summary>
    public static class TransportTestHelpers
    {
        public static Action<SocketIoClientOptions> Transports(EngineTransports transports, Action<EngineOptions>? more = null) => o =>
        {
            o.Engine.Transports = transports;
            more?.Invoke(o.Engine);
        };

        /// <summary>Waits until the session runs on WebSocket (the upgrade completed).</summary>
        public static Task UpgradedAsync(Client client, TimeSpan? timeout = null) =>
            Wait.UntilAsync(() => client.Manager.Engine?.TransportName == "websocket", timeout ?? Client.Timeout, "the upgrade to websocket");

        /// <summary>The recorded requests of this session (<c>requests</c> event of a --record-requests server).</summary>
        public static async Task<List<OrderedJsonObject>> RequestsAsync(Client client)
        {
            var reply = Assert.Single(await client.EmitWithAckAsync("requests"));
            var list = new List<OrderedJsonObject>();
            foreach (var item in (IEnumerable)reply!) list.Add(Assert.IsType<OrderedJsonObject>(item));
            return list;
        }
    }
}
