using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo;
using SocketIo.Core.EngineIo.Tls;
using SocketIo.Core.EngineIo.WebSockets;
using SocketIo.Core.Tests.Infrastructure;
using Xunit;
using static SocketIo.Core.Tests.WebSockets.FrameTestKit;

namespace SocketIo.Core.Tests.WebSockets
{
    /// <summary>The direct transport against a scripted server on the loopback: handshake, ping/pong, batches, close.</summary>
    public class DirectWebSocketTransportTests
    {
        private sealed class Scripted : IDisposable
        {
            private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
            public Scripted() => _listener.Start();
            public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
            public Task<TcpClient> AcceptAsync() => _listener.AcceptTcpClientAsync();
            public void Dispose() => _listener.Stop();
        }

        private static async Task<string> ReadHeadAsync(NetworkStream stream)
        {
            var head = new StringBuilder();
            var one = new byte[1];
            while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
            {
                using var timeout = new CancellationTokenSource(Client.Timeout);
                if (await stream.ReadAsync(one, timeout.Token) == 0) throw new IOException("closed");
                head.Append((char)one[0]);
            }
            return head.ToString();
        }

        private static string Accept(string head)
        {
            var key = head.Split("\r\n").First(l => l.StartsWith("Sec-WebSocket-Key:", StringComparison.OrdinalIgnoreCase)).Substring(18).Trim();
            return Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
        }

        private static Task<List<(int Opcode, byte[] Payload)>> ReadClientFramesAsync(NetworkStream stream, int frames) =>
            ReadClientFramesAsync(stream, decoded => decoded.Count >= frames);

        private static async Task<List<(int Opcode, byte[] Payload)>> ReadClientFramesAsync(NetworkStream stream, Func<List<(int Opcode, byte[] Payload)>, bool> enough)
        {
            var bytes = new List<byte>();
            var chunk = new byte[4096];
            while (true)
            {
                try
                {
                    var decoded = DecodeClientFrames(bytes.ToArray());
                    if (enough(decoded)) return decoded;
                }
                catch (Exception e) when (e is IndexOutOfRangeException || e is ArgumentException || e is OverflowException) { }
                using var timeout = new CancellationTokenSource(Client.Timeout);
                int n = await stream.ReadAsync(chunk, timeout.Token);
                if (n == 0) throw new IOException("closed");
                bytes.AddRange(chunk.Take(n));
            }
        }

        /// <summary>Opens the transport against the scripted server and answers its upgrade with a plain 101.</summary>
        private static async Task<TcpClient> UpgradeAsync(Scripted server, DirectWebSocketTransport transport)
        {
            var accepting = server.AcceptAsync();
            var opening = transport.OpenAsync(null, CancellationToken.None);
            var tcp = await accepting.WaitAsync(Client.Timeout);
            var stream = tcp.GetStream();
            var head = await ReadHeadAsync(stream);
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {Accept(head)}\r\n\r\n"));
            await opening.WaitAsync(Client.Timeout);
            return tcp;
        }

        private static (DirectWebSocketTransport Transport, EngineOptions Options, BlockingCollection<string> Packets, TaskCompletionSource<string> Closed) Create(int port)
        {
            var options = new EngineOptions { ServerUri = new Uri($"http://127.0.0.1:{port}"), UseProxy = false };
            options.Query.Add(new KeyValuePair<string, string>("token", "secret"));
            var transport = new DirectWebSocketTransport(options, CertificateValidator.For(options));
            var packets = new BlockingCollection<string>();
            var closed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            transport.PacketReceived = p => packets.Add(p.IsBinary ? "binary:" + p.Data.Length : p.Type + ":" + Encoding.UTF8.GetString(p.Data.Span));
            transport.Closed = (reason, _) => closed.TrySetResult(reason);
            return (transport, options, packets, closed);
        }

        private static void AssertArriveInOrder(BlockingCollection<string> packets, int count, Func<int, string> expected)
        {
            for (int i = 0; i < count; i++)
            {
                Assert.True(packets.TryTake(out var packet, Client.Timeout), $"message {i} did not arrive");
                Assert.Equal(expected(i), packet);
            }
        }

        [Fact]
        public async Task HandshakePingBatchAndServerClose()
        {
            using var server = new Scripted();
            var (transport, options, packets, closed) = Create(server.Port);
            options.Cookies.Add(new Uri($"http://127.0.0.1:{server.Port}/"), new Cookie("sticky", "a", "/"));
            using (transport)
            {
                var accepting = server.AcceptAsync();
                var opening = transport.OpenAsync(null, CancellationToken.None);
                using var tcp = await accepting.WaitAsync(Client.Timeout);
                var stream = tcp.GetStream();
                var head = await ReadHeadAsync(stream);
                Assert.Contains("Cookie: sticky=a\r\n", head);
                // The 101, a message and a ping in one write: bytes after the head belong to the frame reader.
                var answer = Encoding.ASCII.GetBytes($"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {Accept(head)}\r\nSet-Cookie: io=xyz; Path=/\r\n\r\n");
                await stream.WriteAsync(Concat(answer, Frame(1, Encoding.UTF8.GetBytes("4hello")), Frame(9, Encoding.UTF8.GetBytes("p1"))));
                await opening.WaitAsync(Client.Timeout);
                Assert.Contains("io=xyz", options.Cookies.GetCookieHeader(new Uri($"http://127.0.0.1:{server.Port}/socket.io/")));

                Assert.True(packets.TryTake(out var first, Client.Timeout));
                Assert.Equal("Message:hello", first);
                var pong = Assert.Single(await ReadClientFramesAsync(stream, 1));
                Assert.Equal((10, "p1"), (pong.Opcode, Encoding.UTF8.GetString(pong.Payload)));

                var batch = new[] { "42[\"a\"]", "451-[\"b\",{\"_placeholder\":true,\"num\":0}]" }
                    .Select(t => new OutgoingFrame(new ArraySegment<byte>(Encoding.UTF8.GetBytes(t)), false))
                    .Append(new OutgoingFrame(new ArraySegment<byte>(new byte[] { 1, 2, 3 }), true)).ToList();
                await transport.WriteAsync(batch, CancellationToken.None).WaitAsync(Client.Timeout);
                var sent = await ReadClientFramesAsync(stream, 3);
                Assert.Equal(new[] { 1, 1, 2 }, sent.Select(f => f.Opcode));
                Assert.Equal(new byte[] { 1, 2, 3 }, sent[2].Payload);

                await stream.WriteAsync(Frame(8, new byte[] { 0x03, 0xE8 }));
                Assert.Equal(DisconnectReasons.TransportClose, await closed.Task.WaitAsync(Client.Timeout));
                var echo = Assert.Single(await ReadClientFramesAsync(stream, 1));
                Assert.Equal((8, new byte[] { 0x03, 0xE8 }.Length), (echo.Opcode, echo.Payload.Length));
            }
        }

        [Fact]
        public async Task AFloodOfSmallWritesArrivesWholeAndInOrderWithItsPingsAnswered()
        {
            // Many small writes in a row, pings among them, read in whatever batches they come: nothing may be lost,
            // reordered or left unanswered (coalesced reads: AFloodReadInBatchesArrivesWholeWithItsTail).
            using var server = new Scripted();
            var (transport, _, packets, _) = Create(server.Port);
            using (transport)
            {
                using var tcp = await UpgradeAsync(server, transport);
                tcp.NoDelay = true;
                var stream = tcp.GetStream();
                const int count = 3000;
                for (int i = 0; i < count; i++)
                {
                    await stream.WriteAsync(Frame(1, Encoding.UTF8.GetBytes("4m" + i)));
                    if (i == count / 2) await stream.WriteAsync(Frame(9, Encoding.UTF8.GetBytes("mid")));
                }
                await stream.WriteAsync(Frame(9, Encoding.UTF8.GetBytes("end")));
                AssertArriveInOrder(packets, count, i => "Message:m" + i);
                // RFC 6455 5.5.3: a pong may answer only the most recent of the pings one read brought, so "mid" is
                // answered unless it came in the same read as "end"; "end" always is, and nothing else is sent.
                var pongs = (await ReadClientFramesAsync(stream, d => d.Any(f => Encoding.UTF8.GetString(f.Payload) == "end")))
                    .Select(f => (f.Opcode, Encoding.UTF8.GetString(f.Payload))).ToList();
                Assert.Equal((10, "end"), pongs[^1]);
                Assert.True(pongs.Count == 1 || (pongs.Count == 2 && pongs[0] == (10, "mid")), string.Join(", ", pongs));
            }
        }

        [Fact]
        public async Task AFloodReadInBatchesArrivesWholeWithItsTail()
        {
            // A sender that keeps the socket trickling (1 KB every 50 us) makes the reads small and quick, so the loop
            // coalesces: its reads wait for the socket's low-water mark (64 KB) instead. The flood's last frames, far
            // below the mark, and lone messages after it must still arrive: a timer lowers the mark.
            using var server = new Scripted();
            var (transport, _, packets, _) = Create(server.Port);
            using (transport)
            {
                using var tcp = await UpgradeAsync(server, transport);
                tcp.NoDelay = true;
                var stream = tcp.GetStream();
                var padding = new string('x', 90);
                long armedBefore = SocketLowWater.ArmedWaits;
                int sent = 0;
                var clock = Stopwatch.StartNew();
                while (clock.ElapsedMilliseconds < 200 || (SocketLowWater.ArmedWaits == armedBefore && clock.ElapsedMilliseconds < 5000))
                {
                    var chunk = new List<byte>();
                    for (int k = 0; k < 10; k++) chunk.AddRange(Frame(1, Encoding.UTF8.GetBytes("4" + sent++ + padding)));
                    stream.Write(chunk.ToArray());
                    long due = clock.ElapsedTicks + Stopwatch.Frequency / 20000;
                    while (clock.ElapsedTicks < due) Thread.SpinWait(20); // pacing the sender, not waiting for a result
                }
                Assert.True(SocketLowWater.ArmedWaits > armedBefore, "the flood was never read in batches: coalescing was not exercised");
                AssertArriveInOrder(packets, sent, i => "Message:" + i + padding);
                for (int lone = 0; lone < 3; lone++)
                {
                    await stream.WriteAsync(Frame(1, Encoding.UTF8.GetBytes("4lone" + lone)));
                    Assert.True(packets.TryTake(out var packet, TimeSpan.FromSeconds(1)), $"lone message {lone} did not arrive within 1 s");
                    Assert.Equal("Message:lone" + lone, packet);
                }
            }
        }

        [Fact]
        public async Task AMaskedServerFrameIsAParseError()
        {
            using var server = new Scripted();
            var (transport, _, _, closed) = Create(server.Port);
            using (transport)
            {
                using var tcp = await UpgradeAsync(server, transport);
                await tcp.GetStream().WriteAsync(Frame(1, new byte[] { (byte)'4' }, masked: true));
                Assert.Equal(DisconnectReasons.ParseError, await closed.Task.WaitAsync(Client.Timeout));
            }
        }

        [Fact]
        public async Task ARefusedUpgradeNamesTheStatusButNotTheQuery()
        {
            using var server = new Scripted();
            var (transport, _, _, _) = Create(server.Port);
            var accepting = server.AcceptAsync();
            var opening = transport.OpenAsync(null, CancellationToken.None);
            using var tcp = await accepting.WaitAsync(Client.Timeout);
            var stream = tcp.GetStream();
            await ReadHeadAsync(stream);
            await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 403 Forbidden\r\nContent-Length: 7\r\n\r\nno way!"));
            var e = await Assert.ThrowsAsync<SocketIoConnectFailedException>(() => opening.WaitAsync(Client.Timeout));
            Assert.Contains($"ws://127.0.0.1:{server.Port}/socket.io/", e.Message);
            Assert.Contains("403", e.Message);
            Assert.Contains("no way!", e.Message);
            Assert.DoesNotContain("secret", e.Message);
            Assert.True(transport.IsEnded);
        }

        [Fact]
        public async Task CancellingTheOpenDisposesTheSocket()
        {
            using var server = new Scripted();
            var (transport, _, _, _) = Create(server.Port);
            using var cancel = new CancellationTokenSource();
            var accepting = server.AcceptAsync();
            var opening = transport.OpenAsync(null, cancel.Token);
            using var tcp = await accepting.WaitAsync(Client.Timeout);
            await ReadHeadAsync(tcp.GetStream()); // the server never answers
            cancel.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => opening.WaitAsync(Client.Timeout));
            using var timeout = new CancellationTokenSource(Client.Timeout);
            Assert.Equal(0, await tcp.GetStream().ReadAsync(new byte[16], timeout.Token)); // the client hung up
        }
        [Fact]
        public async Task DisposingTheManagerEndsAConnectUnderWay()
        {
            using var server = new Scripted();
            var options = new global::SocketIo.Core.SocketIo.SocketIoClientOptions { ConnectTimeout = TimeSpan.FromMinutes(5), Reconnection = false };
            options.Engine.ServerUri = new Uri($"http://127.0.0.1:{server.Port}");
            options.Engine.Transports = EngineTransports.WebSocket;
            var manager = new global::SocketIo.Core.SocketIo.SocketIoManager(options);
            var accepting = server.AcceptAsync();
            var connecting = manager.Socket("/").ConnectAsync(CancellationToken.None);
            using var tcp = await accepting.WaitAsync(Client.Timeout);
            await ReadHeadAsync(tcp.GetStream()); // the server never answers

            manager.Dispose();

            await Assert.ThrowsAnyAsync<Exception>(() => connecting.WaitAsync(Client.Timeout)); // not the 5-minute timeout
            using var timeout = new CancellationTokenSource(Client.Timeout);
            Assert.Equal(0, await tcp.GetStream().ReadAsync(new byte[16], timeout.Token)); // the client hung up
        }
    }
}
