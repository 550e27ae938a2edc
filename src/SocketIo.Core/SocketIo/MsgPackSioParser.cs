using System;
using System.Collections.Generic;
using SocketIo.Core.EngineIo;
using SocketIo.Core.Json;
using SocketIo.Core.SocketIo.MsgPack;

namespace SocketIo.Core.SocketIo
{
    /// <summary>socket.io-msgpack-parser's format (<see cref="MsgPackSioEncoder"/> and <see cref="MsgPackSioDecoder"/>):
    /// every packet one binary message, no attachments. The server must use the same parser.</summary>
    public sealed class MsgPackSioParser : ISioParser
    {
        public static readonly MsgPackSioParser Instance = new MsgPackSioParser();

        private MsgPackSioParser() { }

        public string Name => "msgpack";

        public IReadOnlyList<OutgoingFrame> EncodeConnect(string nsp, object? auth, IOutgoingValueAdapter? adapter) =>
            MsgPackSioEncoder.EncodeConnect(nsp, auth, adapter);

        public IReadOnlyList<OutgoingFrame> EncodeDisconnect(string nsp) => MsgPackSioEncoder.EncodeDisconnect(nsp);

        public IReadOnlyList<OutgoingFrame> EncodeEvent(string nsp, long? ackId, IReadOnlyList<object?> arguments, IOutgoingValueAdapter? adapter) =>
            MsgPackSioEncoder.EncodeEvent(nsp, ackId, arguments, adapter);

        public IReadOnlyList<OutgoingFrame> EncodeAck(string nsp, long ackId, IReadOnlyList<object?> arguments, IOutgoingValueAdapter? adapter) =>
            MsgPackSioEncoder.EncodeAck(nsp, ackId, arguments, adapter);

        /// <param name="maxAttachments">Not used: msgpack packets carry binary inline.</param>
        public ISioDecoder CreateDecoder(IJsonValueFactory factory, int maxAttachments) => new Decoder(new MsgPackSioDecoder(factory));

        private sealed class Decoder : ISioDecoder
        {
            private readonly MsgPackSioDecoder _inner;

            public Decoder(MsgPackSioDecoder inner) => _inner = inner;

            public SioPacket? DecodeText(ReadOnlySpan<byte> text) => _inner.DecodeText(text);

            public SioPacket? DecodeBinary(ReadOnlyMemory<byte> data) => _inner.DecodeBinary(data);

            public void Reset() => _inner.Reset();
        }
    }
}
