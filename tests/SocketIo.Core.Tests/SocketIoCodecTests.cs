using System.Collections.Generic;
using System.Collections.Specialized;
using SocketIo.Core.EngineIo;
using SocketIo.Core.SocketIo;
using SocketIo.Core.Tests.Infrastructure;
using Xunit;
using static SocketIo.Core.Tests.Infrastructure.Wire;
using SocketIo.Core.Json;

namespace SocketIo.Core.Tests
{
    /// <summary>Socket.IO v5 text packets: vectors S1–S21 of the protocol notes (§4.2), both directions.</summary>
    public class SocketIoCodecTests
    {
        // ---- client → server: the encoder writes the wire(WS) column exactly ----

        [Fact]
        public void S1_ConnectMain() => Assert.Equal("40", Text(Single(SioPacketEncoder.EncodeConnect("/", null))));

        [Fact]
        public void S2_ConnectMainWithAuth() =>
            Assert.Equal("40{\"token\":\"abc\"}", Text(Single(SioPacketEncoder.EncodeConnect("/", Obj(("token", "abc"))))));

        [Fact]
        public void S3_ConnectNamespace() => Assert.Equal("40/admin,", Text(Single(SioPacketEncoder.EncodeConnect("/admin", null))));

        [Fact]
        public void S4_ConnectNamespaceWithAuth() =>
            Assert.Equal("40/admin,{\"token\":\"abc\"}", Text(Single(SioPacketEncoder.EncodeConnect("/admin", Obj(("token", "abc"))))));

        [Fact]
        public void S7_ReconnectWithRecoveryAndAuth() =>
            Assert.Equal("40{\"pid\":\"bxzPzQ\",\"offset\":\"MzUPkW0\",\"token\":\"abc\"}",
                Text(Single(SioPacketEncoder.EncodeConnect("/", Obj(("pid", "bxzPzQ"), ("offset", "MzUPkW0"), ("token", "abc"))))));

        [Fact]
        public void S8_DisconnectMain() => Assert.Equal("41", Text(Single(SioPacketEncoder.EncodeDisconnect("/"))));

        [Fact]
        public void S9_DisconnectNamespace() => Assert.Equal("41/admin,", Text(Single(SioPacketEncoder.EncodeDisconnect("/admin"))));

        [Fact]
        public void S10_Event() =>
            Assert.Equal("42[\"hello\",\"world\"]", Text(Single(SioPacketEncoder.EncodeEvent("/", null, Args("hello", "world")))));

        [Fact]
        public void S11_EventWithObject() =>
            Assert.Equal("42[\"position\",{\"x\":1,\"y\":2.5,\"on\":true,\"n\":null}]",
                Text(Single(SioPacketEncoder.EncodeEvent("/", null, Args("position", Obj(("x", 1), ("y", 2.5), ("on", true), ("n", null)))))));

        [Fact]
        public void S12_EventWithAckId() => Assert.Equal("4212[\"foo\"]", Text(Single(SioPacketEncoder.EncodeEvent("/", 12, Args("foo")))));

        [Fact]
        public void S13_EventOnNamespace() => Assert.Equal("42/admin,[\"bar\"]", Text(Single(SioPacketEncoder.EncodeEvent("/admin", null, Args("bar")))));

        [Fact]
        public void S14_EventOnNamespaceWithAckId() =>
            Assert.Equal("42/admin,7[\"bar\",1]", Text(Single(SioPacketEncoder.EncodeEvent("/admin", 7, Args("bar", 1)))));

        [Fact]
        public void S15_Ack() => Assert.Equal("4312[\"ok\"]", Text(Single(SioPacketEncoder.EncodeAck("/", 12, Args("ok")))));

        [Fact]
        public void S16_AckWithoutArguments() => Assert.Equal("430[]", Text(Single(SioPacketEncoder.EncodeAck("/", 0, Args()))));

        [Fact]
        public void S17_AckOnNamespace() => Assert.Equal("43/admin,13[\"bar\"]", Text(Single(SioPacketEncoder.EncodeAck("/admin", 13, Args("bar")))));

        [Fact]
        public void NonAsciiTextIsWrittenRawLikeJsonStringify() =>
            Assert.Equal("42[\"msg\",\"café € \\\"q\\\" <b>\"]", Text(Single(SioPacketEncoder.EncodeEvent("/", null, Args("msg", "café € \"q\" <b>")))));

        // ---- the decoder reads every vector (including the ones only a server sends) ----

        [Theory]
        [InlineData("0", "/")]                                 // S1
        [InlineData("0{\"token\":\"abc\"}", "/")]              // S2
        [InlineData("0/admin,", "/admin")]                     // S3
        [InlineData("0/admin,{\"token\":\"abc\"}", "/admin")]  // S4
        [InlineData("0{\"pid\":\"bxzPzQ\",\"offset\":\"MzUPkW0\",\"token\":\"abc\"}", "/")] // S7
        public void ConnectWithoutSidDecodes(string sio, string nsp)
        {
            var packet = Decode(sio);

            Assert.Equal(SioPacketType.Connect, packet.Type);
            Assert.Equal(nsp, packet.Namespace);
            Assert.Null(packet.Id);
            Assert.Null(packet.Sid);
        }

        [Fact]
        public void S5_ConnectReply()
        {
            var packet = Decode("0{\"sid\":\"wZX3oN0bSVIhsaknAAAI\"}");

            Assert.Equal(SioPacketType.Connect, packet.Type);
            Assert.Equal("/", packet.Namespace);
            Assert.Equal("wZX3oN0bSVIhsaknAAAI", packet.Sid);
            Assert.Null(packet.Pid);
        }

        [Fact]
        public void S6_ConnectReplyWithRecovery()
        {
            var packet = Decode("0/chat,{\"sid\":\"wZX3oN0bSVIhsaknAAAI\",\"pid\":\"bxzPzQ\"}");

            Assert.Equal("/chat", packet.Namespace);
            Assert.Equal("wZX3oN0bSVIhsaknAAAI", packet.Sid);
            Assert.Equal("bxzPzQ", packet.Pid);
        }

        [Theory]
        [InlineData("1", "/")]        // S8
        [InlineData("1/admin,", "/admin")] // S9
        public void DisconnectDecodes(string sio, string nsp)
        {
            var packet = Decode(sio);

            Assert.Equal(SioPacketType.Disconnect, packet.Type);
            Assert.Equal(nsp, packet.Namespace);
            Assert.Null(packet.Payload);
        }

        [Theory]
        [InlineData("2[\"hello\",\"world\"]", SioPacketType.Event, "/", -1, "[\"hello\",\"world\"]")] // S10
        [InlineData("2[\"position\",{\"x\":1,\"y\":2.5,\"on\":true,\"n\":null}]", SioPacketType.Event, "/", -1,
            "[\"position\",{\"x\":1,\"y\":2.5,\"on\":true,\"n\":null}]")]                              // S11
        [InlineData("212[\"foo\"]", SioPacketType.Event, "/", 12, "[\"foo\"]")]                         // S12
        [InlineData("2/admin,[\"bar\"]", SioPacketType.Event, "/admin", -1, "[\"bar\"]")]              // S13
        [InlineData("2/admin,7[\"bar\",1]", SioPacketType.Event, "/admin", 7, "[\"bar\",1]")]          // S14
        [InlineData("312[\"ok\"]", SioPacketType.Ack, "/", 12, "[\"ok\"]")]                             // S15
        [InlineData("30[]", SioPacketType.Ack, "/", 0, "[]")]                                           // S16
        [InlineData("3/admin,13[\"bar\"]", SioPacketType.Ack, "/admin", 13, "[\"bar\"]")]              // S17
        [InlineData("2[\"news\",\"hi\",\"MzUPkW0\"]", SioPacketType.Event, "/", -1, "[\"news\",\"hi\",\"MzUPkW0\"]")] // S21
        public void EventsAndAcksDecode(string sio, SioPacketType type, string nsp, long id, string arguments)
        {
            var packet = Decode(sio);

            Assert.Equal(type, packet.Type);
            Assert.Equal(nsp, packet.Namespace);
            Assert.Equal(id < 0 ? null : id, packet.Id);
            Assert.Equal(arguments, ToJson(packet.Arguments));
        }

        [Fact]
        public void S18_ConnectError()
        {
            var packet = Decode("4{\"message\":\"Not authorized\"}");

            Assert.Equal(SioPacketType.ConnectError, packet.Type);
            Assert.Equal("/", packet.Namespace);
            Assert.Equal("Not authorized", packet.ErrorMessage);
            Assert.Null(packet.Payload);
        }

        [Fact]
        public void S19_ConnectErrorWithData()
        {
            var packet = Decode("4/admin,{\"message\":\"auth failed\",\"data\":{\"code\":401}}");

            Assert.Equal("/admin", packet.Namespace);
            Assert.Equal("auth failed", packet.ErrorMessage);
            var data = Assert.IsType<OrderedJsonObject>(packet.Payload);
            Assert.Equal(401, data["code"]);
        }

        [Fact]
        public void S20_ConnectErrorAsBareString()
        {
            var packet = Decode("4/x,\"Unable to connect\"");

            Assert.Equal(SioPacketType.ConnectError, packet.Type);
            Assert.Equal("/x", packet.Namespace);
            Assert.Equal("Unable to connect", packet.ErrorMessage);
        }

        [Fact]
        public void DisconnectWithPayloadIsTolerated()
        {
            // §4.6 last row / §5.7: python's always_connect refusal. Node would reject it; we keep the payload.
            var packet = Decode("1{\"x\":1}");

            Assert.Equal(SioPacketType.Disconnect, packet.Type);
            var payload = Assert.IsType<OrderedJsonObject>(packet.Payload);
            Assert.Equal(1, payload["x"]);
        }

        [Fact]
        public void NumericEventNameBecomesText()
        {
            var packet = Decode("2[42,\"x\"]");

            Assert.Equal(new object?[] { "42", "x" }, packet.Arguments);
        }

        // ---- round trips: what the client encodes, a decoder reads back unchanged ----

        public static IEnumerable<object?[]> RoundTripCases() => new[]
        {
            new object?[] { "/", null, Args("e") },
            new object?[] { "/admin", 0L, Args("e", 1, -2L, 3.25, "s", true, false, null) },
            new object?[] { "/a/b", 9007199254740991L, Args("e", Obj(("k", new object?[] { 1, Obj(("deep", "é")) }))) },
            new object?[] { "/", 5L, Args("e", new object?[0], Obj()) },
        };

        [Theory]
        [MemberData(nameof(RoundTripCases))]
        public void EventsRoundTrip(string nsp, long? id, object?[] arguments)
        {
            var frame = Text(Single(SioPacketEncoder.EncodeEvent(nsp, id, arguments)));
            Assert.Equal('4', frame[0]);

            var packet = Decode(frame.Substring(1));

            Assert.Equal(SioPacketType.Event, packet.Type);
            Assert.Equal(nsp, packet.Namespace);
            Assert.Equal(id, packet.Id);
            Assert.Equal(ToJson(arguments), ToJson(packet.Arguments));
        }

        [Fact]
        public void AckRoundTrips()
        {
            var frame = Text(Single(SioPacketEncoder.EncodeAck("/admin", 123456789012L, Args("a", Obj(("b", 2))))));

            var packet = Decode(frame.Substring(1));

            Assert.Equal(SioPacketType.Ack, packet.Type);
            Assert.Equal("/admin", packet.Namespace);
            Assert.Equal(123456789012L, packet.Id);
            Assert.Equal("[\"a\",{\"b\":2}]", ToJson(packet.Arguments));
        }

        private static OutgoingFrame Single(List<OutgoingFrame> frames) => Assert.Single(frames);
    }
}
