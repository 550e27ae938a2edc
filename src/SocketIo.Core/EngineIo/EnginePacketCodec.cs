using System;
using System.Runtime.CompilerServices;
using System.Collections.Generic;
using System.Text;
using SocketIo.Core.Json;

namespace SocketIo.Core.EngineIo
{
    /// <summary>Pure Engine.IO v4 codec: WebSocket frames and HTTP long-polling payloads.</summary>
    public static class EnginePacketCodec
    {
        /// <summary>Polling payloads join packets with the ASCII record separator.</summary>
        public const char RecordSeparator = '\x1e';

        [MethodImpl(HotPath.Optimize)]
        public static EnginePacket DecodeText(ReadOnlyMemory<byte> frame)
        {
            if (frame.Length == 0) throw new SocketIoProtocolException("Empty Engine.IO packet.");
            int digit = frame.Span[0] - '0';
            if (digit < 0 || digit > (int)EnginePacketType.Noop)
                throw new SocketIoProtocolException($"Unknown Engine.IO packet type '{(char)frame.Span[0]}'.");
            return new EnginePacket((EnginePacketType)digit, frame.Slice(1));
        }

        public static EnginePacket DecodeBinary(ReadOnlyMemory<byte> frame) =>
            new EnginePacket(EnginePacketType.Message, frame, isBinary: true);

        /// <summary>A binary message sent as base64 text (after the <c>b</c>): polling payloads, and WebSocket text
        /// frames of a <c>b64=1</c> (forceBase64) session.</summary>
        public static EnginePacket DecodeBase64(ReadOnlyMemory<byte> base64)
        {
            byte[] bytes;
            try { bytes = Convert.FromBase64String(Encoding.ASCII.GetString(base64.ToArray())); }
            catch (FormatException e) { throw new SocketIoProtocolException("Invalid base64 in a binary Engine.IO packet.", e); }
            return DecodeBinary(bytes);
        }

        /// <summary>Bytes one frame takes in a polling payload (binary as <c>b</c>+base64), or as a forceBase64 WebSocket frame.</summary>
        public static long EncodedLength(OutgoingFrame frame, bool binaryAsBase64) =>
            frame.IsBinary && binaryAsBase64 ? 1 + 4L * ((frame.Bytes.Count + 2) / 3) : frame.Bytes.Count;

        public static OutgoingFrame EncodeText(EnginePacketType type, string? payload = null)
        {
            int length = 1 + (payload == null ? 0 : Encoding.UTF8.GetByteCount(payload));
            var bytes = new byte[length];
            bytes[0] = (byte)('0' + (int)type);
            if (payload != null) Encoding.UTF8.GetBytes(payload, 0, payload.Length, bytes, 1);
            return new OutgoingFrame(new ArraySegment<byte>(bytes), isBinary: false);
        }

        /// <summary>Splits a polling payload (text with <c>\x1e</c> separators, <c>b</c>+base64 for binary). The text
        /// packets share one UTF-8 buffer: no string or array per packet.</summary>
        public static List<EnginePacket> DecodePayload(string payload)
        {
            var packets = new List<EnginePacket>();
            var utf8 = new byte[Encoding.UTF8.GetByteCount(payload)];
            int written = 0;
            int start = 0;
            while (true)
            {
                int end = payload.IndexOf(RecordSeparator, start);
                int length = (end < 0 ? payload.Length : end) - start;
                if (length > 0 && payload[start] == 'b')
                {
                    byte[] bytes;
                    try { bytes = Convert.FromBase64String(payload.Substring(start + 1, length - 1)); }
                    catch (FormatException e) { throw new SocketIoProtocolException("Invalid base64 in a polling payload.", e); }
                    packets.Add(DecodeBinary(bytes));
                }
                else
                {
                    int count = Encoding.UTF8.GetBytes(payload, start, length, utf8, written);
                    packets.Add(DecodeText(new ReadOnlyMemory<byte>(utf8, written, count)));
                    written += count;
                }
                if (end < 0) return packets;
                start = end + 1;
            }
        }

        /// <summary>Joins frames into one polling payload: text frames as they are, binary ones as b+base64.</summary>
        public static string EncodePayload(IReadOnlyList<OutgoingFrame> frames)
        {
            var builder = new StringBuilder();
            for (int i = 0; i < frames.Count; i++)
            {
                if (i > 0) builder.Append(RecordSeparator);
                var bytes = frames[i].Bytes;
                if (frames[i].IsBinary)
                    builder.Append('b').Append(Convert.ToBase64String(bytes.Array!, bytes.Offset, bytes.Count));
                else
                    builder.Append(Encoding.UTF8.GetString(bytes.Array!, bytes.Offset, bytes.Count));
            }
            return builder.ToString();
        }
    }
}
