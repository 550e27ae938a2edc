using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.CompilerServices;
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
            new List<OutgoingFrame>(EncodeArray(SioPacketType.Event, nsp, ackId, arguments, adapter));

        public static List<OutgoingFrame> EncodeAck(string nsp, long ackId, IReadOnlyList<object?> arguments, IOutgoingValueAdapter? adapter = null) =>
            new List<OutgoingFrame>(EncodeArray(SioPacketType.Ack, nsp, ackId, arguments, adapter));

        /// <summary>An event whose text frame is a buffer rented from <see cref="ArrayPool{T}.Shared"/> (a segment of it):
        /// the caller returns <c>frames[0].Bytes.Array</c> once the frame was written and nothing reads it any more.</summary>
        [MethodImpl(HotPath.Optimize)]
        internal static OutgoingFrame[] EncodeEventPooled(string nsp, long? ackId, IReadOnlyList<object?> arguments, IOutgoingValueAdapter? adapter)
        {
            return EncodeArray(SioPacketType.Event, nsp, ackId, arguments, adapter, pooled: true);
        }

        [MethodImpl(HotPath.Optimize)]
        private static OutgoingFrame[] EncodeArray(SioPacketType type, string nsp, long? id, IReadOnlyList<object?> arguments, IOutgoingValueAdapter? adapter, bool pooled = false)
        {
            // The JSON goes to a per-thread buffer and writer; the frame is then one array (exact, or pooled): header + JSON.
            var scratch = EncodeScratch.Take();
            var values = scratch.Values;
            values.Reset(adapter);
            values.Write(scratch.Writer, arguments);
            scratch.Writer.Flush();
            var attachments = values.Attachments;
            if (attachments.Count > MaxAttachments)
            {
                int count = attachments.Count;
                values.Reset(null);
                EncodeScratch.Give(scratch);
                throw new SocketIoTooManyAttachmentsException(count, MaxAttachments);
            }
            if (attachments.Count > 0) type = type == SioPacketType.Event ? SioPacketType.BinaryEvent : SioPacketType.BinaryAck;
            var frame = Frame(type, nsp, id, attachments.Count, scratch.Buffer.WrittenSpan, pooled);
            var frames = new OutgoingFrame[1 + attachments.Count];
            frames[0] = frame;
            for (int i = 0; i < attachments.Count; i++) frames[i + 1] = new OutgoingFrame(new ArraySegment<byte>(attachments[i]), isBinary: true);
            values.Reset(null); // the scratch must not keep the caller's arrays alive
            EncodeScratch.Give(scratch);
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

        private static OutgoingFrame Frame(SioPacketType type, string nsp, long? id, int attachments, byte[]? json) =>
            Frame(type, nsp, id, attachments, json == null ? ReadOnlySpan<byte>.Empty : json);

        [MethodImpl(HotPath.Optimize)]
        private static OutgoingFrame Frame(SioPacketType type, string nsp, long? id, int attachments, ReadOnlySpan<byte> json, bool pooled = false)
        {
            bool binary = type == SioPacketType.BinaryEvent || type == SioPacketType.BinaryAck;
            bool root = nsp == "/";
            int nspBytes = root ? 0 : Encoding.UTF8.GetByteCount(nsp);
            int length = 2 + (binary ? Digits(attachments) + 1 : 0) + (root ? 0 : nspBytes + 1) + (id != null ? Digits(id.Value) : 0) + json.Length;
            var bytes = pooled ? ArrayPool<byte>.Shared.Rent(length) : new byte[length];
            int position = 0;
            bytes[position++] = (byte)'4';
            bytes[position++] = (byte)('0' + (int)type);
            if (binary)
            {
                position = WriteDigits(bytes, position, attachments);
                bytes[position++] = (byte)'-';
            }
            if (!root)
            {
                position += Encoding.UTF8.GetBytes(nsp, 0, nsp.Length, bytes, position);
                bytes[position++] = (byte)',';
            }
            if (id != null) position = WriteDigits(bytes, position, id.Value);
            json.CopyTo(new Span<byte>(bytes, position, json.Length));
            return new OutgoingFrame(new ArraySegment<byte>(bytes, 0, length), isBinary: false);
        }

        private static int Digits(long value)
        {
            if (value < 0) return value.ToString(CultureInfo.InvariantCulture).Length;
            int digits = 1;
            while (value >= 10) { value /= 10; digits++; }
            return digits;
        }

        [MethodImpl(HotPath.Optimize)]
        private static int WriteDigits(byte[] bytes, int position, long value)
        {
            if (value < 0) // not produced by this client (ids and counts are never negative); written as before
            {
                foreach (char c in value.ToString(CultureInfo.InvariantCulture)) bytes[position++] = (byte)c;
                return position;
            }
            int end = position + Digits(value);
            for (int i = end - 1; i >= position; i--)
            {
                bytes[i] = (byte)('0' + (int)(value % 10));
                value /= 10;
            }
            return end;
        }

        /// <summary>A per-thread JSON buffer and writer for encoding (taken while in use, so re-entrance gets its own).</summary>
        private sealed class EncodeScratch
        {
            private const int MaxKeptBytes = 64 * 1024;

            [ThreadStatic] private static EncodeScratch? s_current;

            private EncodeScratch()
            {
                Buffer = new ByteBufferWriter(512);
                Writer = new Utf8JsonWriter(Buffer, WriterOptions);
            }

            public JsonValueWriter Values { get; } = new JsonValueWriter(null);

            public ByteBufferWriter Buffer { get; }
            public Utf8JsonWriter Writer { get; }

            [MethodImpl(HotPath.Optimize)]
            public static EncodeScratch Take()
            {
                var scratch = s_current ?? new EncodeScratch();
                s_current = null;
                return scratch;
            }

            /// <summary>Back for the next encode; not after a failure (the writer may be mid-value), nor when it grew large.</summary>
            [MethodImpl(HotPath.Optimize)]
            public static void Give(EncodeScratch scratch)
            {
                if (scratch.Buffer.Capacity > MaxKeptBytes) return;
                scratch.Buffer.Clear();
                scratch.Writer.Reset(scratch.Buffer);
                s_current = scratch;
            }
        }
    }
}
