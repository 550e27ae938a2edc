using System;
using System.Linq;
using CsCheck;
using SocketIo.Core.Tests.WebSockets;
using Xunit;
using Xunit.Abstractions;

namespace SocketIo.Core.Tests.Fuzz
{
    /// <summary>
    /// The direct WebSocket client's frame reader, fed random and mutated server byte streams in reads of random sizes:
    /// every stream either parses or is refused with <see cref="SocketIoProtocolException"/> — never another exception,
    /// never a hang.
    /// </summary>
    [Trait("Category", "Fuzz")]
    [Collection(FuzzHarness.Collection)]
    public class WebSocketFrameFuzzTests
    {
        private static readonly string[] Grammar = { "42", "3", "\x01", "\x00" };

        // Raw bytes (not UTF-8 text): opcodes with FIN, RSV bits, the length escapes, the top bit.
        private static readonly byte[][] RawTokens =
        {
            new byte[] { 0x81 }, new byte[] { 0x82 }, new byte[] { 0x80 }, new byte[] { 0x88 }, new byte[] { 0x89 }, new byte[] { 0x8a },
            new byte[] { 0x83 }, new byte[] { 0xc1 }, new byte[] { 0x7e }, new byte[] { 0x7f }, new byte[] { 0xff }, new byte[] { 0xfe, 0xff, 0xff },
            new byte[] { 0x82, 0x7f, 0x80 }, new byte[] { 0x82, 0x7f, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff }, new byte[] { 0x89, 0x7e, 0, 0x7e },
        };

        private readonly ITestOutputHelper _output;

        public WebSocketFrameFuzzTests(ITestOutputHelper output) => _output = output;

        private static readonly Gen<byte[]> OneFrame =
            Gen.Select(Gen.OneOf(0, 1, 2, 8, 9, 10), Gen.Bool, Gen.Byte.Array[0, 300], Gen.OneOf(0, 0, 0, 2, 8), (opcode, fin, payload, lengthBytes) =>
            {
                if (opcode >= 8) payload = payload.Take(125).ToArray();
                int? form = payload.Length >= 126 && lengthBytes == 0 ? (int?)null : lengthBytes == 0 ? (int?)null : lengthBytes;
                if (form == 2 && payload.Length > 65535) form = 8;
                return FrameTestKit.Frame(opcode, payload, fin: fin || opcode >= 8, lengthBytes: form);
            });

        private static readonly Gen<byte[]> ValidStream = OneFrame.Array[1, 6].Select(frames => FrameTestKit.Concat(frames));

        [Fact]
        public void WebSocketFrameReaderParse() =>
            FuzzHarness.Run("WebSocketFrameReader.Parse",
                Gen.Select(FuzzGen.Input(ValidStream, Grammar, RawTokens), Gen.Int[1, 64]),
                input => FuzzHarness.DecodesOrProtocolError(() =>
                {
                    var recorded = FrameTestKit.Feed(input.Item1, input.Item2, maxMessage: 4096);
                    Assert.All(recorded.Messages, m => Assert.InRange(m.Payload.Length, 0, 4096));
                }),
                DecoderFuzzTests.CiInputs, _output);
    }
}
