using System;
using System.Linq;
using CsCheck;
using SocketIo.Core.Json;
using SocketIo.Core.SocketIo;
using SocketIo.Core.SocketIo.MsgPack;
using Xunit;
using Xunit.Abstractions;

namespace SocketIo.Core.Tests.Fuzz
{
    /// <summary>The msgpack parser's decoder under the same properties as the JSON one: decodes or refuses with a
    /// protocol error, and decode(encode(p)) == p.</summary>
    [Trait("Category", "Fuzz")]
    [Collection(FuzzHarness.Collection)]
    public class MsgPackFuzzTests
    {
        private readonly ITestOutputHelper _output;

        public MsgPackFuzzTests(ITestOutputHelper output) => _output = output;

        /// <summary>MessagePack headers, many with lengths and counts far beyond the bytes that follow.</summary>
        private static readonly byte[][] MsgPackTokens =
        {
            new byte[] { 0xc0 }, new byte[] { 0xc1 }, new byte[] { 0xc2 }, new byte[] { 0xc3 }, new byte[] { 0x84 }, new byte[] { 0x8f },
            new byte[] { 0x90 }, new byte[] { 0x9f }, new byte[] { 0xa4 }, new byte[] { 0xbf }, new byte[] { 0xcc, 0xff },
            new byte[] { 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, new byte[] { 0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0 },
            new byte[] { 0xca, 0x7f, 0x80, 0, 0 }, new byte[] { 0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 1 },
            new byte[] { 0xd9, 0xff }, new byte[] { 0xda, 0xff, 0xff }, new byte[] { 0xdb, 0xff, 0xff, 0xff, 0xff },
            new byte[] { 0xc4, 0xff }, new byte[] { 0xc5, 0xff, 0xff }, new byte[] { 0xc6, 0xff, 0xff, 0xff, 0xff },
            new byte[] { 0xdc, 0xff, 0xff }, new byte[] { 0xdd, 0xff, 0xff, 0xff, 0xff }, new byte[] { 0xde, 0xff, 0xff },
            new byte[] { 0xdf, 0xff, 0xff, 0xff, 0xff }, new byte[] { 0xc7, 0xff, 0x01 }, new byte[] { 0xc9, 0xff, 0xff, 0xff, 0xff, 0x00 },
            new byte[] { 0xd4, 0x00, 0x00 }, new byte[] { 0xd6, 0xff, 0, 0, 0, 0 }, new byte[] { 0xd7, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
            new byte[] { 0xd8, 0x00 }, new byte[] { 0xd4, 0x00, 0x00 }, new byte[] { 0xa4, (byte)'t', (byte)'y', (byte)'p', (byte)'e' },
            new byte[] { 0xa4, (byte)'d', (byte)'a', (byte)'t', (byte)'a' }, new byte[] { 0xa3, (byte)'n', (byte)'s', (byte)'p' },
            new byte[] { 0xa2, (byte)'i', (byte)'d' }, new byte[] { 0xa1, (byte)'/' }, new byte[] { 0xa7, (byte)'c', (byte)'o', (byte)'n', (byte)'n', (byte)'e', (byte)'c', (byte)'t' },
            new byte[] { 0xa2, 0xff, 0xfe }, new byte[] { 0xe0 }, new byte[] { 0x7f }, new byte[] { 0x05 }, new byte[] { 0x06 },
        };

        private static Gen<byte[]> Valid =>
            Gen.Frequency(
                (4, Gen.Select(FuzzGen.Namespace, FuzzGen.AckId, FuzzGen.EventName, FuzzGen.Json(withBinary: true, maxDepth: 3).Array[0, 4],
                    (nsp, id, name, args) => MsgPackSioEncoder.EncodeEvent(nsp, id, new object?[] { name }.Concat(args).ToArray())[0].Bytes.ToArray())),
                (2, Gen.Select(FuzzGen.Namespace, Gen.Long[0, 1000], FuzzGen.Json(withBinary: true, maxDepth: 3).Array[0, 3],
                    (nsp, id, args) => MsgPackSioEncoder.EncodeAck(nsp, id, args)[0].Bytes.ToArray())),
                (1, Gen.Select(FuzzGen.Namespace, FuzzGen.Text, (nsp, sid) => MsgPackSioEncoder.EncodeConnect(nsp, FuzzGen.Object(new[] { ("sid", (object?)sid) }))[0].Bytes.ToArray())),
                (1, FuzzGen.Namespace.Select(nsp => MsgPackSioEncoder.EncodeDisconnect(nsp)[0].Bytes.ToArray())));

        [Fact]
        public void MsgPackSioDecoderDecodeBinary() =>
            FuzzHarness.Run("MsgPackSioDecoder", FuzzGen.Input(Valid, Array.Empty<string>(), MsgPackTokens), input =>
                FuzzHarness.DecodesOrProtocolError(() =>
                {
                    var packet = new MsgPackSioDecoder(DefaultJsonValueFactory.Instance).DecodeBinary(input);
                    Assert.NotNull(packet);
                    Assert.NotNull(packet.Namespace); // any string, as socket.io-msgpack-parser's checkPacket allows; one not opened is ignored
                    if (packet.IsEvent)
                    {
                        Assert.NotEmpty(packet.Arguments!);
                        Assert.False(ReservedEventNames.Contains(Assert.IsType<string>(packet.Arguments![0])));
                    }
                    if (packet.IsAck) Assert.NotNull(packet.Id);
                }), DecoderFuzzTests.CiInputs, _output);

        [Fact]
        public void MsgPackEncoderThenDecoder() =>
            FuzzHarness.Run("RoundTrip MsgPackSioEncoder→MsgPackSioDecoder",
                Gen.Select(FuzzGen.Namespace, FuzzGen.AckId, FuzzGen.EventName, FuzzGen.Json(withBinary: true, maxDepth: 4).Array[0, 4]), t =>
                {
                    var (nsp, id, name, args) = t;
                    var arguments = new object?[] { name }.Concat(args).ToArray();
                    var frames = MsgPackSioEncoder.EncodeEvent(nsp, id, arguments);
                    var packet = new MsgPackSioDecoder(DefaultJsonValueFactory.Instance).DecodeBinary(Assert.Single(frames).Bytes.ToArray());
                    Assert.Equal(SioPacketType.Event, packet.Type);
                    Assert.Equal(nsp, packet.Namespace);
                    Assert.Equal(id, packet.Id);
                    JsonAssert.Equal(arguments, packet.Arguments);

                    if (id == null) return;
                    var ack = new MsgPackSioDecoder(DefaultJsonValueFactory.Instance).DecodeBinary(MsgPackSioEncoder.EncodeAck(nsp, id.Value, args)[0].Bytes.ToArray());
                    Assert.Equal(SioPacketType.Ack, ack.Type);
                    Assert.Equal(id, ack.Id);
                    JsonAssert.Equal(args, ack.Arguments);
                }, 5000, _output);
    }
}
