using System;
using System.Linq;
using System.Text;
using SocketIo.Core.EngineIo;
using SocketIo.Core.Tests.Infrastructure;
using Xunit;

namespace SocketIo.Core.Tests
{
    /// <summary>Engine.IO v4 packets and polling payloads: vectors E1–E10 of the protocol notes (§4.1).</summary>
    public class EngineCodecTests
    {
        private static EnginePacket DecodeText(string text) => EnginePacketCodec.DecodeText(Encoding.UTF8.GetBytes(text));

        [Fact]
        public void E1_OpenPacketDecodesAndItsHandshakeParses()
        {
            var packet = DecodeText("0{\"sid\":\"lv_VI97HAXpY6yYWAAAC\",\"upgrades\":[\"websocket\"],\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}");

            Assert.Equal(EnginePacketType.Open, packet.Type);
            var handshake = EngineHandshake.Parse(packet.Data);
            Assert.Equal("lv_VI97HAXpY6yYWAAAC", handshake.Sid);
            Assert.Equal(new[] { "websocket" }, handshake.Upgrades);
            Assert.Equal(TimeSpan.FromMilliseconds(25000), handshake.PingInterval);
            Assert.Equal(TimeSpan.FromMilliseconds(20000), handshake.PingTimeout);
            Assert.Equal(1000000, handshake.MaxPayload);
        }

        [Fact]
        public void HandshakeWithoutOptionalFieldsUsesDefaults()
        {
            var handshake = EngineHandshake.Parse(Encoding.UTF8.GetBytes("{\"sid\":\"x\"}"));

            Assert.Empty(handshake.Upgrades);
            Assert.Equal(TimeSpan.FromMilliseconds(25000), handshake.PingInterval);
            Assert.Equal(0, handshake.MaxPayload);
        }

        [Fact]
        public void HandshakeReadsAsADocumentWould()
        {
            var handshake = EngineHandshake.Parse(Encoding.UTF8.GetBytes(
                "{\"sid\":\"a\",\"extra\":{\"sid\":\"no\"},\"upgrades\":[\"websocket\",{\"a\":[1]},2,null],\"pingInterval\":\"9\",\"sid\":\"b\"} "));

            Assert.Equal("b", handshake.Sid); // a repeated property: the last value counts; nested ones are not the packet's
            Assert.Equal(new[] { "websocket" }, handshake.Upgrades);
            Assert.Equal(TimeSpan.FromMilliseconds(25000), handshake.PingInterval); // not a number: the default
        }

        [Theory]
        [InlineData("[1]")]
        [InlineData("{\"upgrades\":[]}")]
        [InlineData("{\"sid\":1}")]
        [InlineData("{\"sid\":")]
        [InlineData("{\"sid\":\"x\"} 1")]
        [InlineData("{\"sid\":\"x\",\"sid\":null}")]
        [InlineData("")]
        public void BadHandshakeIsAProtocolError(string json)
        {
            Assert.Throws<SocketIoProtocolException>(() => EngineHandshake.Parse(Encoding.UTF8.GetBytes(json)));
        }

        [Theory]
        [InlineData("2", EnginePacketType.Ping, "")]          // E2
        [InlineData("3", EnginePacketType.Pong, "")]          // E2
        [InlineData("2probe", EnginePacketType.Ping, "probe")] // E3
        [InlineData("3probe", EnginePacketType.Pong, "probe")] // E3
        [InlineData("5", EnginePacketType.Upgrade, "")]       // E3
        [InlineData("4hello", EnginePacketType.Message, "hello")] // E4
        [InlineData("6", EnginePacketType.Noop, "")]          // E8
        [InlineData("1", EnginePacketType.Close, "")]         // E10
        public void TextPacketsDecode(string wire, EnginePacketType type, string payload)
        {
            var packet = DecodeText(wire);

            Assert.Equal(type, packet.Type);
            Assert.False(packet.IsBinary);
            Assert.Equal(payload, Wire.Text(packet));
        }

        [Theory]
        [InlineData(EnginePacketType.Pong, null, "3")]          // E2
        [InlineData(EnginePacketType.Ping, "probe", "2probe")]  // E3
        [InlineData(EnginePacketType.Upgrade, null, "5")]       // E3
        [InlineData(EnginePacketType.Message, "hello", "4hello")] // E4
        [InlineData(EnginePacketType.Close, null, "1")]         // E10
        [InlineData(EnginePacketType.Message, "café €", "4café €")]
        public void TextPacketsEncode(EnginePacketType type, string? payload, string wire)
        {
            Assert.Equal(wire, Wire.Text(EnginePacketCodec.EncodeText(type, payload)));
        }

        [Fact]
        public void E5_BinaryFrameIsABareMessage()
        {
            var packet = EnginePacketCodec.DecodeBinary(new byte[] { 1, 2, 3, 4 });

            Assert.Equal(EnginePacketType.Message, packet.Type);
            Assert.True(packet.IsBinary);
            Assert.Equal(new byte[] { 1, 2, 3, 4 }, packet.Data.ToArray());
        }

        [Fact]
        public void E6_BinaryInAPollingPayloadIsBase64BothWays()
        {
            var decoded = Assert.Single(EnginePacketCodec.DecodePayload("bAQIDBA=="));
            Assert.True(decoded.IsBinary);
            Assert.Equal(new byte[] { 1, 2, 3, 4 }, decoded.Data.ToArray());

            var frame = new OutgoingFrame(new ArraySegment<byte>(new byte[] { 1, 2, 3, 4 }), isBinary: true);
            Assert.Equal("bAQIDBA==", EnginePacketCodec.EncodePayload(new[] { frame }));
        }

        [Fact]
        public void E7_PayloadOfMessagesAndPingBothWays()
        {
            const string body = "4hello\x1e" + "2\x1e" + "4world";
            var packets = EnginePacketCodec.DecodePayload(body);

            Assert.Equal(new[] { EnginePacketType.Message, EnginePacketType.Ping, EnginePacketType.Message }, packets.Select(p => p.Type));
            Assert.Equal(new[] { "hello", "", "world" }, packets.Select(Wire.Text));

            var frames = new[]
            {
                EnginePacketCodec.EncodeText(EnginePacketType.Message, "hello"),
                EnginePacketCodec.EncodeText(EnginePacketType.Ping),
                EnginePacketCodec.EncodeText(EnginePacketType.Message, "world"),
            };
            Assert.Equal(body, EnginePacketCodec.EncodePayload(frames));
        }

        [Fact]
        public void E9_PayloadOfPingEventAndNoop()
        {
            var packets = EnginePacketCodec.DecodePayload("2\x1e" + "42[\"a\"]\x1e" + "6");

            Assert.Equal(new[] { EnginePacketType.Ping, EnginePacketType.Message, EnginePacketType.Noop }, packets.Select(p => p.Type));
            Assert.Equal("2[\"a\"]", Wire.Text(packets[1]));
        }

        [Fact]
        public void PayloadRoundTripsTextAndBinary()
        {
            var frames = new[]
            {
                EnginePacketCodec.EncodeText(EnginePacketType.Message, "2[\"x\",\"é\"]"),
                new OutgoingFrame(new ArraySegment<byte>(new byte[] { 0, 0xff, 0x1e }), isBinary: true),
                EnginePacketCodec.EncodeText(EnginePacketType.Pong),
            };

            var packets = EnginePacketCodec.DecodePayload(EnginePacketCodec.EncodePayload(frames));

            Assert.Equal(3, packets.Count);
            Assert.Equal("2[\"x\",\"é\"]", Wire.Text(packets[0]));
            Assert.Equal(new byte[] { 0, 0xff, 0x1e }, packets[1].Data.ToArray());
            Assert.Equal(EnginePacketType.Pong, packets[2].Type);
        }

        [Theory]
        [InlineData("7")]
        [InlineData("x")]
        [InlineData("/")]
        [InlineData("")]
        public void UnknownOrEmptyPacketIsAProtocolError(string wire)
        {
            Assert.Throws<SocketIoProtocolException>(() => DecodeText(wire));
        }

        [Fact]
        public void BadBase64InAPayloadIsAProtocolError()
        {
            Assert.Throws<SocketIoProtocolException>(() => EnginePacketCodec.DecodePayload("4a\x1e" + "b!!!"));
        }
    }
}
