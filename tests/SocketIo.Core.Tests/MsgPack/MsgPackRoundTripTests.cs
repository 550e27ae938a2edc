using System;
using System.Collections;
using System.Collections.Generic;
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
    /// <summary>MsgPackSioEncoder → MsgPackSioDecoder for every packet type, every format size and every .NET value kind.</summary>
    public class MsgPackRoundTripTests
    {
        private static readonly MsgPackSioDecoder Decoder = new MsgPackSioDecoder(DefaultJsonValueFactory.Instance);

        private static SioPacket RoundTrip(List<OutgoingFrame> frames)
        {
            var frame = Assert.Single(frames);
            Assert.True(frame.IsBinary);
            return Decoder.DecodeBinary(frame.Bytes.ToArray());
        }

        /// <summary>Sends one value as the argument of an event and reads it back; also returns the bytes it took.</summary>
        private static object? Value(object? value, out byte[] encoded)
        {
            var frame = Assert.Single(MsgPackSioEncoder.EncodeEvent("/", null, Args("v", value)));
            encoded = frame.Bytes.ToArray();
            var packet = Decoder.DecodeBinary(encoded);
            Assert.Equal(2, packet.Arguments!.Length);
            return packet.Arguments[1];
        }

        private static object? Value(object? value) => Value(value, out _);

        /// <summary>The first byte of the value in an event {type:2, data:["v", value], nsp:"/"}.</summary>
        private static byte FormatByte(object? value)
        {
            Value(value, out var encoded);
            // 83 a4"type" 02 a4"data" 92 a1"v" → the value starts at offset 1+5+1+5+1+2 = 15.
            return encoded[15];
        }

        [Fact]
        public void ConnectWithAndWithoutAuth()
        {
            var plain = RoundTrip(MsgPackSioEncoder.EncodeConnect("/", null));
            Assert.Equal(SioPacketType.Connect, plain.Type);
            Assert.Equal("/", plain.Namespace);
            Assert.Null(plain.Sid);

            // The decoder takes sid/pid out of a CONNECT map, whoever sent it; binary is fine in msgpack auth.
            var auth = RoundTrip(MsgPackSioEncoder.EncodeConnect("/admin", Obj(("sid", "s1"), ("pid", "p1"), ("key", new byte[] { 1 }))));
            Assert.Equal("/admin", auth.Namespace);
            Assert.Equal("s1", auth.Sid);
            Assert.Equal("p1", auth.Pid);
        }

        [Fact]
        public void Disconnect()
        {
            var packet = RoundTrip(MsgPackSioEncoder.EncodeDisconnect("/chat"));
            Assert.Equal(SioPacketType.Disconnect, packet.Type);
            Assert.Equal("/chat", packet.Namespace);
            Assert.Null(packet.Id);
            Assert.Null(packet.Arguments);
        }

        [Fact]
        public void EventWithAndWithoutAckId()
        {
            var plain = RoundTrip(MsgPackSioEncoder.EncodeEvent("/", null, Args("hello", "world")));
            Assert.Equal(SioPacketType.Event, plain.Type);
            Assert.True(plain.IsEvent);
            Assert.Null(plain.Id);
            Assert.Equal(Args("hello", "world"), plain.Arguments);

            var withId = RoundTrip(MsgPackSioEncoder.EncodeEvent("/ns", long.MaxValue, Args("upload", new byte[] { 1, 2 }, Obj(("blob", new byte[] { 3 })))));
            Assert.Equal(SioPacketType.Event, withId.Type); // never BINARY_EVENT
            Assert.Equal(long.MaxValue, withId.Id);
            Assert.Equal("/ns", withId.Namespace);
            Assert.Equal(new byte[] { 1, 2 }, withId.Arguments![1]);
            Assert.Equal(new byte[] { 3 }, Assert.IsType<OrderedJsonObject>(withId.Arguments[2])["blob"]);
        }

        [Fact]
        public void Ack()
        {
            var packet = RoundTrip(MsgPackSioEncoder.EncodeAck("/", 0, Args(new byte[] { 9 }, null)));
            Assert.Equal(SioPacketType.Ack, packet.Type); // never BINARY_ACK
            Assert.Equal(0L, packet.Id);
            Assert.Equal(Args(new byte[] { 9 }, null), packet.Arguments);

            var empty = RoundTrip(MsgPackSioEncoder.EncodeAck("/", 12345678901L, Args()));
            Assert.Equal(12345678901L, empty.Id);
            Assert.Empty(empty.Arguments!);
        }

        [Fact]
        public void ConnectError()
        {
            // The client never sends CONNECT_ERROR: write the server's packet by hand.
            var writer = new MsgPackWriter();
            writer.WriteMapHeader(3);
            writer.WriteString("type"); writer.WriteInteger(4);
            writer.WriteString("data");
            writer.WriteMapHeader(2);
            writer.WriteString("message"); writer.WriteString("nope");
            writer.WriteString("data"); writer.WriteArrayHeader(1); writer.WriteBoolean(true);
            writer.WriteString("nsp"); writer.WriteString("/x");
            var packet = Decoder.DecodeBinary(writer.ToArray());
            Assert.Equal(SioPacketType.ConnectError, packet.Type);
            Assert.Equal("/x", packet.Namespace);
            Assert.Equal("nope", packet.ErrorMessage);
            Assert.Equal(new object[] { true }, packet.Payload);
        }

        public static IEnumerable<object?[]> Integers() => new[]
        {
            // value, decoded, first byte
            new object?[] { 0, 0, (byte)0x00 },
            new object?[] { 127, 127, (byte)0x7f },
            new object?[] { 128, 128, (byte)0xcc },
            new object?[] { 255, 255, (byte)0xcc },
            new object?[] { 256, 256, (byte)0xcd },
            new object?[] { 65535, 65535, (byte)0xcd },
            new object?[] { 65536, 65536, (byte)0xce },
            new object?[] { int.MaxValue, int.MaxValue, (byte)0xce },
            new object?[] { uint.MaxValue, (long)uint.MaxValue, (byte)0xce },
            new object?[] { 1L << 32, 1L << 32, (byte)0xcf },
            new object?[] { long.MaxValue, long.MaxValue, (byte)0xcf },
            new object?[] { ulong.MaxValue, 18446744073709551615.0, (byte)0xcf },
            new object?[] { -1, -1, (byte)0xff },
            new object?[] { -32, -32, (byte)0xe0 },
            new object?[] { -33, -33, (byte)0xd0 },
            new object?[] { -128, -128, (byte)0xd0 },
            new object?[] { -129, -129, (byte)0xd1 },
            new object?[] { -32768, -32768, (byte)0xd1 },
            new object?[] { -32769, -32769, (byte)0xd2 },
            new object?[] { int.MinValue, int.MinValue, (byte)0xd2 },
            new object?[] { int.MinValue - 1L, int.MinValue - 1L, (byte)0xd3 },
            new object?[] { long.MinValue, long.MinValue, (byte)0xd3 },
            new object?[] { (short)-300, -300, (byte)0xd1 },
            new object?[] { (byte)200, 200, (byte)0xcc },
            new object?[] { (sbyte)-5, -5, (byte)0xfb },
            new object?[] { (ushort)60000, 60000, (byte)0xcd },
        };

        [Theory]
        [MemberData(nameof(Integers))]
        public void IntegersUseTheSmallestFormat(object value, object decoded, byte format)
        {
            Assert.Equal(format, FormatByte(value));
            var result = Value(value);
            Assert.Equal(decoded.GetType(), result!.GetType());
            Assert.Equal(decoded, result);
        }

        [Fact]
        public void FloatingPointNumbers()
        {
            Assert.Equal(1.5, Value(1.5));
            Assert.Equal((byte)0xcb, FormatByte(1.5));
            Assert.Equal(-0.25, Value(-0.25));
            Assert.Equal(1.5, Value(1.5f));
            Assert.Equal(2.5, Value(2.5m));
            Assert.Equal(1e300, Value(1e300)); // whole, but beyond 64-bit integers: stays float 64
            Assert.Equal((byte)0xcb, FormatByte(1e300));
            Assert.True(double.IsNaN((double)Value(double.NaN)!)); // JSON would have to send null
            Assert.Equal(double.PositiveInfinity, Value(double.PositiveInfinity));
            Assert.Equal(double.NegativeInfinity, Value(double.NegativeInfinity));

            // Whole doubles go out as integers, as notepack.io writes them (JavaScript has one number type).
            Assert.Equal(2, Value(2.0));
            Assert.Equal(0, Value(-0.0));
            Assert.Equal(1_000_000_000_000_000_000L, Value(1e18));
            Assert.Equal(-4294967296L, Value(-4294967296.0));
        }

        [Theory]
        [InlineData(0, 0xa0)]
        [InlineData(31, 0xbf)]
        [InlineData(32, 0xd9)]
        [InlineData(255, 0xd9)]
        [InlineData(256, 0xda)]
        [InlineData(65535, 0xda)]
        [InlineData(65536, 0xdb)]
        public void StringsOfEverySize(int length, int format)
        {
            var value = new string('s', length);
            Assert.Equal((byte)format, FormatByte(value));
            Assert.Equal(value, Value(value));
        }

        [Fact]
        public void StringLengthsCountUtf8Bytes()
        {
            var sixteenEs = new string('é', 16); // 16 chars, 32 bytes
            Assert.Equal((byte)0xd9, FormatByte(sixteenEs));
            Assert.Equal(sixteenEs, Value(sixteenEs));
            Assert.Equal("a😀b", Value("a😀b"));
            Assert.Equal("\uFFFD", Value("\uD800")); // a lone surrogate, as node's Buffer.write
            Assert.Equal("x", Value('x'));
        }

        [Theory]
        [InlineData(0, 0xc4)]
        [InlineData(255, 0xc4)]
        [InlineData(256, 0xc5)]
        [InlineData(65535, 0xc5)]
        [InlineData(65536, 0xc6)]
        public void BinaryOfEverySize(int length, int format)
        {
            var value = Enumerable.Range(0, length).Select(i => (byte)i).ToArray();
            Assert.Equal((byte)format, FormatByte(value));
            Assert.Equal(value, Value(value));
        }

        [Theory]
        [InlineData(0, 0x90)]
        [InlineData(15, 0x9f)]
        [InlineData(16, 0xdc)]
        [InlineData(65535, 0xdc)]
        [InlineData(65536, 0xdd)]
        public void ArraysOfEverySize(int length, int format)
        {
            var value = Enumerable.Range(0, length).ToArray();
            Assert.Equal((byte)format, FormatByte(value));
            var result = Assert.IsType<object?[]>(Value(value));
            Assert.Equal(length, result.Length);
            if (length > 0) Assert.Equal(length - 1, result[length - 1]);
        }

        [Theory]
        [InlineData(0, 0x80)]
        [InlineData(15, 0x8f)]
        [InlineData(16, 0xde)]
        [InlineData(65536, 0xdf)]
        public void MapsOfEverySize(int count, int format)
        {
            var value = new Dictionary<string, int>();
            for (int i = 0; i < count; i++) value["k" + i] = i;
            Assert.Equal((byte)format, FormatByte(value));
            var result = Assert.IsType<OrderedJsonObject>(Value(value));
            Assert.Equal(count, result.Count);
            if (count > 0) Assert.Equal(count - 1, result["k" + (count - 1)]);
        }

        private enum Color { Red, Green }

        private sealed class Point
        {
            public int X { get; set; }
        }

        private sealed class PointAdapter : IOutgoingValueAdapter
        {
            public bool TryAdapt(object value, out object? adapted)
            {
                adapted = value is Point p ? new Hashtable { ["x"] = p.X } : null;
                return value is Point;
            }
        }

        private static IEnumerable<int> Lazy() { yield return 1; yield return 2; }

        [Fact]
        public void ValuesFollowTheJsonWritersRules()
        {
            var date = new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc);
            Assert.Equal("2024-01-02T03:04:05.0000000Z", Value(date));
            Assert.Equal("2024-01-02T03:04:05.0000000+02:00", Value(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.FromHours(2))));
            Assert.Equal("Green", Value(Color.Green));
            var guid = Guid.NewGuid();
            Assert.Equal(guid.ToString(), Value(guid));
            Assert.Equal("http://example.test/a?b", Value(new Uri("http://example.test/a?b")));
            Assert.Equal("01:02:03", Value(new TimeSpan(1, 2, 3)));
            Assert.Null(Value(null));
            Assert.Equal(true, Value(true));
            Assert.Equal(new object[] { 1, 2 }, Value(Lazy()));
            Assert.Equal(new object?[] { "a", null, 1 }, Value(new List<object?> { "a", null, 1 }));

            var table = Assert.IsType<OrderedJsonObject>(Value(new Hashtable { [1] = "one" })); // keys become strings
            Assert.Equal("one", table["1"]);

            var nested = Assert.IsType<OrderedJsonObject>(Value(Obj(("list", new object[] { Obj(("deep", new[] { 1.5 })) }))));
            var inner = Assert.IsType<OrderedJsonObject>(Assert.IsType<object?[]>(nested["list"])[0]);
            Assert.Equal(new object[] { 1.5 }, inner["deep"]);
        }

        [Fact]
        public void AdapterConvertsCallerTypes()
        {
            var frames = MsgPackSioEncoder.EncodeEvent("/", null, Args("p", new Point { X = 3 }), new PointAdapter());
            var packet = Decoder.DecodeBinary(Assert.Single(frames).Bytes.ToArray());
            Assert.Equal(3, Assert.IsType<OrderedJsonObject>(packet.Arguments![1])["x"]);

            Assert.Throws<SocketIoSerializationException>(() => MsgPackSioEncoder.EncodeEvent("/", null, Args("p", new Point())));
            Assert.Throws<SocketIoSerializationException>(() => MsgPackSioEncoder.EncodeConnect("/", new object()));
        }

        [Fact]
        public void CyclesAndExcessiveDepthAreSerializationErrors()
        {
            var cycle = new List<object>();
            cycle.Add(cycle);
            Assert.Throws<SocketIoSerializationException>(() => MsgPackSioEncoder.EncodeEvent("/", null, Args("c", cycle)));

            var self = new Hashtable();
            self["me"] = self;
            Assert.Throws<SocketIoSerializationException>(() => MsgPackSioEncoder.EncodeAck("/", 1, Args(self)));

            // The arguments array is level 1, as in JsonValueWriter: 63 more levels are fine, 64 are too many.
            Assert.Single(MsgPackSioEncoder.EncodeEvent("/", null, Args("ok", Nest(63))));
            Assert.Throws<SocketIoSerializationException>(() => MsgPackSioEncoder.EncodeEvent("/", null, Args("deep", Nest(64))));

            // The same object twice (not nested in itself) is no cycle.
            var shared = new[] { 1 };
            Assert.Single(MsgPackSioEncoder.EncodeEvent("/", null, Args("twice", shared, shared)));
        }

        private static object Nest(int levels)
        {
            object value = 1;
            for (int i = 0; i < levels; i++) value = new[] { value };
            return value;
        }

        [Fact]
        public void DecoderBuildsContainersThroughTheFactory()
        {
            var factory = new RecordingFactory();
            var decoder = new MsgPackSioDecoder(factory);
            var frames = MsgPackSioEncoder.EncodeEvent("/", null, Args("e", new[] { 1 }, Obj(("k", "v"))));
            var packet = decoder.DecodeBinary(Assert.Single(frames).Bytes.ToArray());
            Assert.Equal(1, factory.Arrays);   // the nested array; the arguments themselves are a plain object?[]
            Assert.Equal(1, factory.Objects);
            Assert.Equal("array", packet.Arguments![1]);
            Assert.Equal("object", packet.Arguments[2]);
        }

        private sealed class RecordingFactory : IJsonValueFactory
        {
            public int Arrays;
            public int Objects;

            public object CreateObject(IReadOnlyList<KeyValuePair<string, object?>> properties) { Objects++; return "object"; }

            public object CreateArray(object?[] items) { Arrays++; return "array"; }
        }

        [Fact]
        public void DecoderHasTheDefaultDecodersShape()
        {
            var decoder = new MsgPackSioDecoder(DefaultJsonValueFactory.Instance);
            Assert.False(decoder.IsReconstructing);
            decoder.Reset();
            var bytes = Convert.FromHexString("82a47479706501a36e7370a12f");
            Assert.NotNull(decoder.DecodeBinary(bytes));
            Assert.NotNull(decoder.DecodeBinary(new ReadOnlyMemory<byte>(new byte[] { 0xff, 0xff }.Concat(bytes).ToArray(), 2, bytes.Length)));
            Assert.Equal(SioPacketType.Disconnect, MsgPackVectorTests.Decode("82a47479706501a36e7370a12f").Type);
        }
    }
}
