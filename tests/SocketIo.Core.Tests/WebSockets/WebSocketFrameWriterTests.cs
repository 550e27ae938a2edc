using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo;
using SocketIo.Core.EngineIo.WebSockets;
using Xunit;
using static SocketIo.Core.Tests.WebSockets.FrameTestKit;

namespace SocketIo.Core.Tests.WebSockets
{
    public class WebSocketFrameWriterTests
    {
        private static OutgoingFrame Out(byte[] bytes, bool binary) => new OutgoingFrame(new ArraySegment<byte>(bytes), binary);

        [Theory]
        [InlineData(0)]
        [InlineData(1)]
        [InlineData(7)]
        [InlineData(125)]
        [InlineData(126)]
        [InlineData(65535)]
        [InlineData(65536)]
        public async Task FramesAreMaskedAndDecodeBack(int length)
        {
            var payload = Enumerable.Range(0, length).Select(i => (byte)(i * 13)).ToArray();
            var stream = new CountingStream();
            await new WebSocketFrameWriter().WriteAsync(stream, new[] { Out(payload, true) }, false, CancellationToken.None);
            var frame = Assert.Single(DecodeClientFrames(stream.ToArray()));
            Assert.Equal(WebSocketFrameWriter.OpBinary, frame.Opcode);
            Assert.Equal(payload, frame.Payload);
            int lengthBytes = length < 126 ? 0 : length <= 65535 ? 2 : 8;
            Assert.Equal(2 + lengthBytes + 4 + length, stream.Length);
            if (length >= 16) Assert.NotEqual(payload, stream.ToArray().Skip(2 + lengthBytes + 4).ToArray()); // really masked
        }

        [Fact]
        public async Task ABatchGoesOutInOneWrite()
        {
            var frames = Enumerable.Range(0, 40).Select(i => Out(System.Text.Encoding.UTF8.GetBytes("42[\"e\"," + i + "]"), false)).ToArray();
            var stream = new CountingStream();
            await new WebSocketFrameWriter().WriteAsync(stream, frames, false, CancellationToken.None);
            Assert.Equal(1, stream.Writes);
            var decoded = DecodeClientFrames(stream.ToArray());
            Assert.Equal(frames.Select(f => f.Bytes.ToArray()), decoded.Select(d => d.Payload));
            Assert.All(decoded, d => Assert.Equal(WebSocketFrameWriter.OpText, d.Opcode));
            Assert.Equal(40, decoded.Select(d => d.Payload).Count()); // each frame its own key: see the mask test below
        }

        [Fact]
        public async Task AHugeBatchIsWrittenInBoundedChunks()
        {
            var big = Enumerable.Range(0, 1_000_003).Select(i => (byte)i).ToArray();
            var stream = new CountingStream();
            await new WebSocketFrameWriter().WriteAsync(stream, new[] { Out(new byte[] { 1, 2, 3 }, true), Out(big, true), Out(new byte[] { (byte)'4' }, false) }, false, CancellationToken.None);
            Assert.InRange(stream.Writes, 1_000_000 / WebSocketFrameWriter.ChunkBytes, 1_000_000 / WebSocketFrameWriter.ChunkBytes + 2);
            var decoded = DecodeClientFrames(stream.ToArray());
            Assert.Equal(big, decoded[1].Payload);
            Assert.Equal(new byte[] { (byte)'4' }, decoded[2].Payload);
        }

        [Fact]
        public async Task ForceBase64SendsBinaryAsBText()
        {
            var stream = new CountingStream();
            await new WebSocketFrameWriter().WriteAsync(stream, new[] { Out(new byte[] { 1, 2, 3, 4 }, true) }, true, CancellationToken.None);
            var frame = Assert.Single(DecodeClientFrames(stream.ToArray()));
            Assert.Equal(WebSocketFrameWriter.OpText, frame.Opcode);
            Assert.Equal("bAQIDBA==", System.Text.Encoding.ASCII.GetString(frame.Payload));
        }

        [Theory]
        [InlineData(0, 37)]
        [InlineData(1, 37)]
        [InlineData(2, 37)]
        [InlineData(3, 37)]
        [InlineData(5, 37)]
        [InlineData(0, 3)]
        [InlineData(3, 64)]
        [InlineData(1, 203)] // several SIMD vectors, then 8-byte words, then single bytes
        public void MaskingFromAnyPositionMatchesByteByByte(int position, int length)
        {
            var source = Enumerable.Range(0, length).Select(i => (byte)(255 - i)).ToArray();
            var keyBytes = new byte[] { 0x12, 0x34, 0x56, 0x78 };
            uint key = BitConverter.ToUInt32(keyBytes, 0);
            var masked = new byte[source.Length];
            WebSocketFrameWriter.Mask(source, masked, key, position);
            for (int i = 0; i < source.Length; i++) Assert.Equal((byte)(source[i] ^ keyBytes[(position + i) & 3]), masked[i]);
        }

        [Fact]
        public void ControlFramesAreMaskedAndBounded()
        {
            var writer = new WebSocketFrameWriter();
            var frame = Assert.Single(DecodeClientFrames(writer.Control(WebSocketFrameWriter.OpPong, new byte[] { 1, 2, 3 })));
            Assert.Equal(WebSocketFrameWriter.OpPong, frame.Opcode);
            Assert.Equal(new byte[] { 1, 2, 3 }, frame.Payload);
            Assert.Throws<ArgumentOutOfRangeException>(() => writer.Control(WebSocketFrameWriter.OpPing, new byte[126]));
        }

        [Fact]
        public void KeysDifferFromFrameToFrame()
        {
            var writer = new WebSocketFrameWriter();
            var keys = Enumerable.Range(0, 300).Select(_ => BitConverter.ToUInt32(writer.Control(WebSocketFrameWriter.OpPing, Array.Empty<byte>()), 2)).ToList();
            Assert.True(keys.Distinct().Count() > 290);
        }
    }
}
