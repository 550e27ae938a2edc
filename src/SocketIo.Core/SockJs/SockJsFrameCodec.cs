using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using SocketIo.Core.Json;

namespace SocketIo.Core.SockJs
{
    /// <summary>
    /// Pure SockJS framing (sockjs-protocol 0.3): decodes server frames <c>o</c>, <c>h</c>, <c>a[...]</c>,
    /// <c>m&lt;json&gt;</c> and <c>c[code,"reason"]</c>, and encodes client messages as a JSON array of strings.
    /// Decoding throws only <see cref="SocketIoProtocolException"/>.
    /// </summary>
    public static class SockJsFrameCodec
    {
        public const int MaxDepth = JsonValueReader.MaxDepth;

        private static readonly JsonReaderOptions ReaderOptions = new JsonReaderOptions { MaxDepth = MaxDepth };

        private static readonly JsonWriterOptions WriterOptions = new JsonWriterOptions
        {
            // Like JSON.stringify: escape only what JSON requires, so frames read as the notes show them.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };

        public static SockJsFrame Decode(string frame) => Decode(Encoding.UTF8.GetBytes(frame));

        /// <param name="frame">One WebSocket text message, or one xhr line without its <c>\n</c>.</param>
        public static SockJsFrame Decode(ReadOnlySpan<byte> frame)
        {
            if (frame.Length == 0) throw new SocketIoProtocolException("Empty SockJS frame.");
            var content = frame.Slice(1);
            switch ((char)frame[0])
            {
                case 'o':
                    RequireEmpty(content, 'o');
                    return SockJsFrame.Open;
                case 'h':
                    RequireEmpty(content, 'h');
                    return SockJsFrame.Heartbeat;
                case 'a':
                    return SockJsFrame.ForMessages(DecodeArray(content));
                case 'm':
                    return SockJsFrame.ForMessages(new[] { DecodeSingle(content) });
                case 'c':
                    return DecodeClose(content);
                default:
                    throw new SocketIoProtocolException($"Unknown SockJS frame type '{Printable(frame[0])}'.");
            }
        }

        /// <summary>A client frame: the messages (each one JSON text, e.g. <c>{"auth":"u:s"}</c>) as a JSON array of strings.</summary>
        public static byte[] EncodeMessages(IReadOnlyList<string> messages)
        {
            var buffer = new ByteBufferWriter();
            using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            {
                writer.WriteStartArray();
                foreach (var message in messages) writer.WriteStringValue(message);
                writer.WriteEndArray();
            }
            return buffer.WrittenSpan.ToArray();
        }

        public static byte[] EncodeMessage(string message) => EncodeMessages(new[] { message });

        private static void RequireEmpty(ReadOnlySpan<byte> content, char type)
        {
            if (content.Length != 0) throw new SocketIoProtocolException($"The SockJS '{type}' frame carries unexpected data.");
        }

        private static byte[][] DecodeArray(ReadOnlySpan<byte> content)
        {
            var reader = new Utf8JsonReader(content, ReaderOptions);
            try
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
                    throw new SocketIoProtocolException("The SockJS 'a' frame does not hold a JSON array.");
                var messages = new List<byte[]>();
                while (true)
                {
                    if (!reader.Read()) throw new SocketIoProtocolException("The SockJS 'a' frame ends inside its array.");
                    if (reader.TokenType == JsonTokenType.EndArray) break;
                    messages.Add(ReadMessage(ref reader, content));
                }
                if (reader.Read()) throw new SocketIoProtocolException("Unexpected data after the SockJS 'a' frame's array.");
                return messages.ToArray();
            }
            catch (JsonException e)
            {
                throw new SocketIoProtocolException("Invalid JSON in a SockJS 'a' frame: " + e.Message, e);
            }
        }

        private static byte[] DecodeSingle(ReadOnlySpan<byte> content)
        {
            var reader = new Utf8JsonReader(content, ReaderOptions);
            try
            {
                if (!reader.Read()) throw new SocketIoProtocolException("The SockJS 'm' frame is empty.");
                var message = ReadMessage(ref reader, content);
                if (reader.Read()) throw new SocketIoProtocolException("Unexpected data after the SockJS 'm' frame's value.");
                return message;
            }
            catch (JsonException e)
            {
                throw new SocketIoProtocolException("Invalid JSON in a SockJS 'm' frame: " + e.Message, e);
            }
        }

        /// <summary>The current value as one message's JSON text: strings are unwrapped and must hold JSON.</summary>
        private static byte[] ReadMessage(ref Utf8JsonReader reader, ReadOnlySpan<byte> content)
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                byte[] inner;
                if (reader.ValueIsEscaped)
                {
                    var unescaped = new byte[reader.ValueSpan.Length];
                    int written;
                    try { written = reader.CopyString(unescaped); }
                    catch (InvalidOperationException e) { throw new SocketIoProtocolException("A SockJS message string is not valid UTF-16: " + e.Message, e); }
                    inner = new byte[written];
                    Buffer.BlockCopy(unescaped, 0, inner, 0, written);
                }
                else
                {
                    inner = reader.ValueSpan.ToArray();
                }
                ValidateJson(inner);
                return inner;
            }

            int start = (int)reader.TokenStartIndex;
            if (reader.TokenType == JsonTokenType.StartObject || reader.TokenType == JsonTokenType.StartArray) reader.Skip();
            int end = (int)reader.BytesConsumed;
            return content.Slice(start, end - start).ToArray();
        }

        private static void ValidateJson(byte[] json)
        {
            var reader = new Utf8JsonReader(json, ReaderOptions);
            try
            {
                if (!reader.Read()) throw new SocketIoProtocolException("A SockJS message string is empty, not JSON.");
                reader.Skip();
                if (reader.Read()) throw new SocketIoProtocolException("A SockJS message string holds more than one JSON value.");
            }
            catch (JsonException e)
            {
                throw new SocketIoProtocolException("A SockJS message string does not hold JSON: " + e.Message, e);
            }
        }

        private static SockJsFrame DecodeClose(ReadOnlySpan<byte> content)
        {
            var reader = new Utf8JsonReader(content, ReaderOptions);
            try
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray
                    || !reader.Read() || reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int code)
                    || !reader.Read() || reader.TokenType != JsonTokenType.String)
                    throw new SocketIoProtocolException("The SockJS 'c' frame is not [code,\"reason\"].");
                string reason = reader.GetString() ?? string.Empty;
                if (!reader.Read() || reader.TokenType != JsonTokenType.EndArray)
                    throw new SocketIoProtocolException("The SockJS 'c' frame is not [code,\"reason\"].");
                if (reader.Read()) throw new SocketIoProtocolException("Unexpected data after the SockJS 'c' frame's array.");
                return SockJsFrame.ForClose(code, reason);
            }
            catch (JsonException e)
            {
                throw new SocketIoProtocolException("Invalid JSON in a SockJS 'c' frame: " + e.Message, e);
            }
            catch (InvalidOperationException e)
            {
                throw new SocketIoProtocolException("Invalid string in a SockJS 'c' frame: " + e.Message, e);
            }
        }

        private static string Printable(byte b) => b >= 0x20 && b < 0x7f ? ((char)b).ToString() : $"\\x{b:x2}";
    }
}
