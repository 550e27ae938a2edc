using System.Collections.Generic;
using System.Linq;
using SocketIo.Core.EngineIo;
using SocketIo.Core.Json;
using SocketIo.Core.SocketIo;
using Xunit;
using static SocketIo.Core.Tests.Infrastructure.Wire;

namespace SocketIo.Core.Tests
{
    /// <summary>Polling bodies: the B vectors' polling column (§4.3) and P1–P5 (§4.4).</summary>
    public class PollingPayloadTests
    {
        [Theory]
        [InlineData("452-/files,[\"upload\",{\"_placeholder\":true,\"num\":0},{\"meta\":\"x\",\"blob\":{\"_placeholder\":true,\"num\":1}}]\x1e" + "bAQI=\x1e" + "bAwQ=")] // B2
        [InlineData("452-3[\"upload\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]\x1e" + "bAQI=\x1e" + "bAwQ=")] // B3
        [InlineData("461-/admin,1[{\"_placeholder\":true,\"num\":0}]\x1e" + "b/w==")] // B6
        public void BinaryPacketsInPollingPayloadsDecodeAndReEncode(string body)
        {
            var packets = EnginePacketCodec.DecodePayload(body);
            var decoder = new SioPacketDecoder(DefaultJsonValueFactory.Instance);
            SioPacket? result = null;
            foreach (var packet in packets)
                result = packet.IsBinary ? decoder.DecodeBinary(packet.Data) : decoder.DecodeText(packet.Data.Span);
            Assert.NotNull(result);

            // Re-encode what was decoded: the same body comes out.
            var arguments = result!.Arguments!;
            var frames = result.IsEvent
                ? SioPacketEncoder.EncodeEvent(result.Namespace, result.Id, arguments)
                : SioPacketEncoder.EncodeAck(result.Namespace, result.Id!.Value, arguments);
            Assert.Equal(body, EnginePacketCodec.EncodePayload(frames));
        }

        [Fact]
        public void B7_ZeroAttachmentsInAPollingBodyDecodeAtOnce()
        {
            var packet = Assert.Single(EnginePacketCodec.DecodePayload("450-[\"x\"]"));

            var decoded = new SioPacketDecoder(DefaultJsonValueFactory.Instance).DecodeText(packet.Data.Span);

            Assert.Equal(SioPacketType.BinaryEvent, decoded!.Type);
            Assert.Equal(new object[] { "x" }, decoded.Arguments);
            // The client itself writes a plain EVENT when there is no binary data.
            Assert.Equal("42[\"x\"]", EnginePacketCodec.EncodePayload(SioPacketEncoder.EncodeEvent("/", null, Args("x"))));
        }

        [Fact]
        public void B1_PollingBody() =>
            Assert.Equal("451-[\"baz\",{\"_placeholder\":true,\"num\":0}]\x1e" + "bAQIDBA==",
                EnginePacketCodec.EncodePayload(SioPacketEncoder.EncodeEvent("/", null, Args("baz", new byte[] { 1, 2, 3, 4 }))));

        [Fact]
        public void B5_PollingBody() =>
            Assert.Equal("461-15[\"bar\",{\"_placeholder\":true,\"num\":0}]\x1e" + "bAQIDBA==",
                EnginePacketCodec.EncodePayload(SioPacketEncoder.EncodeAck("/", 15, Args("bar", new byte[] { 1, 2, 3, 4 }))));

        [Fact]
        public void P1_TwoEvents()
        {
            var frames = SioPacketEncoder.EncodeEvent("/", null, Args("hello"))
                .Concat(SioPacketEncoder.EncodeEvent("/", null, Args("world"))).ToList();

            Assert.Equal("42[\"hello\"]\x1e" + "42[\"world\"]", EnginePacketCodec.EncodePayload(frames));
            Assert.Equal(new[] { "2[\"hello\"]", "2[\"world\"]" }, EnginePacketCodec.DecodePayload("42[\"hello\"]\x1e" + "42[\"world\"]").Select(Text));
        }

        [Fact]
        public void P2_BinaryEventThenPing()
        {
            var packets = EnginePacketCodec.DecodePayload(
                "452-/files,[\"upload\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]\x1e" + "bAQI=\x1e" + "bAwQ=\x1e" + "2");
            var decoder = new SioPacketDecoder(DefaultJsonValueFactory.Instance);

            Assert.Equal(4, packets.Count);
            Assert.Null(decoder.DecodeText(packets[0].Data.Span));
            Assert.Null(decoder.DecodeBinary(packets[1].Data));
            var packet = decoder.DecodeBinary(packets[2].Data);
            Assert.Equal(new object[] { "upload", new byte[] { 1, 2 }, new byte[] { 3, 4 } }, packet!.Arguments);
            Assert.Equal(EnginePacketType.Ping, packets[3].Type);
        }

        [Fact]
        public void P3_ConnectReplyThenEvent()
        {
            var packets = EnginePacketCodec.DecodePayload("40{\"sid\":\"wZX3oN0bSVIhsaknAAAI\"}\x1e" + "42[\"hey\",\"Jude\"]");
            var decoder = new SioPacketDecoder(DefaultJsonValueFactory.Instance);

            var connect = decoder.DecodeText(packets[0].Data.Span);
            var ev = decoder.DecodeText(packets[1].Data.Span);

            Assert.Equal("wZX3oN0bSVIhsaknAAAI", connect!.Sid);
            Assert.Equal(new object[] { "hey", "Jude" }, ev!.Arguments);
        }

        [Fact]
        public void P4_PongThenEventWithAckOnNamespace()
        {
            var frames = new List<OutgoingFrame> { EnginePacketCodec.EncodeText(EnginePacketType.Pong) };
            frames.AddRange(SioPacketEncoder.EncodeEvent("/admin", 5, Args("status")));

            Assert.Equal("3\x1e" + "42/admin,5[\"status\"]", EnginePacketCodec.EncodePayload(frames));
        }

        [Fact]
        public void P5_TwoConnects()
        {
            var frames = SioPacketEncoder.EncodeConnect("/", null)
                .Concat(SioPacketEncoder.EncodeConnect("/admin", Obj(("token", "abc")))).ToList();

            Assert.Equal("40\x1e" + "40/admin,{\"token\":\"abc\"}", EnginePacketCodec.EncodePayload(frames));
        }
    }
}
