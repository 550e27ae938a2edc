using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Linq;
using SocketIo.Core.EngineIo;
using SocketIo.Core.Json;
using SocketIo.Core.SocketIo;
using Xunit;
using static SocketIo.Core.Tests.Infrastructure.Wire;

namespace SocketIo.Core.Tests
{
    /// <summary>BINARY_EVENT / BINARY_ACK: vectors B1–B7 (§4.3) as WebSocket frames, both directions.</summary>
    public class BinaryCodecTests
    {
        private static readonly byte[] B0102 = { 1, 2 };
        private static readonly byte[] B0304 = { 3, 4 };
        private static readonly byte[] B01020304 = { 1, 2, 3, 4 };

        [Fact]
        public void B1_EventWithOneAttachment()
        {
            var frames = SioPacketEncoder.EncodeEvent("/", null, Args("baz", B01020304));

            Assert.Equal(new[] { "451-[\"baz\",{\"_placeholder\":true,\"num\":0}]", "<01020304>" }, Texts(frames));

            var packet = DecodeFrames("51-[\"baz\",{\"_placeholder\":true,\"num\":0}]", B01020304);
            Assert.Equal(SioPacketType.BinaryEvent, packet.Type);
            Assert.Equal("baz", packet.Arguments![0]);
            Assert.Equal(B01020304, packet.Arguments[1]);
        }

        [Fact]
        public void B2_NestedAttachmentsOnNamespace()
        {
            var frames = SioPacketEncoder.EncodeEvent("/files", null, Args("upload", B0102, Obj(("meta", "x"), ("blob", B0304))));

            Assert.Equal(new[]
            {
                "452-/files,[\"upload\",{\"_placeholder\":true,\"num\":0},{\"meta\":\"x\",\"blob\":{\"_placeholder\":true,\"num\":1}}]",
                "<0102>", "<0304>",
            }, Texts(frames));

            var packet = DecodeFrames("52-/files,[\"upload\",{\"_placeholder\":true,\"num\":0},{\"meta\":\"x\",\"blob\":{\"_placeholder\":true,\"num\":1}}]", B0102, B0304);
            Assert.Equal("/files", packet.Namespace);
            Assert.Equal(B0102, packet.Arguments![1]);
            var nested = Assert.IsType<OrderedJsonObject>(packet.Arguments[2]);
            Assert.Equal("x", nested["meta"]);
            Assert.Equal(B0304, nested["blob"]);
        }

        [Fact]
        public void B3_TwoAttachmentsWithAckId()
        {
            var frames = SioPacketEncoder.EncodeEvent("/", 3, Args("upload", B0102, B0304));

            Assert.Equal(new[]
            {
                "452-3[\"upload\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]", "<0102>", "<0304>",
            }, Texts(frames));

            var packet = DecodeFrames("52-3[\"upload\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]", B0102, B0304);
            Assert.Equal(3, packet.Id);
            Assert.Equal(new object[] { "upload", B0102, B0304 }, packet.Arguments);
        }

        [Fact]
        public void B4_TwoAttachmentsOnNamespace()
        {
            var frames = SioPacketEncoder.EncodeEvent("/admin", null, Args("baz", B0102, B0304));

            Assert.Equal(new[]
            {
                "452-/admin,[\"baz\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]", "<0102>", "<0304>",
            }, Texts(frames));

            var packet = DecodeFrames("52-/admin,[\"baz\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]", B0102, B0304);
            Assert.Equal("/admin", packet.Namespace);
            Assert.Null(packet.Id);
            Assert.Equal(new object[] { "baz", B0102, B0304 }, packet.Arguments);
        }

        [Fact]
        public void B5_AckWithAttachment()
        {
            var frames = SioPacketEncoder.EncodeAck("/", 15, Args("bar", B01020304));

            Assert.Equal(new[] { "461-15[\"bar\",{\"_placeholder\":true,\"num\":0}]", "<01020304>" }, Texts(frames));

            var packet = DecodeFrames("61-15[\"bar\",{\"_placeholder\":true,\"num\":0}]", B01020304);
            Assert.Equal(SioPacketType.BinaryAck, packet.Type);
            Assert.Equal(15, packet.Id);
            Assert.Equal(new object[] { "bar", B01020304 }, packet.Arguments);
        }

        [Fact]
        public void B6_AckOnNamespaceWithOnlyAnAttachment()
        {
            var ff = new byte[] { 0xff };
            var frames = SioPacketEncoder.EncodeAck("/admin", 1, Args(ff));

            Assert.Equal(new[] { "461-/admin,1[{\"_placeholder\":true,\"num\":0}]", "<FF>" }, Texts(frames));

            var packet = DecodeFrames("61-/admin,1[{\"_placeholder\":true,\"num\":0}]", ff);
            Assert.Equal("/admin", packet.Namespace);
            Assert.Equal(1, packet.Id);
            Assert.Equal(new object[] { ff }, packet.Arguments);
        }

        [Fact]
        public void B7_BinaryEventWithZeroAttachmentsIsDeliveredAtOnce()
        {
            var decoder = new SioPacketDecoder(DefaultJsonValueFactory.Instance);

            var packet = decoder.DecodeText("50-[\"x\"]"u8);

            Assert.NotNull(packet);
            Assert.Equal(SioPacketType.BinaryEvent, packet!.Type);
            Assert.Equal(new object[] { "x" }, packet.Arguments);
            Assert.False(decoder.IsReconstructing);
        }

        [Fact]
        public void AttachmentsAreSentAsTheCallersArraysInDepthFirstOrder()
        {
            byte[] a = { 10 }, b = { 11 }, c = { 12 };
            var frames = SioPacketEncoder.EncodeEvent("/", null, Args("e", new object?[] { a, Obj(("k", b)) }, c));

            Assert.Equal(new[] { "<0A>", "<0B>", "<0C>" }, Texts(frames).Skip(1));
            Assert.Same(a, frames[1].Bytes.Array);
        }

        [Fact]
        public void BinaryRoundTripsThroughTheDecoder()
        {
            var payload = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
            var frames = SioPacketEncoder.EncodeEvent("/admin", 42, Args("file", Obj(("name", "a.bin"), ("data", payload)), new byte[0]));
            var decoder = new SioPacketDecoder(DefaultJsonValueFactory.Instance);

            Assert.Null(decoder.DecodeText(frames[0].Bytes.AsSpan(1)));
            Assert.Null(decoder.DecodeBinary(frames[1].Bytes.ToArray()));
            var packet = decoder.DecodeBinary(frames[2].Bytes.ToArray());

            Assert.NotNull(packet);
            Assert.Equal(42, packet!.Id);
            Assert.Equal("/admin", packet.Namespace);
            var file = Assert.IsType<OrderedJsonObject>(packet.Arguments![1]);
            Assert.Equal(payload, file["data"]);
            Assert.Equal(new byte[0], packet.Arguments[2]);
        }

        [Fact]
        public void AnAttachmentHandedOverForKeepsIsKeptAsItIsAndOthersAreCopied()
        {
            var frames = SioPacketEncoder.EncodeEvent("/", null, Args("b", new byte[] { 1 }, new byte[] { 2 }));
            var decoder = new SioPacketDecoder(DefaultJsonValueFactory.Instance);
            Assert.Null(decoder.DecodeText(frames[0].Bytes.AsSpan(1)));
            var detached = new byte[] { 1 };
            DetachedPayload.Offer(detached);
            try { Assert.Null(decoder.DecodeBinary(detached)); }
            finally { DetachedPayload.Withdraw(); }
            var copied = new byte[] { 2 };
            var packet = decoder.DecodeBinary(copied);

            Assert.Same(detached, packet!.Arguments![1]);
            Assert.NotSame(copied, packet.Arguments[2]);
            Assert.Equal(copied, packet.Arguments[2]);
        }

        [Fact]
        public void AuthMayNotCarryBinary()
        {
            Assert.Throws<SocketIoSerializationException>(() => SioPacketEncoder.EncodeConnect("/", Obj(("key", new byte[] { 1 }))));
        }

        private static SioPacket DecodeFrames(string text, params byte[][] attachments)
        {
            var decoder = new SioPacketDecoder(DefaultJsonValueFactory.Instance);
            Assert.Null(decoder.DecodeText(System.Text.Encoding.UTF8.GetBytes(text)));
            SioPacket? packet = null;
            for (int i = 0; i < attachments.Length; i++)
            {
                Assert.True(decoder.IsReconstructing);
                packet = decoder.DecodeBinary(attachments[i]);
                if (i < attachments.Length - 1) Assert.Null(packet);
            }
            Assert.NotNull(packet);
            Assert.False(decoder.IsReconstructing);
            return packet!;
        }
    }
}
