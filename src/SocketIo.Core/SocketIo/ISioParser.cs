using System;
using System.Collections.Generic;
using SocketIo.Core.EngineIo;
using SocketIo.Core.Json;

namespace SocketIo.Core.SocketIo
{
    /// <summary>
    /// How Socket.IO packets become Engine.IO messages and back (socket.io-client's <c>parser</c> option; both ends must
    /// agree). The default is socket.io-parser's JSON text format (<see cref="DefaultSioParser"/>); another format
    /// (e.g. socket.io-msgpack-parser) plugs in by implementing this pair.
    /// </summary>
    public interface ISioParser
    {
        /// <summary>A short name for diagnostics, e.g. "default" or "msgpack".</summary>
        string Name { get; }

        IReadOnlyList<OutgoingFrame> EncodeConnect(string nsp, object? auth, IOutgoingValueAdapter? adapter);

        IReadOnlyList<OutgoingFrame> EncodeDisconnect(string nsp);

        /// <param name="arguments">The event name first, then its arguments.</param>
        IReadOnlyList<OutgoingFrame> EncodeEvent(string nsp, long? ackId, IReadOnlyList<object?> arguments, IOutgoingValueAdapter? adapter);

        IReadOnlyList<OutgoingFrame> EncodeAck(string nsp, long ackId, IReadOnlyList<object?> arguments, IOutgoingValueAdapter? adapter);

        /// <summary>A decoder for one Engine.IO session (decoders may keep state between messages).</summary>
        ISioDecoder CreateDecoder(IJsonValueFactory factory, int maxAttachments);
    }

    /// <summary>Turns the Engine.IO messages of one session into Socket.IO packets. Throws only
    /// <see cref="SocketIoProtocolException"/> (the session then closes with reason "parse error").</summary>
    public interface ISioDecoder
    {
        /// <returns>The packet, or null while more messages (binary attachments) are needed.</returns>
        SioPacket? DecodeText(ReadOnlySpan<byte> text);

        /// <returns>The packet, or null while more messages (binary attachments) are needed.</returns>
        SioPacket? DecodeBinary(ReadOnlyMemory<byte> data);

        void Reset();
    }

    /// <summary>socket.io-parser's format: <see cref="SioPacketEncoder"/> and <see cref="SioPacketDecoder"/>.</summary>
    public sealed class DefaultSioParser : ISioParser
    {
        public static readonly DefaultSioParser Instance = new DefaultSioParser();

        private DefaultSioParser() { }

        public string Name => "default";

        public IReadOnlyList<OutgoingFrame> EncodeConnect(string nsp, object? auth, IOutgoingValueAdapter? adapter) =>
            SioPacketEncoder.EncodeConnect(nsp, auth, adapter);

        public IReadOnlyList<OutgoingFrame> EncodeDisconnect(string nsp) => SioPacketEncoder.EncodeDisconnect(nsp);

        public IReadOnlyList<OutgoingFrame> EncodeEvent(string nsp, long? ackId, IReadOnlyList<object?> arguments, IOutgoingValueAdapter? adapter) =>
            SioPacketEncoder.EncodeEvent(nsp, ackId, arguments, adapter);

        public IReadOnlyList<OutgoingFrame> EncodeAck(string nsp, long ackId, IReadOnlyList<object?> arguments, IOutgoingValueAdapter? adapter) =>
            SioPacketEncoder.EncodeAck(nsp, ackId, arguments, adapter);

        public ISioDecoder CreateDecoder(IJsonValueFactory factory, int maxAttachments) => new Decoder(new SioPacketDecoder(factory, maxAttachments));

        private sealed class Decoder : ISioDecoder
        {
            private readonly SioPacketDecoder _inner;

            public Decoder(SioPacketDecoder inner) => _inner = inner;

            public SioPacket? DecodeText(ReadOnlySpan<byte> text) => _inner.DecodeText(text);

            public SioPacket? DecodeBinary(ReadOnlyMemory<byte> data) => _inner.DecodeBinary(data);

            public void Reset() => _inner.Reset();
        }
    }
}
