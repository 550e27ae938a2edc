using System.Text;
using SocketIo.Core.Json;
using SocketIo.Core.SocketIo;
using Xunit;

namespace SocketIo.Core.Tests
{
    /// <summary>What the Socket.IO decoder must refuse (§4.6 and §2.2–2.3); it throws only SocketIoProtocolException.</summary>
    public class DecoderErrorTests
    {
        private readonly SioPacketDecoder _decoder = new SioPacketDecoder(DefaultJsonValueFactory.Instance);

        private SioPacket? DecodeText(string sio) => _decoder.DecodeText(Encoding.UTF8.GetBytes(sio));

        [Theory]
        [InlineData("7")]              // §4.6 unknown type
        [InlineData("2[\"connect\"]")] // §4.6 reserved name
        [InlineData("2{\"a\":1}")]     // §4.6 EVENT payload must be an array
        [InlineData("2[]")]            // §4.6 EVENT must be non-empty
        [InlineData("5a-[\"x\"]")]     // §4.6 attachment count not numeric
        public void MustRejectVectors(string sio)
        {
            Assert.Throws<SocketIoProtocolException>(() => DecodeText(sio));
        }

        [Theory]
        [InlineData("connect")]
        [InlineData("connect_error")]
        [InlineData("disconnect")]
        [InlineData("disconnecting")]
        [InlineData("newListener")]
        [InlineData("removeListener")]
        public void EveryReservedNameIsRejected(string name)
        {
            var e = Assert.Throws<SocketIoProtocolException>(() => DecodeText($"2[\"{name}\",1]"));
            Assert.Contains(name, e.Message);
        }

        [Fact]
        public void ReservedNameIsRejectedInABinaryEventToo()
        {
            Assert.Null(DecodeText("51-[\"disconnect\",{\"_placeholder\":true,\"num\":0}]"));
            Assert.Throws<SocketIoProtocolException>(() => _decoder.DecodeBinary(new byte[] { 1 }));
        }

        [Theory]
        [InlineData("")]                    // empty
        [InlineData("x")]                   // not a type digit
        [InlineData("2[\"a\"")]             // truncated JSON
        [InlineData("2[\"a\"]x")]           // trailing garbage
        [InlineData("2[\"a\",]")]           // bad JSON
        [InlineData("2\"a\"")]              // EVENT payload is a string
        [InlineData("2")]                   // EVENT without payload
        [InlineData("2[null]")]             // first element neither string nor number
        [InlineData("2[{\"a\":1}]")]
        [InlineData("2[true]")]
        [InlineData("3[]")]                 // ACK without id
        [InlineData("30{\"a\":1}")]         // ACK payload must be an array
        [InlineData("0[1]")]                // CONNECT reply must be an object
        [InlineData("0{bad}")]
        [InlineData("4[1]")]                // CONNECT_ERROR must be object or string
        [InlineData("4{\"message\":")]
        [InlineData("51[\"x\"]")]           // binary packet without '-'
        [InlineData("5-[\"x\"]")]           // empty attachment count
        [InlineData("21234567890123456789[\"x\"]")] // ack id beyond 18 digits
        public void MalformedPacketsAreProtocolErrors(string sio)
        {
            Assert.Throws<SocketIoProtocolException>(() => DecodeText(sio));
        }

        [Fact]
        public void TextWhileReconstructingIsAnError()
        {
            Assert.Null(DecodeText("52-[\"x\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]"));
            Assert.Null(_decoder.DecodeBinary(new byte[] { 1 }));

            Assert.Throws<SocketIoProtocolException>(() => DecodeText("2[\"y\"]"));
        }

        [Fact]
        public void BinaryWithoutAnnouncementIsAnError()
        {
            Assert.Throws<SocketIoProtocolException>(() => _decoder.DecodeBinary(new byte[] { 1, 2 }));
        }

        [Fact]
        public void BinaryAfterTheLastAnnouncedAttachmentIsAnError()
        {
            Assert.Null(DecodeText("51-[\"x\",{\"_placeholder\":true,\"num\":0}]"));
            Assert.NotNull(_decoder.DecodeBinary(new byte[] { 1 }));

            Assert.Throws<SocketIoProtocolException>(() => _decoder.DecodeBinary(new byte[] { 2 }));
        }

        [Theory]
        [InlineData("51-[\"x\",{\"_placeholder\":true,\"num\":1}]")]
        [InlineData("51-[\"x\",{\"_placeholder\":true,\"num\":-1}]")]
        [InlineData("51-[\"x\",{\"_placeholder\":true,\"num\":99999999999}]")]
        [InlineData("51-[\"x\",{\"_placeholder\":true,\"num\":\"0\"}]")]
        [InlineData("51-[\"x\",{\"_placeholder\":true}]")]
        public void PlaceholderOutOfRangeOrWithoutNumIsAnError(string sio)
        {
            Assert.Null(DecodeText(sio));
            Assert.Throws<SocketIoProtocolException>(() => _decoder.DecodeBinary(new byte[] { 1 }));
        }

        [Fact]
        public void MoreThanTenAttachmentsAreRefused()
        {
            var e = Assert.Throws<SocketIoProtocolException>(() => DecodeText("511-[\"x\"]"));
            Assert.Contains("11", e.Message);
        }

        [Fact]
        public void TenAttachmentsAreAccepted()
        {
            var json = new StringBuilder("510-[\"x\"");
            for (int i = 0; i < 10; i++) json.Append(",{\"_placeholder\":true,\"num\":").Append(i).Append('}');
            json.Append(']');

            Assert.Null(DecodeText(json.ToString()));
            SioPacket? packet = null;
            for (int i = 0; i < 10; i++) packet = _decoder.DecodeBinary(new[] { (byte)i });

            Assert.NotNull(packet);
            Assert.Equal(11, packet!.Arguments!.Length);
            Assert.Equal(new byte[] { 9 }, packet.Arguments[10]);
        }

        [Fact]
        public void ConfiguredAttachmentLimitApplies()
        {
            var strict = new SioPacketDecoder(DefaultJsonValueFactory.Instance, maxAttachments: 1);

            Assert.Throws<SocketIoProtocolException>(() => strict.DecodeText("52-[\"x\"]"u8));
        }

        [Fact]
        public void ResetForgetsAPartialPacket()
        {
            Assert.Null(DecodeText("51-[\"x\",{\"_placeholder\":true,\"num\":0}]"));
            Assert.True(_decoder.IsReconstructing);

            _decoder.Reset();

            Assert.False(_decoder.IsReconstructing);
            Assert.Equal(new object[] { "y" }, DecodeText("2[\"y\"]")!.Arguments);
        }

        [Fact]
        public void PlaceholderLookalikeWithoutAttachmentsStaysAnObject()
        {
            var packet = DecodeText("2[\"x\",{\"_placeholder\":true,\"num\":0}]");

            Assert.IsType<OrderedJsonObject>(packet!.Arguments![1]);
        }
    }
}
