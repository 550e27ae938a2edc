using System;
using System.Collections.Specialized;
using System.Linq;
using SocketIo.Core.EngineIo;
using SocketIo.Core.Json;
using SocketIo.Core.SocketIo;
using SocketIo.Core.SocketIo.MsgPack;
using Xunit;
using static SocketIo.Core.Tests.Infrastructure.Wire;

namespace SocketIo.Core.Tests.MsgPack
{
    /// <summary>
    /// Byte-exact vectors made by the node parser itself: the hex strings are the output of
    /// <c>cd tests/servers &amp;&amp; node ../SocketIo.Core.Tests/MsgPack/make-vectors.js</c>, i.e.
    /// <c>new (require('socket.io-msgpack-parser').Encoder)().encode(packet)[0].toString('hex')</c> with
    /// socket.io-msgpack-parser 3.0.2 / notepack.io 2.2.0 as pinned in tests/servers/package-lock.json. The script holds
    /// each packet object; the test names here are its vector names.
    /// </summary>
    public class MsgPackVectorTests
    {
        // Client → server packets, written by node in MsgPackSioEncoder's key order (type, data, nsp, id).
        private const string Connect = "82a47479706500a36e7370a12f";
        private const string ConnectAuth = "83a47479706500a46461746182a5746f6b656ea6736563726574a16e01a36e7370a62f61646d696e";
        private const string Disconnect = "82a47479706501a36e7370a12f";
        private const string DisconnectNsp = "82a47479706501a36e7370a62f61646d696e";
        private const string EventScalars = "83a47479706502a4646174619ea46563686f01a161c0c3c2cb3ff8000000000000fbccc8cd012cce00011170d09cd1ff38d2ffff63c0a36e7370a12f";
        private const string EventAck = "84a47479706502a46461746192a46563686f82a16101a162920102a36e7370a12fa2696407";
        private const string EventBinary = "84a47479706502a46461746193a675706c6f6164c4040102030482a46e616d65a178a4626c6f62c4020506a36e7370a62f66696c6573a2696403";
        private const string EventNumbers = "83a47479706502a4646174619aa16ecf001fffffffffffffd3ffe0000000000001cf0000000100000000ceffffffffd280000000d3ffffffff7fffffffcb3fb999999999999acbbfe000000000000002a36e7370a12f";
        private const string EventUnicode = "83a47479706502a46461746192a9636166c3a920e282ac81a8d0bad0bbd18ed187a4f09f9880a36e7370a12f";
        private const string EventSizes = "83a47479706502a46461746196a173d9207878787878787878787878787878787878787878787878787878787878787878da010079797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979797979c5010007070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707070707dc0010000102030405060708090a0b0c0d0e0fde0010a26b3000a26b3101a26b3202a26b3303a26b3404a26b3505a26b3606a26b3707a26b3808a26b3909a36b31300aa36b31310ba36b31320ca36b31330da36b31340ea36b31350fa36e7370a12f";
        private const string Ack = "84a47479706503a46461746192a26f6bc40109a36e7370a12fa2696405";
        private const string AckEmpty = "84a47479706503a46461746190a36e7370a62f61646d696ea26964cd012c";

        // Server → client packets, in the key order socket.io 4.8.4 builds them.
        private const string ServerConnect = "83a47479706500a46461746182a3736964a6416243313233a3706964d40000a36e7370a12f";
        private const string ServerConnectPid = "83a47479706500a46461746182a3736964a6416243313233a3706964a25039a36e7370a62f61646d696e";
        private const string ServerEventWithId = "84a47479706502a46461746192a361736b01a2696404a36e7370a12f";
        private const string ServerAck = "84a2696405a47479706503a46461746192a26f6bc40109a36e7370a12f";
        private const string ServerConnectError = "83a47479706504a46461746182a76d657373616765ae6e6f7420617574686f72697a6564a46461746181a4636f6465cd0191a36e7370a62f61646d696e";
        private const string ServerConnectErrorNoData = "83a47479706504a46461746182a76d657373616765ad617574682072656a6563746564a464617461d40000a36e7370a12f";
        private const string ServerConnectErrorString = "83a47479706504a464617461a3626164a36e7370a12f";

        // What socket.io-client 4.8.4 sends: `data: undefined` without auth, an `options` key on events.
        private const string ClientConnectUndefined = "83a47479706500a464617461d40000a36e7370a12f";
        private const string ClientEvent = "85a47479706502a46461746192a46563686f01a76f7074696f6e7381a8636f6d7072657373c3a2696400a36e7370a12f";

        // notepack.io's ext type 0: a Date (fixext 8), an ArrayBuffer (ext 8) and [undefined] (fixext 1).
        private const string ServerDateAndArrayBuffer = "83a47479706502a46461746194a164d7000000018bcfe5687bc70200090891d40000a36e7370a12f";

        /// <summary>Every vector, for the malformed-input tests.</summary>
        public static readonly string[] All =
        {
            Connect, ConnectAuth, Disconnect, DisconnectNsp, EventScalars, EventAck, EventBinary, EventNumbers, EventUnicode,
            EventSizes, Ack, AckEmpty, ServerConnect, ServerConnectPid, ServerEventWithId, ServerAck, ServerConnectError,
            ServerConnectErrorNoData, ServerConnectErrorString, ClientConnectUndefined, ClientEvent, ServerDateAndArrayBuffer,
        };

        internal static string Hex(System.Collections.Generic.List<OutgoingFrame> frames)
        {
            var frame = Assert.Single(frames);
            Assert.True(frame.IsBinary, "a msgpack packet is one binary frame");
            return Convert.ToHexString(frame.Bytes.Array!, frame.Bytes.Offset, frame.Bytes.Count).ToLowerInvariant();
        }

        internal static SioPacket Decode(string hex) => new MsgPackSioDecoder(DefaultJsonValueFactory.Instance).DecodeBinary(Convert.FromHexString(hex));

        [Fact]
        public void EncoderMatchesNode_ConnectAndDisconnect()
        {
            Assert.Equal(Connect, Hex(MsgPackSioEncoder.EncodeConnect("/", null)));
            Assert.Equal(ConnectAuth, Hex(MsgPackSioEncoder.EncodeConnect("/admin", Obj(("token", "secret"), ("n", 1)))));
            Assert.Equal(Disconnect, Hex(MsgPackSioEncoder.EncodeDisconnect("/")));
            Assert.Equal(DisconnectNsp, Hex(MsgPackSioEncoder.EncodeDisconnect("/admin")));
        }

        [Fact]
        public void EncoderMatchesNode_Events()
        {
            Assert.Equal(EventScalars, Hex(MsgPackSioEncoder.EncodeEvent("/", null,
                Args("echo", 1, "a", null, true, false, 1.5, -5, 200, 300, 70000, -100, -200, -40000))));
            Assert.Equal(EventAck, Hex(MsgPackSioEncoder.EncodeEvent("/", 7, Args("echo", Obj(("a", 1), ("b", new[] { 1, 2 }))))));
            Assert.Equal(EventBinary, Hex(MsgPackSioEncoder.EncodeEvent("/files", 3,
                Args("upload", new byte[] { 1, 2, 3, 4 }, Obj(("name", "x"), ("blob", new byte[] { 5, 6 }))))));
            Assert.Equal(EventNumbers, Hex(MsgPackSioEncoder.EncodeEvent("/", null,
                Args("n", 9007199254740991L, -9007199254740991L, 4294967296L, 4294967295u, int.MinValue, -2147483649L, 0.1, -0.5, 2.0))));
            Assert.Equal(EventUnicode, Hex(MsgPackSioEncoder.EncodeEvent("/", null, Args("café €", Obj(("ключ", "😀"))))));
            Assert.Equal(EventSizes, Hex(MsgPackSioEncoder.EncodeEvent("/", null, SizesArguments())));
        }

        [Fact]
        public void EncoderMatchesNode_Acks()
        {
            Assert.Equal(Ack, Hex(MsgPackSioEncoder.EncodeAck("/", 5, Args("ok", new byte[] { 9 }))));
            Assert.Equal(AckEmpty, Hex(MsgPackSioEncoder.EncodeAck("/admin", 300, Args())));
        }

        [Fact]
        public void DecodesClientPackets()
        {
            var connect = Decode(Connect);
            Assert.Equal(SioPacketType.Connect, connect.Type);
            Assert.Equal("/", connect.Namespace);
            Assert.Null(connect.Id);
            Assert.Null(connect.Sid);

            var undefinedData = Decode(ClientConnectUndefined);
            Assert.Equal(SioPacketType.Connect, undefinedData.Type);
            Assert.Null(undefinedData.Sid);

            var disconnect = Decode(DisconnectNsp);
            Assert.Equal(SioPacketType.Disconnect, disconnect.Type);
            Assert.Equal("/admin", disconnect.Namespace);
            Assert.Null(disconnect.Payload);

            var clientEvent = Decode(ClientEvent); // the `options` key is ignored
            Assert.Equal(SioPacketType.Event, clientEvent.Type);
            Assert.Equal(0L, clientEvent.Id);
            Assert.Equal(Args("echo", 1), clientEvent.Arguments);
        }

        [Fact]
        public void DecodesScalarsAndNumbers()
        {
            var scalars = Decode(EventScalars);
            Assert.Equal(Args("echo", 1, "a", null, true, false, 1.5, -5, 200, 300, 70000, -100, -200, -40000), scalars.Arguments);
            Assert.All(scalars.Arguments!.Skip(1).Where(a => a is not null and not string and not bool and not double), a => Assert.IsType<int>(a));

            var numbers = Decode(EventNumbers).Arguments!;
            Assert.Equal(Args("n", 9007199254740991L, -9007199254740991L, 4294967296L, 4294967295L, int.MinValue, -2147483649L, 0.1, -0.5, 2), numbers);
            Assert.IsType<long>(numbers[4]); // uint 32 above Int32.MaxValue
            Assert.IsType<int>(numbers[5]);  // int 32
            Assert.IsType<int>(numbers[9]);  // node sends 2.0 as an integer
        }

        [Fact]
        public void DecodesEventsWithMapsBinaryAndUnicode()
        {
            var ack = Decode(EventAck);
            Assert.Equal(7L, ack.Id);
            var map = Assert.IsType<OrderedJsonObject>(ack.Arguments![1]);
            Assert.Equal(1, map["a"]);
            Assert.Equal(new object[] { 1, 2 }, map["b"]);

            var binary = Decode(EventBinary);
            Assert.Equal("/files", binary.Namespace);
            Assert.Equal(3L, binary.Id);
            Assert.Equal(new byte[] { 1, 2, 3, 4 }, binary.Arguments![1]);
            var meta = Assert.IsType<OrderedJsonObject>(binary.Arguments[2]);
            Assert.Equal("x", meta["name"]);
            Assert.Equal(new byte[] { 5, 6 }, meta["blob"]);

            var unicode = Decode(EventUnicode).Arguments!;
            Assert.Equal("café €", unicode[0]);
            Assert.Equal("😀", Assert.IsType<OrderedJsonObject>(unicode[1])["ключ"]);

            var sizes = Decode(EventSizes).Arguments!;
            var expected = SizesArguments();
            Assert.Equal(expected[1], sizes[1]);
            Assert.Equal(expected[2], sizes[2]);
            Assert.Equal(expected[3], sizes[3]);
            Assert.Equal(Enumerable.Range(0, 16).Cast<object>().ToArray(), sizes[4]);
            var keys = Assert.IsType<OrderedJsonObject>(sizes[5]);
            Assert.Equal(16, keys.Count);
            Assert.Equal(15, keys["k15"]);
        }

        [Fact]
        public void DecodesServerPackets()
        {
            var connect = Decode(ServerConnect); // {sid, pid: undefined}
            Assert.Equal(SioPacketType.Connect, connect.Type);
            Assert.Equal("AbC123", connect.Sid);
            Assert.Null(connect.Pid);

            var withPid = Decode(ServerConnectPid);
            Assert.Equal("/admin", withPid.Namespace);
            Assert.Equal("AbC123", withPid.Sid);
            Assert.Equal("P9", withPid.Pid);

            var ask = Decode(ServerEventWithId); // id before nsp
            Assert.Equal(SioPacketType.Event, ask.Type);
            Assert.Equal(4L, ask.Id);
            Assert.Equal(Args("ask", 1), ask.Arguments);

            var ack = Decode(ServerAck); // id first
            Assert.Equal(SioPacketType.Ack, ack.Type);
            Assert.True(ack.IsAck);
            Assert.Equal(5L, ack.Id);
            Assert.Equal(Args("ok", new byte[] { 9 }), ack.Arguments);
        }

        [Fact]
        public void DecodesConnectErrors()
        {
            var rejected = Decode(ServerConnectError);
            Assert.Equal(SioPacketType.ConnectError, rejected.Type);
            Assert.Equal("/admin", rejected.Namespace);
            Assert.Equal("not authorized", rejected.ErrorMessage);
            Assert.Equal(401, Assert.IsType<OrderedJsonObject>(rejected.Payload)["code"]);

            var noData = Decode(ServerConnectErrorNoData); // data: undefined
            Assert.Equal("auth rejected", noData.ErrorMessage);
            Assert.Null(noData.Payload);

            var text = Decode(ServerConnectErrorString);
            Assert.Equal("bad", text.ErrorMessage);
            Assert.Null(text.Payload);
        }

        [Fact]
        public void DecodesNotepackExtensions()
        {
            var args = Decode(ServerDateAndArrayBuffer).Arguments!;
            Assert.Equal("d", args[0]);
            Assert.Equal("2023-11-14T22:13:20.123Z", args[1]); // new Date(1700000000123), as JSON.stringify writes it
            Assert.Equal(new byte[] { 9, 8 }, args[2]);        // an ArrayBuffer is binary too
            Assert.Equal(new object?[] { null }, args[3]);      // [undefined] → [null], as in JSON
        }

        private static object?[] SizesArguments()
        {
            var map = new OrderedDictionary();
            for (int i = 0; i < 16; i++) map.Add("k" + i, i);
            return Args("s", new string('x', 32), new string('y', 256), Enumerable.Repeat((byte)7, 256).ToArray(), Enumerable.Range(0, 16).ToArray(), map);
        }
    }
}
