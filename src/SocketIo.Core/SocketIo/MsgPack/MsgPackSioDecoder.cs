using System;
using System.Globalization;
using System.Runtime.InteropServices;
using SocketIo.Core.Json;

namespace SocketIo.Core.SocketIo.MsgPack
{
    /// <summary>
    /// Decodes Socket.IO v5 packets sent with socket.io-msgpack-parser 3.0.2: each binary Engine.IO message is one
    /// MessagePack map <c>{type, data, nsp, id}</c> (any key order, other keys ignored). Same shape as
    /// <see cref="SioPacketDecoder"/>, but every packet is complete in one message: there are no attachments, so
    /// <see cref="DecodeBinary"/> never returns null and a text message is a protocol error.
    /// <para>
    /// Validation is the parser's own <c>checkPacket</c>: type an integer 0–4, nsp a string, id absent or an integer,
    /// data an object (or absent) for CONNECT, a string or object for CONNECT_ERROR, an array for EVENT/ACK. On top
    /// of it, what <see cref="SioPacketDecoder"/> guarantees its callers: an EVENT has a name that is a string (a
    /// number is turned into one) and not reserved, an ACK has an id. Tolerated like the default decoder does for
    /// python-socketio (whose msgpack packets always carry <c>data</c>, nil when empty): nil for an absent data or id,
    /// a CONNECT_ERROR without data, and a DISCONNECT with data (put in <see cref="SioPacket.Payload"/>).
    /// </para>
    /// <para>
    /// Values come through the <see cref="IJsonValueFactory"/> as with JSON: str → string; integers → Int32, else
    /// Int64, else (uint 64 above Int64) Double; float 32/64 → Double; bin (and notepack.io's ArrayBuffer) → byte[];
    /// notepack.io's Date → its ISO 8601 string, as JSON.stringify writes it; <c>undefined</c> → null in arrays, and
    /// no property at all in maps (as JSON.stringify does). Non-string map keys are turned into strings as JavaScript
    /// does (numbers, booleans, nil); container or binary keys are rejected. Other ext types are rejected.
    /// </para>
    /// Throws only <see cref="SocketIoProtocolException"/>; the decoder keeps no state between messages.
    /// </summary>
    public sealed class MsgPackSioDecoder
    {
        /// <summary>How deep containers may nest inside <c>data</c> (as <see cref="JsonValueReader.MaxDepth"/>).</summary>
        public const int MaxDepth = JsonValueReader.MaxDepth;

        private readonly IJsonValueFactory _factory;

        public MsgPackSioDecoder(IJsonValueFactory factory) => _factory = factory;

        /// <summary>Always false: a msgpack packet never waits for attachments.</summary>
        public bool IsReconstructing => false;

        /// <summary>Nothing to reset; here so the decoder can stand in for <see cref="SioPacketDecoder"/>.</summary>
        public void Reset() { }

        /// <summary>Always throws: with the msgpack parser every Socket.IO packet is a binary message.</summary>
        public SioPacket? DecodeText(ReadOnlySpan<byte> text) =>
            throw new SocketIoProtocolException(
                "A text message arrived, but the msgpack parser sends every Socket.IO packet as binary (does the server use socket.io-msgpack-parser?).");

        /// <returns>The packet; never null.</returns>
        public SioPacket DecodeBinary(ReadOnlyMemory<byte> data)
        {
            if (data.Length == 0) throw new SocketIoProtocolException("Empty msgpack Socket.IO packet.");
            if (!MemoryMarshal.TryGetArray(data, out ArraySegment<byte> segment) || segment.Array == null)
                segment = new ArraySegment<byte>(data.ToArray());
            var reader = new MsgPackReader(segment.Array!, segment.Offset, segment.Count, MaxDepth);

            var root = reader.ReadToken();
            if (root.Kind != MsgPackKind.Map)
                throw new SocketIoProtocolException($"A msgpack Socket.IO packet must be a map, not {MsgPackReader.Describe(root)}.");

            // Take note of where each known value starts (the last one wins, as in JavaScript), checking every value.
            int typeAt = -1, nspAt = -1, dataAt = -1, idAt = -1;
            for (int i = 0; i < root.Length; i++)
            {
                string key = reader.ReadKey();
                int at = reader.Position;
                reader.Skip(0);
                switch (key)
                {
                    case "type": typeAt = at; break;
                    case "nsp": nspAt = at; break;
                    case "data": dataAt = at; break;
                    case "id": idAt = at; break;
                }
            }
            if (!reader.AtEnd) throw new SocketIoProtocolException($"{reader.Remaining} unexpected byte(s) after the msgpack Socket.IO packet.");

            var type = ReadType(reader, typeAt);
            var nsp = ReadNamespace(reader, nspAt);
            var id = ReadId(reader, idAt);
            var packet = new SioPacket(type, nsp, id);
            var dataToken = TokenAt(reader, dataAt);
            bool noData = dataToken.Kind == MsgPackKind.Undefined || dataToken.Kind == MsgPackKind.Nil;
            switch (type)
            {
                case SioPacketType.Connect:
                    if (noData) break; // no sid: the namespace socket reports the version mismatch
                    if (dataToken.Kind != MsgPackKind.Map) throw InvalidPayload(type, dataToken);
                    ReadConnect(reader, packet, dataToken);
                    break;
                case SioPacketType.Disconnect:
                    if (!noData) packet.Payload = reader.ReadValue(dataToken, _factory, 0);
                    break;
                case SioPacketType.ConnectError:
                    if (noData) packet.ErrorMessage = "Connection rejected by server";
                    else if (dataToken.Kind == MsgPackKind.String) packet.ErrorMessage = reader.GetString(dataToken);
                    else if (dataToken.Kind == MsgPackKind.Map) ReadConnectError(reader, packet, dataToken);
                    else throw InvalidPayload(type, dataToken);
                    break;
                default: // EVENT, ACK
                    if (dataToken.Kind != MsgPackKind.Array) throw InvalidPayload(type, dataToken);
                    packet.Arguments = reader.ReadItems(dataToken, _factory, 0);
                    if (type == SioPacketType.Event) ValidateEvent(packet.Arguments);
                    else if (id == null) throw new SocketIoProtocolException("An acknowledgement without an id.");
                    break;
            }
            return packet;
        }

        private static MsgPackToken TokenAt(MsgPackReader reader, int at)
        {
            if (at < 0) return new MsgPackToken(MsgPackKind.Undefined);
            reader.Position = at;
            return reader.ReadToken();
        }

        private static SioPacketType ReadType(MsgPackReader reader, int at)
        {
            var token = TokenAt(reader, at);
            if (!TryGetInteger(token, out long type) || type < (long)SioPacketType.Connect || type > (long)SioPacketType.ConnectError)
                throw new SocketIoProtocolException(token.Kind == MsgPackKind.Undefined
                    ? "A msgpack Socket.IO packet without a type."
                    : "Invalid msgpack Socket.IO packet type (the msgpack parser knows 0-4).");
            return (SioPacketType)type;
        }

        private static string ReadNamespace(MsgPackReader reader, int at)
        {
            var token = TokenAt(reader, at);
            if (token.Kind != MsgPackKind.String)
                throw new SocketIoProtocolException($"A msgpack Socket.IO packet's namespace must be a string, not {MsgPackReader.Describe(token)}.");
            return reader.GetString(token);
        }

        private static long? ReadId(MsgPackReader reader, int at)
        {
            var token = TokenAt(reader, at);
            if (token.Kind == MsgPackKind.Undefined || token.Kind == MsgPackKind.Nil) return null;
            if (!TryGetInteger(token, out long id))
                throw new SocketIoProtocolException($"A msgpack Socket.IO packet id must be an integer, not {MsgPackReader.Describe(token)}.");
            return id;
        }

        /// <summary>Number.isInteger, for the values that fit an Int64 (2.0 included).</summary>
        private static bool TryGetInteger(in MsgPackToken token, out long value)
        {
            value = 0;
            switch (token.Kind)
            {
                case MsgPackKind.Integer:
                    value = token.Integer;
                    return true;
                case MsgPackKind.Unsigned:
                    if (token.Integer < 0) return false; // above Int64.MaxValue
                    value = token.Integer;
                    return true;
                case MsgPackKind.Float:
                    double d = token.Number;
                    if (double.IsNaN(d) || double.IsInfinity(d) || Math.Floor(d) != d) return false;
                    if (d < -9223372036854775808.0 || d >= 9223372036854775808.0) return false;
                    value = (long)d;
                    return true;
                default:
                    return false;
            }
        }

        private static void ReadConnect(MsgPackReader reader, SioPacket packet, in MsgPackToken map)
        {
            for (int i = 0; i < map.Length; i++)
            {
                string key = reader.ReadKey();
                var value = reader.ReadToken();
                if (value.Kind == MsgPackKind.String && key == "sid") packet.Sid = reader.GetString(value);
                else if (value.Kind == MsgPackKind.String && key == "pid") packet.Pid = reader.GetString(value);
                else reader.SkipRest(value, 1);
            }
        }

        private void ReadConnectError(MsgPackReader reader, SioPacket packet, in MsgPackToken map)
        {
            string? message = null;
            for (int i = 0; i < map.Length; i++)
            {
                string key = reader.ReadKey();
                var value = reader.ReadToken();
                if (key == "message" && value.Kind == MsgPackKind.String) message = reader.GetString(value);
                else if (key == "data")
                {
                    var payload = reader.ReadValue(value, _factory, 1);
                    packet.Payload = ReferenceEquals(payload, MsgPackReader.Undefined) ? null : payload;
                }
                else reader.SkipRest(value, 1);
            }
            packet.ErrorMessage = message ?? "Connection rejected by server";
        }

        private static void ValidateEvent(object?[] arguments)
        {
            if (arguments.Length == 0) throw new SocketIoProtocolException("An EVENT packet with an empty array.");
            switch (arguments[0])
            {
                case string name:
                    if (ReservedEventNames.Contains(name)) throw new SocketIoProtocolException($"The server sent the reserved event name '{name}'.");
                    break;
                case int or long or double:
                    arguments[0] = Convert.ToString(arguments[0], CultureInfo.InvariantCulture); // node accepts numeric names
                    break;
                default:
                    throw new SocketIoProtocolException("An EVENT packet whose first element is not an event name.");
            }
        }

        private static SocketIoProtocolException InvalidPayload(SioPacketType type, in MsgPackToken data) =>
            new SocketIoProtocolException(type switch
            {
                SioPacketType.Connect => $"A CONNECT packet's data must be a map, not {MsgPackReader.Describe(data)}.",
                SioPacketType.ConnectError => $"A CONNECT_ERROR packet's data must be a map or a string, not {MsgPackReader.Describe(data)}.",
                _ => $"An {(type == SioPacketType.Event ? "EVENT" : "ACK")} packet's data must be an array, not {MsgPackReader.Describe(data)}.",
            });
    }
}
