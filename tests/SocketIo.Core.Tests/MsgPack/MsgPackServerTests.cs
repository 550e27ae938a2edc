using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo;
using SocketIo.Core.Json;
using SocketIo.Core.SocketIo;
using SocketIo.Core.SocketIo.MsgPack;
using SocketIo.Core.Tests.Infrastructure;
using Xunit;
using static SocketIo.Core.Tests.Infrastructure.Wire;

namespace SocketIo.Core.Tests.MsgPack
{
    /// <summary>The node server with socket.io-msgpack-parser.</summary>
    public sealed class MsgPackServerFixture : NodeServerFixture
    {
        public MsgPackServerFixture() : base("--parser", "msgpack") { }
    }

    /// <summary>
    /// The msgpack codec against the real node server (socketio-server.js --parser msgpack), driven at the Engine.IO
    /// level: frames from <see cref="MsgPackSioEncoder"/> go out through <see cref="EngineSocket"/>, and every message
    /// that comes back goes through <see cref="MsgPackSioDecoder"/>.
    /// </summary>
    public class MsgPackServerTests : IClassFixture<MsgPackServerFixture>
    {
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

        private readonly MsgPackServerFixture _server;

        public MsgPackServerTests(MsgPackServerFixture server) => _server = server;

        [Fact]
        public async Task ConnectEchoWithBinaryAndAck()
        {
            await using var session = await Session.OpenAsync(_server.BaseUri);

            var connect = await session.ConnectAsync("/", null);
            Assert.False(string.IsNullOrEmpty(connect.Sid));
            Assert.Null(connect.Pid);

            var payload = Obj(("a", 1), ("blob", new byte[] { 4, 5 }), ("list", new object?[] { 1.5, null, true }));
            await session.SendAsync(MsgPackSioEncoder.EncodeEvent("/", 1, Args("echo", "hi", new byte[] { 1, 2, 3 }, payload, 9007199254740991L)));

            var echo = await session.NextAsync(p => p.IsEvent);
            Assert.Equal(SioPacketType.Event, echo.Type);
            Assert.Null(echo.Id);
            AssertEchoed(echo.Arguments!, 1);

            var ack = await session.NextAsync(p => p.IsAck);
            Assert.Equal(SioPacketType.Ack, ack.Type);
            Assert.Equal("/", ack.Namespace);
            Assert.Equal(1L, ack.Id);
            AssertEchoed(ack.Arguments!, 0);
            Assert.Empty(session.TextMessages);
        }

        private static void AssertEchoed(object?[] args, int offset)
        {
            if (offset == 1) Assert.Equal("echo", args[0]);
            Assert.Equal("hi", args[offset]);
            Assert.Equal(new byte[] { 1, 2, 3 }, args[offset + 1]);
            var map = Assert.IsType<OrderedJsonObject>(args[offset + 2]);
            Assert.Equal(1, map["a"]);
            Assert.Equal(new byte[] { 4, 5 }, map["blob"]);
            Assert.Equal(new object?[] { 1.5, null, true }, map["list"]);
            Assert.Equal(9007199254740991L, args[offset + 3]);
        }

        [Fact]
        public async Task ServerBinaryTypesAndItsOwnAckRequest()
        {
            await using var session = await Session.OpenAsync(_server.BaseUri);
            await session.ConnectAsync("/", null);

            await session.SendAsync(MsgPackSioEncoder.EncodeEvent("/", null, Args("binary")));
            var binary = await session.NextAsync(p => p.IsEvent);
            Assert.Equal(3, binary.Arguments!.Length);
            Assert.Equal("binary", binary.Arguments[0]);
            Assert.Equal(new byte[] { 1, 2, 3, 4 }, binary.Arguments[1]);
            var blob = Assert.IsType<OrderedJsonObject>(binary.Arguments[2]);
            Assert.Equal("x", blob["name"]);
            Assert.Equal(new byte[] { 5, 6 }, blob["blob"]);

            await session.SendAsync(MsgPackSioEncoder.EncodeEvent("/", 7, Args("types")));
            var types = Assert.IsType<OrderedJsonObject>((await session.NextAsync(p => p.IsAck && p.Id == 7)).Arguments![0]);
            Assert.Equal(42, types["int"]);
            Assert.Equal(9007199254740991L, types["big"]);
            Assert.Equal(-5, types["neg"]);
            Assert.Equal(1.5, types["float"]);
            Assert.Equal(2, types["whole"]);
            Assert.Equal("café €", types["unicode"]);
            Assert.Null(types["nil"]);
            Assert.Equal(new object?[] { 1, "a", null }, types["arr"]);

            // The server asks us for an ack (an EVENT with an id) and reports our answer back.
            await session.SendAsync(MsgPackSioEncoder.EncodeEvent("/", null, Args("ask", "question", 1)));
            var question = await session.NextAsync(p => p.IsEvent);
            Assert.Equal(Args("question", 1), question.Arguments);
            Assert.NotNull(question.Id);
            await session.SendAsync(MsgPackSioEncoder.EncodeAck("/", question.Id!.Value, Args("reply", new byte[] { 7 })));
            var answer = await session.NextAsync(p => p.IsEvent);
            Assert.Equal(Args("answer", "reply", new byte[] { 7 }), answer.Arguments);
            Assert.Empty(session.TextMessages);
        }

        [Fact]
        public async Task NamespaceRejectionAuthAndServerDisconnect()
        {
            await using var session = await Session.OpenAsync(_server.BaseUri);

            await session.SendAsync(MsgPackSioEncoder.EncodeConnect("/admin", Obj(("token", "wrong"))));
            var rejected = await session.NextAsync(p => p.Type == SioPacketType.ConnectError);
            Assert.Equal("/admin", rejected.Namespace);
            Assert.Equal("not authorized", rejected.ErrorMessage);
            Assert.Equal(401, Assert.IsType<OrderedJsonObject>(rejected.Payload)["code"]);

            var connect = await session.ConnectAsync("/admin", Obj(("token", "secret")));
            Assert.Equal("/admin", connect.Namespace);

            await session.SendAsync(MsgPackSioEncoder.EncodeEvent("/admin", null, Args("kick")));
            var kicked = await session.NextAsync(p => p.Type == SioPacketType.Disconnect);
            Assert.Equal("/admin", kicked.Namespace);

            // Our DISCONNECT for "/": the server lets the socket go (its /stats count drops to 0), the connection stays up.
            await session.ConnectAsync("/", null);
            Assert.Equal(1, await SocketCountAsync());
            await session.SendAsync(MsgPackSioEncoder.EncodeDisconnect("/"));
            var deadline = DateTime.UtcNow + Timeout;
            while (await SocketCountAsync() != 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "the server still counts the socket after our DISCONNECT");
                await Task.Delay(20);
            }
            Assert.True(session.Engine.IsOpen);
        }

        private async Task<int> SocketCountAsync()
        {
            using var http = new HttpClient { Timeout = Timeout };
            using var stats = JsonDocument.Parse(await http.GetStringAsync(new Uri(_server.BaseUri, "/stats")));
            return stats.RootElement.GetProperty("sockets").GetInt32();
        }

        /// <summary>One Engine.IO session whose messages are decoded as msgpack into a queue.</summary>
        private sealed class Session : IAsyncDisposable
        {
            private readonly MsgPackSioDecoder _decoder = new MsgPackSioDecoder(DefaultJsonValueFactory.Instance);
            private readonly object _gate = new object();
            private readonly List<SioPacket> _received = new List<SioPacket>();
            private readonly SemaphoreSlim _arrived = new SemaphoreSlim(0);
            private Exception? _error;

            private Session(Uri server)
            {
                Engine = new EngineSocket(new EngineOptions { ServerUri = server });
                Engine.MessageReceived = OnMessage;
                Engine.Closed += (reason, error) =>
                {
                    lock (_gate) _error ??= new InvalidOperationException($"The connection closed: {reason}", error);
                    _arrived.Release();
                };
            }

            public EngineSocket Engine { get; }

            public List<string> TextMessages { get; } = new List<string>();

            public static async Task<Session> OpenAsync(Uri server)
            {
                var session = new Session(server);
                using var cts = new CancellationTokenSource(Timeout);
                await session.Engine.OpenAsync(cts.Token);
                return session;
            }

            public async Task<SioPacket> ConnectAsync(string nsp, object? auth)
            {
                await SendAsync(MsgPackSioEncoder.EncodeConnect(nsp, auth));
                var reply = await NextAsync(p => p.Type == SioPacketType.Connect || p.Type == SioPacketType.ConnectError);
                Assert.Equal(SioPacketType.Connect, reply.Type);
                Assert.Equal(nsp, reply.Namespace);
                Assert.False(string.IsNullOrEmpty(reply.Sid));
                return reply;
            }

            public async Task SendAsync(List<OutgoingFrame> frames)
            {
                using var cts = new CancellationTokenSource(Timeout);
                await Engine.SendAsync(frames, cts.Token);
            }

            /// <summary>The first packet received (and not taken yet) that matches.</summary>
            public async Task<SioPacket> NextAsync(Func<SioPacket, bool> match)
            {
                var deadline = DateTime.UtcNow + Timeout;
                while (true)
                {
                    lock (_gate)
                    {
                        int index = _received.FindIndex(p => match(p));
                        if (index >= 0)
                        {
                            var found = _received[index];
                            _received.RemoveAt(index);
                            return found;
                        }
                        if (_error != null) throw new InvalidOperationException("No matching packet: " + _error.Message, _error);
                    }
                    var left = deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero || !await _arrived.WaitAsync(left))
                        throw new TimeoutException($"No matching packet within {Timeout.TotalSeconds} s.");
                }
            }

            private void OnMessage(EnginePacket packet)
            {
                if (!packet.IsBinary)
                {
                    lock (_gate) TextMessages.Add(Wire.Text(packet));
                    return;
                }
                SioPacket decoded;
                try
                {
                    decoded = _decoder.DecodeBinary(packet.Data); // Data is only valid during this call: decode now
                }
                catch (SocketIoProtocolException e)
                {
                    lock (_gate) _error ??= e;
                    _arrived.Release();
                    throw;
                }
                lock (_gate) _received.Add(decoded);
                _arrived.Release();
            }

            public async ValueTask DisposeAsync()
            {
                await Engine.CloseAsync();
                Engine.Dispose();
            }
        }
    }
}
