using System;
using System.Collections.Generic;
using System.Text.Json;
using SocketIo.Core.Json;

namespace SocketIo.Core.OctoPrint
{
    /// <summary>
    /// Pure: one SockJS message (JSON text) → OctoPrint messages. Every property of the top-level object is one
    /// message, in order (OctoPrint sends one; its JS client dispatches each key). A message that is not a JSON
    /// object is ignored, as OctoPrint's clients do. Throws only <see cref="SocketIoProtocolException"/>.
    /// </summary>
    public static class OctoPrintMessageParser
    {
        private static readonly JsonReaderOptions ReaderOptions = new JsonReaderOptions { MaxDepth = JsonValueReader.MaxDepth };

        public static IReadOnlyList<OctoPrintMessage> Parse(ReadOnlySpan<byte> json, IJsonValueFactory factory, DateTime receivedAt)
        {
            var messages = new List<OctoPrintMessage>(1);
            var reader = new Utf8JsonReader(json, ReaderOptions);
            try
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return messages;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    string type = reader.GetString()!;
                    reader.Read();
                    var value = Slice(ref reader, json);
                    object? payload = JsonValueReader.Read(value, factory);
                    string? eventType = null, reason = null, version = null;
                    object? eventPayload = null;
                    if (type == "event")
                    {
                        eventType = ReadStringProperty(value, "type");
                        if (TryFindProperty(value, "payload", out int start, out int length))
                            eventPayload = JsonValueReader.Read(value.Slice(start, length), factory);
                    }
                    else if (type == "reauthRequired")
                    {
                        reason = ReadStringProperty(value, "reason");
                    }
                    else if (type == "connected")
                    {
                        version = ReadStringProperty(value, "version");
                    }
                    messages.Add(new OctoPrintMessage(type, payload, receivedAt, eventType, eventPayload, reason, version));
                }
                return messages;
            }
            catch (JsonException e)
            {
                throw new SocketIoProtocolException("Invalid JSON in an OctoPrint message: " + e.Message, e);
            }
            catch (InvalidOperationException e)
            {
                throw new SocketIoProtocolException("Invalid string in an OctoPrint message: " + e.Message, e);
            }
        }

        /// <summary>A string property of a JSON object (null when missing, not a string, or not an object).</summary>
        public static string? ReadStringProperty(ReadOnlySpan<byte> json, string name)
        {
            if (!TryFindProperty(json, name, out int start, out int length)) return null;
            var reader = new Utf8JsonReader(json.Slice(start, length), ReaderOptions);
            reader.Read();
            return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        }

        /// <summary>Where a top-level property's value sits in an object's JSON text.</summary>
        private static bool TryFindProperty(ReadOnlySpan<byte> json, string name, out int start, out int length)
        {
            start = length = 0;
            var reader = new Utf8JsonReader(json, ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool match = reader.ValueTextEquals(name);
                reader.Read();
                start = (int)reader.TokenStartIndex;
                if (reader.TokenType == JsonTokenType.StartObject || reader.TokenType == JsonTokenType.StartArray) reader.Skip();
                length = (int)reader.BytesConsumed - start;
                if (match) return true;
            }
            return false;
        }

        private static ReadOnlySpan<byte> Slice(ref Utf8JsonReader reader, ReadOnlySpan<byte> json)
        {
            int start = (int)reader.TokenStartIndex;
            if (reader.TokenType == JsonTokenType.StartObject || reader.TokenType == JsonTokenType.StartArray) reader.Skip();
            return json.Slice(start, (int)reader.BytesConsumed - start);
        }
    }
}
