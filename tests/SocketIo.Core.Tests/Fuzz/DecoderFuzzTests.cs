using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using CsCheck;
using SocketIo.Core.EngineIo;
using SocketIo.Core.Json;
using SocketIo.Core.OctoPrint;
using SocketIo.Core.SockJs;
using SocketIo.Core.SocketIo;
using Xunit;
using Xunit.Abstractions;

namespace SocketIo.Core.Tests.Fuzz
{
    /// <summary>
    /// Every decoder, fed random and mutated input: each input either decodes (into something its consumer can use)
    /// or is refused with <see cref="SocketIoProtocolException"/> — never another exception, never a hang.
    /// One property per decoder; the long run (bench/Invoke-Fuzz.ps1) runs the same ones with more inputs.
    /// </summary>
    [Trait("Category", "Fuzz")]
    [Collection(FuzzHarness.Collection)]
    public class DecoderFuzzTests
    {
        internal const int CiInputs = 10_000;

        private readonly ITestOutputHelper _output;

        public DecoderFuzzTests(ITestOutputHelper output) => _output = output;

        // ---- Engine.IO -------------------------------------------------------------------------------------------

        private static readonly string[] EngineGrammar = { "0", "1", "2", "3", "4", "5", "6", "7", "9", "probe", "40", "42", "451-", "b", "\x1e" };

        internal static Gen<byte[]> EngineTextValid =>
            Gen.Frequency(
                (1, Gen.OneOf("2", "3", "6", "1", "5", "2probe", "3probe", "40", "41").Select(Encoding.UTF8.GetBytes)),
                (1, HandshakeValid.Select(json => new[] { (byte)'0' }.Concat(json).ToArray())),
                (4, SioFramesValid.Select(frames => frames.First(f => !f.IsBinary).Data).Select(sio => new[] { (byte)'4' }.Concat(sio).ToArray())));

        [Fact]
        public void EnginePacketCodecDecodeText() =>
            FuzzHarness.Run("EnginePacketCodec.DecodeText", FuzzGen.Input(EngineTextValid, EngineGrammar.Concat(new[] { "AQIDBA==", "=", "+/" }).ToArray()), input =>
            {
                FuzzHarness.DecodesOrProtocolError(() =>
                {
                    var packet = EnginePacketCodec.DecodeText(input);
                    Assert.InRange((int)packet.Type, 0, 6);
                    Assert.False(packet.IsBinary);
                    Assert.Equal(input.Length - 1, packet.Data.Length);
                });
                Assert.True(EnginePacketCodec.DecodeBinary(input).IsBinary);
                // forceBase64 WebSocket frames: 'b' + base64 (the 'b' already taken off)
                FuzzHarness.DecodesOrProtocolError(() => Assert.True(EnginePacketCodec.DecodeBase64(input).IsBinary));
            }, CiInputs, _output);

        internal static Gen<string> PayloadValid =>
            Gen.Frequency(
                    (3, EngineTextValid.Select(bytes => new OutgoingFrame(new ArraySegment<byte>(bytes), false))),
                    (1, FuzzGen.Binary.Select(bytes => new OutgoingFrame(new ArraySegment<byte>(bytes), true))))
                .Array[1, 4]
                .Select(frames => EnginePacketCodec.EncodePayload(frames.Where(f => f.IsBinary || !f.Bytes.Contains((byte)0x1e)).ToList()));

        internal static Gen<string> PayloadInput =>
            Gen.Select(FuzzGen.Input(PayloadValid.Select(Encoding.UTF8.GetBytes), EngineGrammar.Concat(new[] { "bAQIDBA==", "b!!", "b====", "bAA", "\x1e\x1e" }).ToArray()),
                Gen.Int[0, 9], Gen.Int[0, int.MaxValue],
                (bytes, surrogate, at) =>
                {
                    var text = Encoding.UTF8.GetString(bytes);
                    // a lone surrogate now and then: the payload is a .NET string, which UTF-8 decoding never yields
                    return surrogate == 0 ? text.Insert(at % (text.Length + 1), "\ud800") : text;
                });

        [Fact]
        public void EnginePacketCodecDecodePayload() =>
            FuzzHarness.Run("EnginePacketCodec.DecodePayload", PayloadInput, payload =>
                FuzzHarness.DecodesOrProtocolError(() =>
                {
                    var packets = EnginePacketCodec.DecodePayload(payload);
                    Assert.Equal(payload.Count(c => c == EnginePacketCodec.RecordSeparator) + 1, packets.Count);
                }), CiInputs, _output);

        private static readonly string[] HandshakeNumbers = FuzzGen.HugeNumbers.Concat(new[] { "25000", "20000", "1000000", "0", "-1", "1.5", "\"25000\"", "null", "true", "[]", "{}" }).ToArray();

        internal static Gen<byte[]> HandshakeValid =>
            Gen.Select(FuzzGen.Text, Gen.OneOf(HandshakeNumbers), Gen.OneOf(HandshakeNumbers), Gen.OneOf(HandshakeNumbers),
                Gen.OneOf("[]", "[\"websocket\"]", "[\"websocket\",1,null]", "null", "\"websocket\""),
                (sid, interval, timeout, max, upgrades) => Encoding.UTF8.GetBytes(
                    $"{{\"sid\":{Encoding.UTF8.GetString(FuzzGen.ToJson(sid))},\"upgrades\":{upgrades},\"pingInterval\":{interval},\"pingTimeout\":{timeout},\"maxPayload\":{max}}}"));

        [Fact]
        public void EngineHandshakeParse() =>
            FuzzHarness.Run("EngineHandshake.Parse", FuzzGen.Input(HandshakeValid, new[] { "\"sid\"", "\"pingInterval\"", "\"pingTimeout\"", "\"maxPayload\"", "\"upgrades\"" }), input =>
                FuzzHarness.DecodesOrProtocolError(() =>
                {
                    var handshake = EngineHandshake.Parse(input);
                    Assert.NotNull(handshake.Sid);
                    Assert.All(handshake.Upgrades, Assert.NotNull);
                    Assert.True(handshake.MaxPayload >= 0, "maxPayload must not be negative");
                    // What EngineSocket arms its watchdog with must be a valid System.Threading.Timer due time.
                    var due = handshake.PingInterval + handshake.PingTimeout;
                    Assert.InRange(due.TotalMilliseconds, 0, uint.MaxValue - 1);
                }), CiInputs, _output);

        // ---- Socket.IO -------------------------------------------------------------------------------------------

        private static readonly string[] SioGrammar = { "0", "1", "2", "3", "4", "5", "6", "7", "51-", "52-", "510-", "511-", "5-", "-", "/", "/admin,", ",", "42", "9" };

        /// <summary>What a server sends: the encoder's own packets (events and acks with attachments), CONNECT replies, errors.</summary>
        internal static Gen<Frame[]> SioFramesValid =>
            Gen.Frequency(
                (4, Gen.Select(FuzzGen.Namespace, FuzzGen.AckId, FuzzGen.EventName, FuzzGen.Json(withBinary: true, maxDepth: 3).Array[0, 4],
                    (nsp, id, name, args) => Strip(SioPacketEncoder.EncodeEvent(nsp, id, FuzzGen.CapBinary(new object?[] { name }.Concat(args).ToArray()))))),
                (2, Gen.Select(FuzzGen.Namespace, Gen.Long[0, 1000], FuzzGen.Json(withBinary: true, maxDepth: 3).Array[0, 3],
                    (nsp, id, args) => Strip(SioPacketEncoder.EncodeAck(nsp, id, FuzzGen.CapBinary(args))))),
                (1, Gen.Select(FuzzGen.Namespace, FuzzGen.Text, Gen.Bool,
                    (nsp, sid, pid) => TextFrame($"0{Prefix(nsp)}{{\"sid\":{Json(sid)}{(pid ? ",\"pid\":\"p\"" : "")}}}"))),
                (1, Gen.Select(FuzzGen.Namespace, FuzzGen.Text, FuzzGen.Json(maxDepth: 2),
                    (nsp, message, data) => TextFrame($"4{Prefix(nsp)}{{\"message\":{Json(message)},\"data\":{Json(data)}}}"))),
                (1, Gen.Select(FuzzGen.Namespace, FuzzGen.Text, (nsp, message) => TextFrame($"4{Prefix(nsp)}{Json(message)}"))),
                (1, FuzzGen.Namespace.Select(nsp => TextFrame($"1{Prefix(nsp)}"))));

        [Fact]
        public void SioPacketDecoderTextAndBinary() =>
            FuzzHarness.Run("SioPacketDecoder", Gen.Frequency((3, FuzzGen.MutatedFrames(SioFramesValid, SioGrammar)), (1, SioFramesValid)), frames =>
            {
                var decoder = new SioPacketDecoder(DefaultJsonValueFactory.Instance);
                foreach (var frame in frames)
                {
                    try
                    {
                        var packet = frame.IsBinary ? decoder.DecodeBinary(frame.Data) : decoder.DecodeText(frame.Data);
                        if (packet != null) AssertUsable(packet);
                    }
                    catch (SocketIoProtocolException)
                    {
                        decoder.Reset(); // as a new connection would start
                    }
                }
            }, CiInputs, _output);

        /// <summary>What NamespaceSocket relies on without checking again.</summary>
        private static void AssertUsable(SioPacket packet)
        {
            Assert.True(packet.Namespace.StartsWith("/", StringComparison.Ordinal), "a namespace starts with /");
            switch (packet.Type)
            {
                case SioPacketType.Event:
                case SioPacketType.BinaryEvent:
                    Assert.NotNull(packet.Arguments);
                    Assert.NotEmpty(packet.Arguments!);
                    var name = Assert.IsType<string>(packet.Arguments![0]);
                    Assert.False(ReservedEventNames.Contains(name));
                    break;
                case SioPacketType.Ack:
                case SioPacketType.BinaryAck:
                    Assert.NotNull(packet.Arguments);
                    Assert.NotNull(packet.Id);
                    break;
            }
            if (packet.Id != null) Assert.True(packet.Id >= 0);
        }

        // ---- JSON ------------------------------------------------------------------------------------------------

        internal static readonly Gen<byte[]> JsonValid = FuzzGen.Json(maxDepth: 5).Select(FuzzGen.ToJson);

        [Fact]
        public void JsonValueReaderRead() =>
            FuzzHarness.Run("JsonValueReader", Gen.Select(FuzzGen.Input(JsonValid, Array.Empty<string>()), Gen.Int[-1, 3]), t =>
            {
                var (input, attachments) = t;
                var received = attachments < 0 ? null : Enumerable.Range(0, attachments).Select(i => new[] { (byte)i }).ToList();
                FuzzHarness.DecodesOrProtocolError(() => JsonValueReader.Read(input, DefaultJsonValueFactory.Instance, received));
                FuzzHarness.DecodesOrProtocolError(() => Assert.NotNull(JsonValueReader.ReadArray(input, DefaultJsonValueFactory.Instance, received)));
            }, CiInputs, _output);

        // ---- SockJS ----------------------------------------------------------------------------------------------

        private static readonly string[] SockJsGrammar = { "o", "h", "a", "m", "c", "c[3000,\"Go away!\"]", "[\"{}\"]", "\"[]\"", "\"\\\"x\\\"\"" };

        internal static Gen<byte[]> SockJsValid =>
            Gen.Frequency(
                (1, Gen.OneOf("o", "h", "c[3000,\"Go away!\"]", "c[1000,\"Normal closure\"]", "a[]", "m\"{}\"").Select(Encoding.UTF8.GetBytes)),
                (3, Gen.Select(JsonValid, Gen.Bool, (json, asString) => asString ? FuzzGen.ToJson(Encoding.UTF8.GetString(json)) : json)
                    .Array[1, 3].Select(messages => Encoding.UTF8.GetBytes("a[" + string.Join(",", messages.Select(Encoding.UTF8.GetString)) + "]"))),
                (1, JsonValid.Select(json => new[] { (byte)'m' }.Concat(FuzzGen.ToJson(Encoding.UTF8.GetString(json))).ToArray())),
                (1, Gen.Select(Gen.Int, FuzzGen.Text, (code, reason) => Encoding.UTF8.GetBytes($"c[{code},{Json(reason)}]"))));

        [Fact]
        public void SockJsFrameCodecDecode() =>
            FuzzHarness.Run("SockJsFrameCodec.Decode", FuzzGen.Input(SockJsValid, SockJsGrammar), input =>
                FuzzHarness.DecodesOrProtocolError(() =>
                {
                    var frame = SockJsFrameCodec.Decode(input);
                    Assert.NotNull(frame.Messages);
                    Assert.All(frame.Messages, Assert.NotNull);
                    if (frame.Type == SockJsFrameType.Close) Assert.NotNull(frame.CloseReason);
                }), CiInputs, _output);

        // ---- OctoPrint -------------------------------------------------------------------------------------------

        private static readonly string[] OctoPrintGrammar = { "{\"event\":", "{\"current\":", "{\"reauthRequired\":", "{\"connected\":", "\"type\"", "\"payload\"", "\"reason\"", "\"version\"", "\"PrintDone\"" };

        internal static Gen<byte[]> OctoPrintValid =>
            Gen.Frequency(
                (2, Gen.Select(Gen.OneOf("current", "history", "plugin", "timelapse", "slicingProgress", "x"), FuzzGen.Json(maxDepth: 4),
                    (type, payload) => Encoding.UTF8.GetBytes($"{{{Json(type)}:{Json(payload)}}}"))),
                (2, Gen.Select(FuzzGen.Json(maxDepth: 1), FuzzGen.Json(maxDepth: 3),
                    (type, payload) => Encoding.UTF8.GetBytes($"{{\"event\":{{\"type\":{Json(type)},\"payload\":{Json(payload)}}}}}"))),
                (1, FuzzGen.Json(maxDepth: 1).Select(reason => Encoding.UTF8.GetBytes($"{{\"reauthRequired\":{{\"reason\":{Json(reason)}}}}}"))),
                (1, FuzzGen.Json(maxDepth: 1).Select(version => Encoding.UTF8.GetBytes($"{{\"connected\":{{\"version\":{Json(version)},\"safe_mode\":false}},\"current\":{{}}}}"))),
                (1, JsonValid));

        [Fact]
        public void OctoPrintMessageParserParse() =>
            FuzzHarness.Run("OctoPrintMessageParser.Parse", FuzzGen.Input(OctoPrintValid, OctoPrintGrammar), input =>
                FuzzHarness.DecodesOrProtocolError(() =>
                {
                    var messages = OctoPrintMessageParser.Parse(input, DefaultJsonValueFactory.Instance, DateTime.UtcNow);
                    Assert.All(messages, m => Assert.NotNull(m.Type));
                }), CiInputs, _output);

        // ---- helpers ---------------------------------------------------------------------------------------------

        /// <summary>Encoder output as the Socket.IO decoder receives it: text frames without the Engine.IO '4'.</summary>
        private static Frame[] Strip(List<OutgoingFrame> frames) =>
            frames.Select(f => f.IsBinary ? new Frame(true, f.Bytes.ToArray()) : new Frame(false, f.Bytes.Skip(1).ToArray())).ToArray();

        private static Frame[] TextFrame(string text) => new[] { new Frame(false, Encoding.UTF8.GetBytes(text)) };

        private static string Prefix(string nsp) => nsp == "/" ? string.Empty : nsp + ",";

        private static string Json(object? value) => Encoding.UTF8.GetString(FuzzGen.ToJson(value));
    }
}
