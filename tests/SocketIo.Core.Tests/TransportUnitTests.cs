using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SocketIo.Core.EngineIo;
using SocketIo.Core.EngineIo.Tls;
using Xunit;

namespace SocketIo.Core.Tests
{
    /// <summary>The transport layer's pure parts: batching, URIs, error bodies, certificate policies.</summary>
    public class TransportUnitTests
    {
        private static OutgoingFrame TextFrame(int bytes) => EnginePacketCodec.EncodeText(EnginePacketType.Message, new string('x', bytes - 1));

        private static OutgoingFrame BinaryFrame(int bytes) => new OutgoingFrame(new ArraySegment<byte>(new byte[bytes]), isBinary: true);

        private static SendQueue Queue(params OutgoingFrame[][] groups)
        {
            var queue = new SendQueue();
            foreach (var frames in groups) queue.AddLast(new EngineSocket.SendGroup(frames));
            return queue;
        }

        private static List<List<OutgoingFrame>> Drain(SendQueue queue, long maxPayload, int maxPackets = EngineSocket.MaxPacketsPerPost)
        {
            var writes = new List<List<OutgoingFrame>>();
            while (queue.Count > 0)
            {
                var batch = EngineSocket.TakeBatch(queue, maxPayload, maxPackets);
                Assert.NotEmpty(batch.Frames);
                writes.Add(batch.Frames);
                foreach (var group in batch.Completed) queue.Remove(group);
            }
            return writes;
        }

        private static long PayloadLength(IReadOnlyList<OutgoingFrame> frames) =>
            Encoding.UTF8.GetByteCount(EnginePacketCodec.EncodePayload(frames));

        [Fact]
        public void PollingBatchesStopAtSixteenPackets()
        {
            var queue = Queue(Enumerable.Range(0, 40).Select(_ => new[] { TextFrame(5) }).ToArray());

            var writes = Drain(queue, maxPayload: 1_000_000);

            Assert.Equal(new[] { 16, 16, 8 }, writes.Select(w => w.Count));
        }

        [Fact]
        public void PollingBatchesStayWithinMaxPayloadCountingSeparatorsAndBase64()
        {
            var queue = Queue(
                new[] { TextFrame(400) }, new[] { TextFrame(400) }, new[] { TextFrame(198) }, // 400+1+400+1+198 = 1000
                new[] { TextFrame(10), BinaryFrame(300) },                                    // 10 + 1 + (1+400)
                new[] { TextFrame(900) });

            var writes = Drain(queue, maxPayload: 1000);

            Assert.Equal(new[] { 3, 2, 1 }, writes.Select(w => w.Count));
            Assert.All(writes, w => Assert.True(PayloadLength(w) <= 1000, $"{PayloadLength(w)} bytes"));
            Assert.Equal(1000, PayloadLength(writes[0]));
        }

        [Fact]
        public void AFrameLargerThanMaxPayloadStillGoesAlone()
        {
            var queue = Queue(new[] { TextFrame(10) }, new[] { TextFrame(5000) }, new[] { TextFrame(10) });

            var writes = Drain(queue, maxPayload: 1000);

            Assert.Equal(new[] { 1, 1, 1 }, writes.Select(w => w.Count));
        }

        [Fact]
        public void AGroupMaySpanPostsButNothingComesBetweenItsFrames()
        {
            var group = Enumerable.Range(0, 20).Select(_ => TextFrame(3)).ToArray();
            var queue = Queue(new[] { TextFrame(3) }, group, new[] { TextFrame(3) });

            var first = EngineSocket.TakeBatch(queue, 1_000_000, EngineSocket.MaxPacketsPerPost);
            Assert.Equal(16, first.Frames.Count);
            Assert.Single(first.Completed);                 // the first group
            Assert.NotNull(first.Partial);                  // the big one started
            queue.Remove(first.Completed[0]);

            var second = EngineSocket.TakeBatch(queue, 1_000_000, EngineSocket.MaxPacketsPerPost);
            Assert.Equal(6, second.Frames.Count);           // its last 5 frames, then the next group
            Assert.Equal(2, second.Completed.Count);
        }

        [Fact]
        public void TheSendQueueKeepsOrderAcrossRemovalsAnywhere()
        {
            var groups = Enumerable.Range(0, 5).Select(i => new EngineSocket.SendGroup(new[] { TextFrame(i + 2) })).ToArray();
            var queue = new SendQueue();
            foreach (var group in groups) queue.AddLast(group);
            queue.Remove(groups[2]); // middle
            queue.Remove(groups[0]); // first
            queue.Remove(groups[4]); // last
            queue.Remove(groups[4]); // again: nothing
            Assert.Equal(2, queue.Count);
            Assert.Same(groups[1], queue.First);
            Assert.Same(groups[3], groups[1].NextInQueue);
            Assert.Null(groups[3].NextInQueue);
            queue.AddLast(groups[0]);
            Assert.Same(groups[0], groups[3].NextInQueue);

            queue.Clear();
            Assert.Equal(0, queue.Count);
            Assert.Null(queue.First);
            Assert.All(groups, g => Assert.False(queue.Contains(g)));
            queue.Remove(groups[1]); // a group a close took out: nothing
            Assert.Equal(0, queue.Count);
        }

        [Fact]
        public void WebSocketTakesEverythingQueued()
        {
            var queue = Queue(Enumerable.Range(0, 40).Select(_ => new[] { TextFrame(5000) }).ToArray());

            var batch = EngineSocket.TakeBatch(queue, -1, EngineSocket.MaxPacketsPerPost);

            Assert.Equal(40, batch.Frames.Count);
            Assert.Equal(40, batch.Completed.Count);
        }

        [Fact]
        public void UrisCarryTheOptions()
        {
            var options = new EngineOptions { ServerUri = new Uri("https://example.com:8443/ignored"), Path = "custom", TimestampParam = "ts" };
            options.Query.Add(new KeyValuePair<string, string>("token", "a b"));

            var polling = options.BuildPollingUri("S1");
            Assert.Equal("https", polling.Scheme);
            Assert.Equal("/custom/", polling.AbsolutePath);
            Assert.Contains("EIO=4&transport=polling&sid=S1&token=a%20b&ts=", polling.Query);
            Assert.DoesNotContain("b64", polling.Query);
            Assert.NotEqual(polling.Query, options.BuildPollingUri("S1").Query); // a new cache buster each time

            var websocket = options.BuildWebSocketUri(null);
            Assert.Equal("wss://example.com:8443/custom/?EIO=4&transport=websocket&token=a%20b", websocket.AbsoluteUri);

            options.TimestampRequests = true;
            options.ForceBase64 = true;
            Assert.Contains("&ts=", options.BuildWebSocketUri(null).Query);
            Assert.EndsWith("&b64=1", options.BuildWebSocketUri(null).Query);
            Assert.EndsWith("&b64=1", options.BuildPollingUri(null).Query);

            options.TimestampRequests = false;
            Assert.DoesNotContain("ts=", options.BuildPollingUri(null).Query);
        }

        [Theory]
        [InlineData("http://127.0.0.1:3000", "/socket.io/")] // written as it is
        [InlineData("http://LocalHost", "/a-b_c~/")] // default port, host case
        [InlineData("http://[::1]:3000", "/socket.io/")] // IPv6: through UriBuilder, which brackets it
        [InlineData("https://example.com", "/with space/ü/")] // a path that needs escaping: through UriBuilder
        public void UrisAreWhatUriBuilderMakesOfTheParts(string server, string path)
        {
            var options = new EngineOptions { ServerUri = new Uri(server), Path = path };
            options.Query.Add(new KeyValuePair<string, string>("k", "v&w"));
            var expected = new UriBuilder(options.IsSecure ? "wss" : "ws", options.ServerUri.Host, options.ServerUri.Port, path,
                "?EIO=4&transport=websocket&k=v%26w").Uri;

            var built = options.BuildWebSocketUri(null);

            Assert.Equal(expected.AbsoluteUri, built.AbsoluteUri);
            Assert.Equal(expected.PathAndQuery, built.PathAndQuery);
            Assert.Equal(expected.Authority, built.Authority);
        }

        [Theory]
        [InlineData(400, "{\"code\":1,\"message\":\"Session ID unknown\"}", "HTTP 400 Bad Request: Engine.IO error 1 \"Session ID unknown\"")]
        [InlineData(403, "{\"code\":4,\"message\":\"Forbidden\"}", "HTTP 403 Forbidden: Engine.IO error 4 \"Forbidden\"")]
        [InlineData(400, "\"Invalid session SID1\"", "HTTP 400 Bad Request: Invalid session SID1")]
        [InlineData(401, "{\"message\":\"go away\"}", "HTTP 401 Unauthorized: go away")]
        [InlineData(502, "<html>bad gateway</html>", "HTTP 502 Bad Gateway: <html>bad gateway</html>")]
        [InlineData(413, "", "HTTP 413 Payload Too Large")]
        public void HttpErrorBodiesAreDescribed(int status, string body, string expected)
        {
            var reason = status switch { 400 => "Bad Request", 401 => "Unauthorized", 403 => "Forbidden", 413 => "Payload Too Large", _ => "Bad Gateway" };

            Assert.Equal(expected, EngineHttpError.Describe((HttpStatusCode)status, reason, body));
        }

        [Fact]
        public void ProtocolVersionErrorNamesTheVersions()
        {
            var text = EngineHttpError.Describe(HttpStatusCode.BadRequest, "Bad Request", "{\"code\":5,\"message\":\"Unsupported protocol version\"}");

            Assert.Contains("Engine.IO error 5 \"Unsupported protocol version\"", text);
            Assert.Contains("Engine.IO protocol version 4", text);
            Assert.Contains("Engine.IO 3", text);
        }

        [Fact]
        public void Base64TextFramesDecodeAsBinaryMessages()
        {
            var packet = EnginePacketCodec.DecodeBase64(Encoding.ASCII.GetBytes("AQIDBA=="));

            Assert.True(packet.IsBinary);
            Assert.Equal(new byte[] { 1, 2, 3, 4 }, packet.Data.ToArray());
            Assert.Throws<SocketIoProtocolException>(() => EnginePacketCodec.DecodeBase64(Encoding.ASCII.GetBytes("!!")));
            Assert.Equal(1 + 8, EnginePacketCodec.EncodedLength(BinaryFrame(4), binaryAsBase64: true));
            Assert.Equal(4, EnginePacketCodec.EncodedLength(BinaryFrame(4), binaryAsBase64: false));
        }

        // ---- certificate policies --------------------------------------------------------------------------

        private static (X509Certificate2 Ca, X509Certificate2 Leaf) MakeChain(string caName)
        {
            using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var caRequest = new CertificateRequest(caName, caKey, HashAlgorithmName.SHA256);
            caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
            var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
            using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var leafRequest = new CertificateRequest("CN=leaf", leafKey, HashAlgorithmName.SHA256);
            var leaf = leafRequest.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1), new byte[] { 1, 2, 3 });
            return (ca, leaf);
        }

        [Fact]
        public void ValidatorDefaultsToThePlatformsVerdict()
        {
            var validator = new CertificateValidator(skip: false, new X509Certificate2Collection());

            Assert.True(validator.IsPlatformDefault);
            Assert.True(validator.Validate(null, null, SslPolicyErrors.None));
            Assert.False(validator.Validate(null, null, SslPolicyErrors.RemoteCertificateChainErrors));
            Assert.Contains("not trusted", validator.LastFailure);
        }

        [Fact]
        public void ValidatorWithSkipAcceptsAnything()
        {
            var validator = new CertificateValidator(skip: true, new X509Certificate2Collection());

            Assert.True(validator.Validate(null, null, SslPolicyErrors.RemoteCertificateChainErrors | SslPolicyErrors.RemoteCertificateNameMismatch));
        }

        [Fact]
        public void ValidatorWithACaTrustsItsChainOnlyAndStillChecksTheName()
        {
            var (ca, leaf) = MakeChain("CN=Unit CA");
            var (otherCa, otherLeaf) = MakeChain("CN=Other CA");
            var validator = new CertificateValidator(skip: false, new X509Certificate2Collection(ca));

            Assert.True(validator.Validate(leaf, null, SslPolicyErrors.RemoteCertificateChainErrors));
            Assert.False(validator.Validate(otherLeaf, null, SslPolicyErrors.RemoteCertificateChainErrors));
            Assert.Contains("does not lead to the given certificate authority", validator.LastFailure);
            Assert.False(validator.Validate(leaf, null, SslPolicyErrors.RemoteCertificateChainErrors | SslPolicyErrors.RemoteCertificateNameMismatch));
            Assert.Contains("name mismatch", validator.LastFailure);
            Assert.False(validator.Validate(null, null, SslPolicyErrors.RemoteCertificateNotAvailable));
            GC.KeepAlive(otherCa);
        }

        [Fact]
        public void ValidatorWithACaRefusesAnExpiredCertificate()
        {
            using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var caRequest = new CertificateRequest("CN=Expiry CA", caKey, HashAlgorithmName.SHA256);
            caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(30));
            using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            using var expired = new CertificateRequest("CN=old", leafKey, HashAlgorithmName.SHA256)
                .Create(ca, DateTimeOffset.UtcNow.AddDays(-20), DateTimeOffset.UtcNow.AddDays(-10), new byte[] { 7 });

            var validator = new CertificateValidator(skip: false, new X509Certificate2Collection(ca));

            Assert.False(validator.Validate(expired, null, SslPolicyErrors.RemoteCertificateChainErrors));
            Assert.Contains("NotTimeValid", validator.LastFailure);
        }

        [Fact]
        public void ServicePointPolicyAppliesOnlyToItsOwnRequestsAndNeverWeakensOthers()
        {
            var (ca, leaf) = MakeChain("CN=SPM CA");
            var uri = new Uri("wss://printer.example:443/socket.io/?EIO=4&transport=websocket");
            var lenient = new CertificateValidator(skip: true, new X509Certificate2Collection());
            var strict = new CertificateValidator(skip: false, new X509Certificate2Collection(ca));
            int before = ServicePointValidation.ActiveCount;

            using (ServicePointValidation.Register(uri, lenient))
            {
                // The same endpoint (the WebSocket handshake is an https request): the lenient policy applies.
                Assert.True(ServicePointValidation.Decide(new Uri("https://PRINTER.example/socket.io/?EIO=4&transport=websocket"), leaf, null, SslPolicyErrors.RemoteCertificateNameMismatch));
                // Anything else gets the platform's verdict.
                Assert.False(ServicePointValidation.Decide(new Uri("https://printer.example/other"), leaf, null, SslPolicyErrors.RemoteCertificateChainErrors));
                Assert.False(ServicePointValidation.Decide(new Uri("https://printer.example:444/socket.io/?EIO=4&transport=websocket"), leaf, null, SslPolicyErrors.RemoteCertificateChainErrors));
                Assert.False(ServicePointValidation.Decide(null, leaf, null, SslPolicyErrors.RemoteCertificateChainErrors));
                Assert.True(ServicePointValidation.Decide(new Uri("https://elsewhere.example/"), leaf, null, SslPolicyErrors.None));

                using (ServicePointValidation.Register(uri, strict))
                {
                    // Two connections opening the same URI: both policies must accept.
                    Assert.False(ServicePointValidation.Decide(uri, leaf, null, SslPolicyErrors.RemoteCertificateNameMismatch));
                    Assert.True(ServicePointValidation.Decide(uri, leaf, null, SslPolicyErrors.RemoteCertificateChainErrors));
                }
            }

            Assert.Equal(before, ServicePointValidation.ActiveCount);
            Assert.False(ServicePointValidation.Decide(uri, leaf, null, SslPolicyErrors.RemoteCertificateChainErrors));
        }

        [Fact]
        public void ThisRuntimeValidatesPerSocket()
        {
            // .NET Core / .NET 5+ take the callback per ClientWebSocket; only .NET Framework needs the ServicePoint path.
            Assert.True(TransportSecurity.HasPerSocketValidation);
        }
    }
}
