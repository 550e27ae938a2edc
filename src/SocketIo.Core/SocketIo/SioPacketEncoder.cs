using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;
using SocketIo.Core.EngineIo;
using SocketIo.Core.Json;

namespace SocketIo.Core.SocketIo
{
    /// <summary>
    /// Encodes Socket.IO v5 packets as Engine.IO message frames (the leading '4' included): one text frame, then one
    /// binary frame per attachment. Attachments are sent as the caller's own arrays, never copied.
    /// </summary>
    public static class SioPacketEncoder
    {
        /// <summary>Attachments per packet that socket.io-parser's decoder accepts by default (more and the server drops the
        /// connection); an emit or acknowledgement with more is refused before anything is sent.</summary>
        public const int MaxAttachments = 10;

        private static readonly JsonWriterOptions WriterOptions = new JsonWriterOptions
        {
            // JSON.stringify escapes only what JSON requires; do the same so non-ASCII text stays readable on the wire.
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };

        public static List<OutgoingFrame> EncodeConnect(string nsp, object? auth, IOutgoingValueAdapter? adapter = null)
        {
            var json = auth == null ? null : WriteJson(auth, adapter, allowBinary: false).Json;
            return new List<OutgoingFrame> { Frame(SioPacketType.Connect, nsp, null, 0, json) };
        }

        public static List<OutgoingFrame> EncodeDisconnect(string nsp) =>
            new List<OutgoingFrame> { Frame(SioPacketType.Disconnect, nsp, null, 0, null) };

        /// <param name="arguments">For an event, the event name first.</param>
        public static List<OutgoingFrame> EncodeEvent(string nsp, long? ackId, IReadOnlyList<object?> arguments, IOutgoingValueAdapter? adapter = null) =>
            EncodeArray(SioPacketType.Event, nsp, ackId, arguments, adapter);

        public static List<OutgoingFrame> EncodeAck(string nsp, long ackId, IReadOnlyList<object?> arguments, IOutgoingValueAdapter? adapter = null) =>
            EncodeArray(SioPacketType.Ack, nsp, ackId, arguments, adapter);

        private static List<OutgoingFrame> EncodeArray(SioPacketType type, string nsp, long? id, IReadOnlyList<object?> arguments, IOutgoingValueAdapter? adapter)
        {
            var (json, attachments) = WriteJson(arguments, adapter, allowBinary: true);
            if (attachments.Count > MaxAttachments) throw new SocketIoTooManyAttachmentsException(attachments.Count, MaxAttachments);
            if (attachments.Count > 0) type = type == SioPacketType.Event ? SioPacketType.BinaryEvent : SioPacketType.BinaryAck;
            var frames = new List<OutgoingFrame>(1 + attachments.Count) { Frame(type, nsp, id, attachments.Count, json) };
            foreach (var attachment in attachments) frames.Add(new OutgoingFrame(new ArraySegment<byte>(attachment), isBinary: true));
            return frames;
        }

        private static (byte[] Json, List<byte[]> Attachments) WriteJson(object value, IOutgoingValueAdapter? adapter, bool allowBinary)
        {
            var buffer = new ByteBufferWriter();
            var values = new JsonValueWriter(adapter);
            using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            {
                values.Write(writer, value);
            }
            if (!allowBinary && values.Attachments.Count > 0)
                throw new SocketIoSerializationException("Binary data (byte[]) cannot be part of the auth payload.");
            return (buffer.WrittenSpan.ToArray(), values.Attachments);
        }

        private static OutgoingFrame Frame(SioPacketType type, string nsp, long? id, int attachments, byte[]? json)
        {
            var header = new StringBuilder(16);
            header.Append('4').Append((char)('0' + (int)type));
            if (type == SioPacketType.BinaryEvent || type == SioPacketType.BinaryAck)
                header.Append(attachments.ToString(CultureInfo.InvariantCulture)).Append('-');
            if (nsp != "/") header.Append(nsp).Append(',');
            if (id != null) header.Append(id.Value.ToString(CultureInfo.InvariantCulture));

            var headerBytes = Encoding.UTF8.GetBytes(header.ToString());
            var bytes = new byte[headerBytes.Length + (json?.Length ?? 0)];
            Buffer.BlockCopy(headerBytes, 0, bytes, 0, headerBytes.Length);
            if (json != null) Buffer.BlockCopy(json, 0, bytes, headerBytes.Length, json.Length);
            return new OutgoingFrame(new ArraySegment<byte>(bytes), isBinary: false);
        }
    }
}
