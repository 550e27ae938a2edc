using System;
using System.Linq;
using System.Text;
using SocketIo.Core.EngineIo;
using SocketIo.Core.EngineIo.WebSockets;
using Xunit;
using static SocketIo.Core.Tests.WebSockets.FrameTestKit;

namespace SocketIo.Core.Tests.WebSockets
{
    public class WebSocketFrameReaderTests
    {
        private static byte[] Bytes(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 7 + 1)).ToArray();

        [Theory]
        [InlineData(0)]
        [InlineData(125)]
        [InlineData(126)]
        [InlineData(65535)]
        [InlineData(65536)]
        public void EveryLengthFormArrivesWholeWhateverTheReadSizes(int length)
        {
            var payload = Bytes(length);
            var stream = Concat(Frame(2, payload), Frame(1, Encoding.UTF8.GetBytes("4hi")));
            foreach (int chunk in new[] { 1, 3, 100, 4096, stream.Length })
            {
                var recorded = Feed(stream, chunk);
                Assert.Equal(2, recorded.Messages.Count);
                Assert.False(recorded.Messages[0].IsText);
                Assert.Equal(payload, recorded.Messages[0].Payload);
                Assert.True(recorded.Messages[1].IsText);
                Assert.Equal("4hi", Encoding.UTF8.GetString(recorded.Messages[1].Payload));
                Assert.True(recorded.Idle);
            }
        }

        [Fact]
        public void ManyFramesInOneReadAreAllParsed()
        {
            var stream = Concat(Enumerable.Range(0, 50).Select(i => Frame(1, Encoding.UTF8.GetBytes("42[" + i + "]"))).ToArray());
            var recorded = Feed(stream, stream.Length);
            Assert.Equal(50, recorded.Messages.Count);
            Assert.Equal("42[49]", Encoding.UTF8.GetString(recorded.Messages[49].Payload));
        }

        [Fact]
        public void TheLongLengthFormIsAcceptedForShortPayloads()
        {
            var recorded = Feed(Frame(1, Encoding.UTF8.GetBytes("4x"), lengthBytes: 8), 1);
            Assert.Equal("4x", Encoding.UTF8.GetString(recorded.Messages.Single().Payload));
        }

        [Fact]
        public void FragmentsAreReassembledWithControlFramesBetweenThem()
        {
            var stream = Concat(
                Frame(1, Encoding.UTF8.GetBytes("42[\"a\","), fin: false),
                Frame(9, Encoding.UTF8.GetBytes("ping!")),
                Frame(0, Array.Empty<byte>(), fin: false),
                Frame(10, Encoding.UTF8.GetBytes("pong")),
                Frame(0, Encoding.UTF8.GetBytes("1]")),
                Frame(2, new byte[] { 9 }));
            foreach (int chunk in new[] { 1, 2, 7, stream.Length })
            {
                var recorded = Feed(stream, chunk);
                Assert.Equal(new[] { "42[\"a\",1]" }, recorded.Messages.Where(m => m.IsText).Select(m => Encoding.UTF8.GetString(m.Payload)));
                Assert.Equal(new byte[] { 9 }, recorded.Messages.Last().Payload);
                Assert.Equal("ping!", Encoding.UTF8.GetString(recorded.Pings.Single()));
            }
        }

        [Fact]
        public void CloseCarriesItsCodeAndEndsReading()
        {
            var recorded = Feed(Concat(Frame(8, new byte[] { 0x03, 0xE8, (byte)'b', (byte)'y', (byte)'e' }), Frame(1, Encoding.UTF8.GetBytes("4late"))), 3);
            Assert.Equal(new int?[] { 1000 }, recorded.Closes);
            Assert.Empty(recorded.Messages);
            Assert.Equal(new int?[] { null }, Feed(Frame(8, Array.Empty<byte>()), 1).Closes);
        }

        public static TheoryData<string, byte[]> Violations => new TheoryData<string, byte[]>
        {
            { "masked", Frame(1, new byte[] { (byte)'4' }, masked: true) },
            { "RSV1", Frame(1, new byte[] { (byte)'4' }, extraBits: 0x40) },
            { "RSV2", Frame(1, new byte[] { (byte)'4' }, extraBits: 0x20) },
            { "RSV3", Frame(1, new byte[] { (byte)'4' }, extraBits: 0x10) },
            { "opcode 3", Frame(3, new byte[] { 1 }) },
            { "opcode 7", Frame(7, new byte[] { 1 }) },
            { "opcode 11", Frame(11, new byte[] { 1 }) },
            { "opcode 15", Frame(15, new byte[] { 1 }) },
            { "control frame of 126 bytes", Frame(9, new byte[126]) },
            { "fragmented ping", Frame(9, new byte[] { 1 }, fin: false) },
            { "fragmented close", Frame(8, new byte[] { 3, 0xE8 }, fin: false) },
            { "close with one byte", Frame(8, new byte[] { 3 }) },
            { "continuation first", Frame(0, new byte[] { 1 }) },
            { "new message inside a fragmented one", Concat(Frame(1, new byte[] { (byte)'4' }, fin: false), Frame(2, new byte[] { 1 })) },
            { "64-bit length with the top bit", new byte[] { 0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 1, 0 } },
            { "length beyond the limit", new byte[] { 0x82, 127, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF } },
        };

        [Theory]
        [MemberData(nameof(Violations))]
        public void ProtocolViolationsAreProtocolErrors(string name, byte[] stream)
        {
            foreach (int chunk in new[] { 1, stream.Length })
            {
                var e = Assert.Throws<SocketIoProtocolException>(() => Feed(stream, chunk));
                Assert.False(string.IsNullOrWhiteSpace(e.Message), name);
            }
        }

        [Fact]
        public void TheSizeLimitHoldsBeforeAnythingIsBuffered()
        {
            var stream = Frame(2, new byte[100]);
            Assert.Single(Feed(stream, 10, maxMessage: 100).Messages);
            // Refused on the header alone: only 4 bytes are given.
            var e = Assert.Throws<SocketIoProtocolException>(() => Feed(Frame(2, new byte[101]).Take(4).ToArray(), 4, maxMessage: 100));
            Assert.Contains("larger than 100 bytes", e.Message);
            // Fragments count together.
            Assert.Throws<SocketIoProtocolException>(() => Feed(Concat(Frame(1, new byte[60], fin: false), Frame(0, new byte[41])), 200, maxMessage: 100));
        }

        [Fact]
        public void APayloadCanBeReadStraightIntoItsMessageBuffer()
        {
            var payload = Bytes(10000);
            var stream = Frame(2, payload);
            var recorder = new Recorder();
            using var reader = new WebSocketFrameReader(1 << 20);
            Assert.Equal(100, reader.Parse(stream, 0, 100, recorder)); // header + 96 bytes
            var target = reader.PayloadTarget;
            Assert.Equal(payload.Length - 96, target.Count);
            Buffer.BlockCopy(stream, 100, target.Array!, target.Offset, target.Count);
            reader.CommitPayload(target.Count, recorder);
            Assert.Equal(payload, recorder.Messages.Single().Payload);
            Assert.True(reader.IsIdle);
            Assert.Equal(0, reader.PayloadTarget.Count);
        }
        [Theory]
        [InlineData(2, DetachedPayload.Threshold, true)] // a large binary message split across reads: its own array, kept
        [InlineData(2, DetachedPayload.Threshold - 1, false)] // smaller: a pooled buffer, copied by whoever keeps it
        [InlineData(1, DetachedPayload.Threshold, false)] // text: decoded, never kept
        public void OnlyALargeBinaryMessageSplitAcrossReadsIsHandedOverForKeeps(int opcode, int length, bool detached)
        {
            var payload = Bytes(length);
            var offers = new OfferRecorder();
            FeedInto(Frame(opcode, payload), 16 * 1024, offers);
            var (kept, offered) = offers.Taken.Single();
            Assert.Equal(detached, offered);
            Assert.Equal(payload, kept);
            Assert.False(DetachedPayload.TryTake(kept, out _)); // the offer ends with the call
        }

        [Fact]
        public void AMessageThatArrivedWholeIsNeverHandedOver()
        {
            var offers = new OfferRecorder();
            FeedInto(Frame(2, Bytes(DetachedPayload.Threshold)), 1 << 20, offers);
            Assert.False(offers.Taken.Single().Offered); // it lies in the receive buffer, which is reused
        }

        /// <summary>Takes what is offered, as the Socket.IO decoder does; else copies.</summary>
        private sealed class OfferRecorder : IWebSocketFrameSink
        {
            public readonly System.Collections.Generic.List<(byte[] Payload, bool Offered)> Taken = new System.Collections.Generic.List<(byte[], bool)>();

            public void OnMessage(bool isText, ReadOnlyMemory<byte> payload) =>
                Taken.Add(DetachedPayload.TryTake(payload, out var array) ? (array, true) : (payload.ToArray(), false));

            public void OnPing(ReadOnlySpan<byte> payload) { }

            public void OnClose(int? code) { }
        }
    }
}
