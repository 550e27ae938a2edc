using System.Collections.Generic;
using SocketIo.Core.EngineIo;
using SocketIo.Core.Json;

namespace SocketIo.Core.SocketIo.MsgPack
{
    /// <summary>
    /// Encodes Socket.IO v5 packets the way socket.io-msgpack-parser 3.0.2 does: each packet is one binary Engine.IO
    /// message holding a MessagePack map <c>{type, data, nsp, id}</c> (keys in that order; <c>data</c> and <c>id</c>
    /// only when there is one). Types are 0–4 only: byte[] values travel inside the map as bin, so there is no
    /// BINARY_EVENT/BINARY_ACK and no attachment frame. Same methods as <see cref="SioPacketEncoder"/>; the namespace
    /// is always written, "/" included. Values follow <see cref="JsonValueWriter"/>'s rules (see
    /// <see cref="MsgPackValueWriter"/>); unlike JSON, byte[] is allowed in the auth payload.
    /// </summary>
    public static class MsgPackSioEncoder
    {
        public static List<OutgoingFrame> EncodeConnect(string nsp, object? auth, IOutgoingValueAdapter? adapter = null) =>
            Encode(SioPacketType.Connect, nsp, null, auth, hasData: auth != null, adapter);

        public static List<OutgoingFrame> EncodeDisconnect(string nsp) =>
            Encode(SioPacketType.Disconnect, nsp, null, null, hasData: false, null);

        /// <param name="arguments">For an event, the event name first.</param>
        public static List<OutgoingFrame> EncodeEvent(string nsp, long? ackId, IReadOnlyList<object?> arguments, IOutgoingValueAdapter? adapter = null) =>
            Encode(SioPacketType.Event, nsp, ackId, arguments, hasData: true, adapter);

        public static List<OutgoingFrame> EncodeAck(string nsp, long ackId, IReadOnlyList<object?> arguments, IOutgoingValueAdapter? adapter = null) =>
            Encode(SioPacketType.Ack, nsp, ackId, arguments, hasData: true, adapter);

        private static List<OutgoingFrame> Encode(SioPacketType type, string nsp, long? id, object? data, bool hasData, IOutgoingValueAdapter? adapter)
        {
            var writer = new MsgPackWriter();
            writer.WriteMapHeader(2 + (hasData ? 1 : 0) + (id != null ? 1 : 0));
            writer.WriteString("type");
            writer.WriteInteger((int)type);
            if (hasData)
            {
                writer.WriteString("data");
                new MsgPackValueWriter(writer, adapter).Write(data);
            }
            writer.WriteString("nsp");
            writer.WriteString(nsp);
            if (id != null)
            {
                writer.WriteString("id");
                writer.WriteInteger(id.Value);
            }
            return new List<OutgoingFrame>(1) { new OutgoingFrame(writer.WrittenSegment, isBinary: true) };
        }
    }
}
