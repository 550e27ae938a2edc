using System;
using System.Runtime.CompilerServices;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;
using SocketIo.Core.EngineIo;
using SocketIo.Core.Json;

namespace SocketIo.Core.SocketIo
{
    /// <summary>
    /// Stateful Socket.IO v5 decoder: text packets, then the binary attachments a BINARY_EVENT/BINARY_ACK announced.
    /// Strict like socket.io-parser (what it rejects, this rejects) but tolerant of python-socketio's variants
    /// (CONNECT_ERROR as a bare string, DISCONNECT with a payload). Throws only <see cref="SocketIoProtocolException"/>;
    /// after one, call <see cref="Reset"/> (the connection is closed with reason "parse error").
    /// </summary>
    public sealed class SioPacketDecoder
    {
        private readonly IJsonValueFactory _factory;
        private Pending? _pending;
        private byte[]? _lastNspBytes;
        private string? _lastNsp;

        public SioPacketDecoder(IJsonValueFactory factory, int maxAttachments = 10)
        {
            _factory = factory;
            MaxAttachments = maxAttachments;
        }

        public int MaxAttachments { get; }

        public bool IsReconstructing => _pending != null;

        public void Reset() => _pending = null;

        /// <returns>The packet, or null while attachments are still awaited.</returns>
        [MethodImpl(HotPath.Optimize)]
        public SioPacket? DecodeText(ReadOnlySpan<byte> text)
        {
            if (_pending != null) throw new SocketIoProtocolException("A text packet arrived while binary attachments were still expected.");
            if (text.Length == 0) throw new SocketIoProtocolException("Empty Socket.IO packet.");

            int position = 0;
            int typeDigit = text[position++] - '0';
            if (typeDigit < 0 || typeDigit > (int)SioPacketType.BinaryAck)
                throw new SocketIoProtocolException($"Unknown Socket.IO packet type '{(char)text[0]}'.");
            var type = (SioPacketType)typeDigit;

            int attachments = 0;
            if (type == SioPacketType.BinaryEvent || type == SioPacketType.BinaryAck)
            {
                int start = position;
                while (position < text.Length && text[position] != '-') position++;
                if (position == text.Length || !TryParseDigits(text.Slice(start, position - start), 10, out long count))
                    throw new SocketIoProtocolException("Invalid attachment count in a binary packet.");
                if (count > MaxAttachments)
                    throw new SocketIoProtocolException($"A binary packet announces {count} attachments; at most {MaxAttachments} are accepted.");
                attachments = (int)count;
                position++; // '-'
            }

            string nsp = "/";
            if (position < text.Length && text[position] == '/')
            {
                int start = position;
                while (position < text.Length && text[position] != ',') position++;
                nsp = NamespaceOf(text.Slice(start, position - start));
                if (position < text.Length) position++; // ','
            }

            long? id = null;
            if (position < text.Length && IsDigit(text[position]))
            {
                int start = position;
                while (position < text.Length && IsDigit(text[position])) position++;
                if (!TryParseDigits(text.Slice(start, position - start), 18, out long ackId))
                    throw new SocketIoProtocolException("The acknowledgement id is too large.");
                id = ackId;
            }

            var json = text.Slice(position);
            var packet = new SioPacket(type, nsp, id);
            if (attachments > 0)
            {
                _pending = new Pending(packet, json.ToArray(), attachments);
                return null;
            }
            Complete(packet, json, null);
            return packet;
        }

        /// <returns>The packet once its last attachment arrived, else null.</returns>
        public SioPacket? DecodeBinary(ReadOnlyMemory<byte> data)
        {
            if (_pending == null) throw new SocketIoProtocolException("A binary message arrived that no packet announced.");
            var pending = _pending;
            // A large message the transport read into an array of its own is kept as it is (no copy).
            pending.Attachments.Add(DetachedPayload.TryTake(data, out var detached) ? detached : Copy(data.Span));
            if (pending.Attachments.Count < pending.Expected) return null;
            _pending = null;
            Complete(pending.Packet, pending.Json, pending.Attachments);
            return pending.Packet;
        }

        [MethodImpl(HotPath.Optimize)]
        private void Complete(SioPacket packet, ReadOnlySpan<byte> json, IReadOnlyList<byte[]>? attachments)
        {
            try
            {
                CompletePayload(packet, json, attachments);
            }
            catch (InvalidOperationException e)
            {
                // JsonElement.GetString on a string that is not valid UTF-8 or UTF-16 (CONNECT sid, CONNECT_ERROR message).
                throw new SocketIoProtocolException("Invalid string in a Socket.IO packet: " + e.Message, e);
            }
        }

        [MethodImpl(HotPath.Optimize)]
        private void CompletePayload(SioPacket packet, ReadOnlySpan<byte> json, IReadOnlyList<byte[]>? attachments)
        {
            switch (packet.Type)
            {
                case SioPacketType.Connect:
                    ReadConnect(packet, json);
                    break;
                case SioPacketType.Disconnect:
                    if (json.Length > 0) packet.Payload = JsonValueReader.Read(json, _factory);
                    break;
                case SioPacketType.ConnectError:
                    ReadConnectError(packet, json);
                    break;
                case SioPacketType.Event:
                case SioPacketType.BinaryEvent:
                    var arguments = JsonValueReader.ReadEvent(json, _factory, attachments, out bool empty, out object? first);
                    if (empty) throw new SocketIoProtocolException("An EVENT packet with an empty array.");
                    packet.SetEvent(EventName(first), arguments, attachments);
                    break;
                default:
                    packet.Arguments = JsonValueReader.ReadArray(json, _factory, attachments);
                    if (packet.Id == null) throw new SocketIoProtocolException("An acknowledgement without an id.");
                    break;
            }
        }

        /// <summary>An attachment of its own for <paramref name="data"/>: a large one in an array a receiver gave back
        /// when there is one of that length.</summary>
        private static byte[] Copy(ReadOnlySpan<byte> data)
        {
            if (data.Length < DetachedPayload.Threshold) return data.ToArray();
            var copy = DetachedPayload.Allocate(data.Length);
            data.CopyTo(copy);
            return copy;
        }

        [MethodImpl(HotPath.Optimize)]
        private static string EventName(object? first)
        {
            switch (first)
            {
                case string name:
                    if (ReservedEventNames.Contains(name)) throw new SocketIoProtocolException($"The server sent the reserved event name '{name}'.");
                    return name;
                case int or long or double:
                    return Convert.ToString(first, CultureInfo.InvariantCulture); // node accepts numeric names
                default:
                    throw new SocketIoProtocolException("An EVENT packet whose first element is not an event name.");
            }
        }

        /// <summary>The CONNECT reply ({"sid":...,"pid":...}) read in one pass over the bytes: no copy and no document
        /// per connect. Validates the whole payload like a document would; a repeated key's last value wins.</summary>
        private static void ReadConnect(SioPacket packet, ReadOnlySpan<byte> json)
        {
            if (json.Length == 0) return; // a v2-era reply; the namespace socket reports the version mismatch
            try
            {
                var reader = new Utf8JsonReader(json);
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    while (reader.Read()) { } // invalid JSON is reported as such before the wrong kind
                    throw new SocketIoProtocolException("A CONNECT reply whose payload is not an object.");
                }
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    bool sid = reader.ValueTextEquals("sid"), pid = !sid && reader.ValueTextEquals("pid");
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        if (sid) packet.Sid = reader.GetString();
                        else if (pid) packet.Pid = reader.GetString();
                    }
                    else
                    {
                        if (sid) packet.Sid = null;
                        else if (pid) packet.Pid = null;
                        reader.Skip();
                    }
                }
                while (reader.Read()) { } // throws on anything after the object
            }
            catch (JsonException e) { throw new SocketIoProtocolException("Invalid JSON: " + e.Message, e); }
        }

        private void ReadConnectError(SioPacket packet, ReadOnlySpan<byte> json)
        {
            if (json.Length == 0) { packet.ErrorMessage = "Connection rejected by server"; return; }
            using var document = Parse(json);
            var root = document.RootElement;
            switch (root.ValueKind)
            {
                case JsonValueKind.String:
                    packet.ErrorMessage = root.GetString();
                    break;
                case JsonValueKind.Object:
                    packet.ErrorMessage = GetString(root, "message") ?? "Connection rejected by server";
                    if (root.TryGetProperty("data", out var data))
                        packet.Payload = JsonValueReader.Read(Encoding.UTF8.GetBytes(data.GetRawText()), _factory);
                    break;
                default:
                    throw new SocketIoProtocolException("A CONNECT_ERROR payload must be an object or a string.");
            }
        }

        private static JsonDocument Parse(ReadOnlySpan<byte> json)
        {
            try { return JsonDocument.Parse(json.ToArray()); }
            catch (JsonException e) { throw new SocketIoProtocolException("Invalid JSON: " + e.Message, e); }
        }

        private static string? GetString(JsonElement root, string name) =>
            root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

        /// <summary>The namespace's string, the same instance as the last packet's when the bytes are the same.</summary>
        [MethodImpl(HotPath.Optimize)]
        private string NamespaceOf(ReadOnlySpan<byte> bytes)
        {
            if (_lastNspBytes != null && bytes.SequenceEqual(_lastNspBytes)) return _lastNsp!;
            var nsp = Encoding.UTF8.GetString(bytes.ToArray());
            _lastNspBytes = bytes.ToArray();
            _lastNsp = nsp;
            return nsp;
        }

        private static bool IsDigit(byte b) => b >= '0' && b <= '9';

        private static bool TryParseDigits(ReadOnlySpan<byte> digits, int maxDigits, out long value)
        {
            value = 0;
            if (digits.Length == 0 || digits.Length > maxDigits) return false;
            foreach (var b in digits)
            {
                if (!IsDigit(b)) return false;
                value = value * 10 + (b - '0');
            }
            return true;
        }

        private sealed class Pending
        {
            public Pending(SioPacket packet, byte[] json, int expected)
            {
                Packet = packet;
                Json = json;
                Expected = expected;
            }

            public SioPacket Packet { get; }
            public byte[] Json { get; }
            public int Expected { get; }
            public List<byte[]> Attachments { get; } = new List<byte[]>();
        }
    }
}
