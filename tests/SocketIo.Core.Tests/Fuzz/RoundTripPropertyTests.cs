using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Linq;
using System.Text;
using System.Text.Json;
using CsCheck;
using SocketIo.Core.EngineIo;
using SocketIo.Core.Json;
using SocketIo.Core.SockJs;
using SocketIo.Core.SocketIo;
using Xunit;
using Xunit.Abstractions;

namespace SocketIo.Core.Tests.Fuzz
{
    /// <summary>decode(encode(p)) == p for generated packets, payloads, SockJS client frames and JSON trees.</summary>
    [Trait("Category", "Fuzz")]
    [Collection(FuzzHarness.Collection)]
    public class RoundTripPropertyTests
    {
        private const int CiInputs = 5000;

        private readonly ITestOutputHelper _output;

        public RoundTripPropertyTests(ITestOutputHelper output) => _output = output;

        [Fact]
        public void JsonWriterThenReader() =>
            FuzzHarness.Run("RoundTrip JsonValueWriter→JsonValueReader", FuzzGen.Json(maxDepth: 5), tree =>
                JsonAssert.Equal(tree, JsonValueReader.Read(FuzzGen.ToJson(tree), DefaultJsonValueFactory.Instance)), CiInputs, _output);

        private static readonly Gen<(string Nsp, long? Id, string Name, object?[] Args)> Events =
            Gen.Select(FuzzGen.Namespace, FuzzGen.AckId, FuzzGen.EventName, FuzzGen.Json(withBinary: true, maxDepth: 3).Array[0, 4]);

        [Fact]
        public void SioEventEncoderThenDecoder() =>
            FuzzHarness.Run("RoundTrip SioPacketEncoder→SioPacketDecoder (events)", Events, e =>
            {
                var arguments = new object?[] { e.Name }.Concat(e.Args).ToArray();
                if (RefusedForAttachments(arguments, () => SioPacketEncoder.EncodeEvent(e.Nsp, e.Id, arguments))) return;
                var packet = Decode(SioPacketEncoder.EncodeEvent(e.Nsp, e.Id, arguments));
                Assert.Equal(CountBinary(e.Args) > 0 ? SioPacketType.BinaryEvent : SioPacketType.Event, packet.Type);
                Assert.Equal(e.Nsp, packet.Namespace);
                Assert.Equal(e.Id, packet.Id);
                JsonAssert.Equal(arguments, packet.Arguments);
            }, CiInputs, _output);

        [Fact]
        public void SioAckEncoderThenDecoder() =>
            FuzzHarness.Run("RoundTrip SioPacketEncoder→SioPacketDecoder (acks)",
                Gen.Select(FuzzGen.Namespace, Gen.Long[0, 999_999_999_999_999_999], FuzzGen.Json(withBinary: true, maxDepth: 3).Array[0, 4]), t =>
                {
                    var (nsp, id, args) = t;
                    if (RefusedForAttachments(args, () => SioPacketEncoder.EncodeAck(nsp, id, args))) return;
                    var packet = Decode(SioPacketEncoder.EncodeAck(nsp, id, args));
                    Assert.Equal(CountBinary(args) > 0 ? SioPacketType.BinaryAck : SioPacketType.Ack, packet.Type);
                    Assert.Equal(nsp, packet.Namespace);
                    Assert.Equal(id, packet.Id);
                    JsonAssert.Equal(args, packet.Arguments);
                }, CiInputs, _output);

        [Fact]
        public void SioConnectAndDisconnectEncoderThenDecoder() =>
            FuzzHarness.Run("RoundTrip SioPacketEncoder→SioPacketDecoder (connect, disconnect)",
                Gen.Select(FuzzGen.Namespace, Gen.Select(FuzzGen.Text, FuzzGen.Json(maxDepth: 2)).Array[0, 4], FuzzGen.Text.Null()), t =>
                {
                    var (nsp, pairs, sid) = t;
                    var auth = FuzzGen.Object(pairs);
                    if (sid != null) auth["sid"] = sid;
                    var connect = Decode(SioPacketEncoder.EncodeConnect(nsp, auth));
                    Assert.Equal(SioPacketType.Connect, connect.Type);
                    Assert.Equal(nsp, connect.Namespace);
                    Assert.Equal(auth["sid"] as string, connect.Sid);

                    var disconnect = Decode(SioPacketEncoder.EncodeDisconnect(nsp));
                    Assert.Equal(SioPacketType.Disconnect, disconnect.Type);
                    Assert.Equal(nsp, disconnect.Namespace);
                }, CiInputs, _output);

        private static readonly Gen<OutgoingFrame> PayloadFrame =
            Gen.Frequency(
                (3, Gen.Select(Gen.Int[0, 6], FuzzGen.Text, (type, text) => EnginePacketCodec.EncodeText((EnginePacketType)type, text.Replace("\x1e", string.Empty)))),
                (1, FuzzGen.Binary.Select(bytes => new OutgoingFrame(new ArraySegment<byte>(bytes), isBinary: true))));

        [Fact]
        public void EnginePayloadEncodeThenDecode() =>
            FuzzHarness.Run("RoundTrip EncodePayload→DecodePayload", PayloadFrame.Array[1, 6], frames =>
            {
                var packets = EnginePacketCodec.DecodePayload(EnginePacketCodec.EncodePayload(frames));
                Assert.Equal(frames.Length, packets.Count);
                for (int i = 0; i < frames.Length; i++)
                {
                    var sent = frames[i].Bytes.ToArray();
                    Assert.Equal(frames[i].IsBinary, packets[i].IsBinary);
                    if (frames[i].IsBinary)
                    {
                        Assert.Equal(sent, packets[i].Data.ToArray());
                    }
                    else
                    {
                        Assert.Equal((EnginePacketType)(sent[0] - '0'), packets[i].Type);
                        Assert.Equal(sent.Skip(1).ToArray(), packets[i].Data.ToArray());
                    }
                }
            }, CiInputs, _output);

        [Fact]
        public void EngineTextEncodeThenDecode() =>
            FuzzHarness.Run("RoundTrip EncodeText→DecodeText", Gen.Select(Gen.Int[0, 6], FuzzGen.Text.Null()), t =>
            {
                var (type, text) = t;
                var packet = EnginePacketCodec.DecodeText(EnginePacketCodec.EncodeText((EnginePacketType)type, text).Bytes.ToArray());
                Assert.Equal((EnginePacketType)type, packet.Type);
                Assert.Equal(text ?? string.Empty, Encoding.UTF8.GetString(packet.Data.Span));
            }, CiInputs, _output);

        [Fact]
        public void SockJsClientFrames() =>
            FuzzHarness.Run("RoundTrip SockJS client frames", Gen.Select(FuzzGen.Text.Array[0, 4], FuzzGen.Json(maxDepth: 3).Array[1, 4]), t =>
            {
                var (texts, trees) = t;
                // Any text survives the client framing (a JSON array of strings), as a server reads it.
                using (var sent = JsonDocument.Parse(SockJsFrameCodec.EncodeMessages(texts)))
                    Assert.Equal(texts, sent.RootElement.EnumerateArray().Select(e => e.GetString()).ToArray());

                // JSON messages framed the same way and read back as a server frame ('a' + the array) come back byte for byte.
                var messages = trees.Select(tree => Encoding.UTF8.GetString(FuzzGen.ToJson(tree))).ToArray();
                var frame = SockJsFrameCodec.Decode("a" + Encoding.UTF8.GetString(SockJsFrameCodec.EncodeMessages(messages)));
                Assert.Equal(SockJsFrameType.Messages, frame.Type);
                Assert.Equal(messages, frame.Messages.Select(m => Encoding.UTF8.GetString(m)).ToArray());
                if (messages.Length == 1)
                    Assert.Equal(messages[0], SockJsFrameCodec.Decode("m" + Encoding.UTF8.GetString(FuzzGen.ToJson(messages[0]))).MessageText(0));
            }, CiInputs, _output);

        /// <summary>Decodes encoder output the way the manager does: Engine.IO first, then Socket.IO.</summary>
        private static SioPacket Decode(List<OutgoingFrame> frames)
        {
            var decoder = new SioPacketDecoder(DefaultJsonValueFactory.Instance, maxAttachments: int.MaxValue);
            SioPacket? packet = null;
            for (int i = 0; i < frames.Count; i++)
            {
                Assert.Null(packet); // nothing may complete before the last frame
                var bytes = frames[i].Bytes.ToArray();
                var engine = frames[i].IsBinary ? EnginePacketCodec.DecodeBinary(bytes) : EnginePacketCodec.DecodeText(bytes);
                if (!engine.IsBinary) Assert.Equal(EnginePacketType.Message, engine.Type);
                packet = engine.IsBinary ? decoder.DecodeBinary(engine.Data) : decoder.DecodeText(engine.Data.Span);
            }
            Assert.NotNull(packet);
            Assert.False(decoder.IsReconstructing);
            return packet!;
        }

        /// <summary>More than <see cref="SioPacketEncoder.MaxAttachments"/> byte[] values are refused before anything is encoded.</summary>
        private static bool RefusedForAttachments(object?[] arguments, Action encode)
        {
            int count = CountBinary(arguments);
            if (count <= SioPacketEncoder.MaxAttachments) return false;
            var e = Assert.Throws<SocketIoTooManyAttachmentsException>(encode);
            Assert.Equal(count, e.Count);
            return true;
        }

        private static int CountBinary(object? value) => value switch
        {
            byte[] _ => 1,
            object?[] items => items.Sum(CountBinary),
            OrderedJsonObject o => o.Values.Cast<object?>().Sum(CountBinary),
            _ => 0,
        };
    }

    /// <summary>Compares JSON trees by JSON's meaning: numbers by value (2.0 reads back as the integer 2).</summary>
    public static class JsonAssert
    {
        public static void Equal(object? expected, object? actual, string path = "$")
        {
            if (IsNumber(expected) && IsNumber(actual))
            {
                bool same = expected is double || actual is double
                    ? Convert.ToDouble(expected, System.Globalization.CultureInfo.InvariantCulture) == Convert.ToDouble(actual, System.Globalization.CultureInfo.InvariantCulture)
                    : Convert.ToInt64(expected, System.Globalization.CultureInfo.InvariantCulture) == Convert.ToInt64(actual, System.Globalization.CultureInfo.InvariantCulture);
                if (!same) Fail(path, expected, actual);
                return;
            }
            switch (expected)
            {
                case null:
                case bool _:
                case string _:
                    if (!Equals(expected, actual)) Fail(path, expected, actual);
                    return;
                case byte[] bytes:
                    if (!(actual is byte[] got) || !bytes.AsSpan().SequenceEqual(got)) Fail(path, expected, actual);
                    return;
                case object?[] items:
                    if (!(actual is object?[] gotItems) || gotItems.Length != items.Length) { Fail(path, expected, actual); return; }
                    for (int i = 0; i < items.Length; i++) Equal(items[i], gotItems[i], $"{path}[{i}]");
                    return;
                case OrderedJsonObject properties:
                    if (!(actual is OrderedJsonObject gotProperties) || gotProperties.Count != properties.Count) { Fail(path, expected, actual); return; }
                    var keys = properties.Keys.Cast<string>().ToArray();
                    Assert.Equal(keys, gotProperties.Keys.Cast<string>().ToArray());
                    foreach (var key in keys) Equal(properties[key], gotProperties[key], $"{path}.{key}");
                    return;
                default:
                    throw new ArgumentException($"Not a JSON tree value: {expected.GetType()}");
            }
        }

        private static bool IsNumber(object? value) => value is int || value is long || value is double;

        private static void Fail(string path, object? expected, object? actual) =>
            throw new Xunit.Sdk.XunitException($"At {path}: expected {Printer.Print(expected)} ({expected?.GetType().Name}), got {Printer.Print(actual)} ({actual?.GetType().Name}).");
    }
}
