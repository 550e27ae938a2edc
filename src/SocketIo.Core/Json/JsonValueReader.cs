using System;
using System.Collections.Generic;
using System.Text.Json;

namespace SocketIo.Core.Json
{
    /// <summary>
    /// Reads JSON straight from UTF-8 into the factory's objects. Numbers: Int32 when they fit, else Int64, else Double.
    /// With attachments, Socket.IO placeholders (<c>{"_placeholder":true,"num":n}</c>) become the attachment bytes.
    /// Throws only <see cref="SocketIoProtocolException"/>, also for strings that are not valid UTF-8 or UTF-16.
    /// </summary>
    public static class JsonValueReader
    {
        public const int MaxDepth = 128;

        private static readonly JsonReaderOptions Options = new JsonReaderOptions { MaxDepth = MaxDepth };

        public static object? Read(ReadOnlySpan<byte> utf8, IJsonValueFactory factory, IReadOnlyList<byte[]>? attachments = null)
        {
            var reader = new Utf8JsonReader(utf8, Options);
            try
            {
                if (!reader.Read()) throw new SocketIoProtocolException("Expected a JSON value, found nothing.");
                var value = ReadValue(ref reader, factory, attachments);
                if (reader.Read()) throw new SocketIoProtocolException("Unexpected data after the JSON value.");
                return value;
            }
            catch (JsonException e)
            {
                throw new SocketIoProtocolException("Invalid JSON: " + e.Message, e);
            }
            catch (InvalidOperationException e)
            {
                // A string that is not valid UTF-8, or escapes that are not valid UTF-16 (a lone surrogate).
                throw new SocketIoProtocolException("Invalid string in JSON: " + e.Message, e);
            }
        }

        /// <summary>Reads a JSON array into object?[] (its items through the factory); anything else is a protocol error.</summary>
        public static object?[] ReadArray(ReadOnlySpan<byte> utf8, IJsonValueFactory factory, IReadOnlyList<byte[]>? attachments = null)
        {
            var reader = new Utf8JsonReader(utf8, Options);
            try
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
                    throw new SocketIoProtocolException("Expected a JSON array.");
                var items = ReadItems(ref reader, factory, attachments);
                if (reader.Read()) throw new SocketIoProtocolException("Unexpected data after the JSON array.");
                return items;
            }
            catch (JsonException e)
            {
                throw new SocketIoProtocolException("Invalid JSON: " + e.Message, e);
            }
            catch (InvalidOperationException e)
            {
                // A string that is not valid UTF-8, or escapes that are not valid UTF-16 (a lone surrogate).
                throw new SocketIoProtocolException("Invalid string in JSON: " + e.Message, e);
            }
        }

        private static object? ReadValue(ref Utf8JsonReader reader, IJsonValueFactory factory, IReadOnlyList<byte[]>? attachments)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject: return ReadObject(ref reader, factory, attachments);
                case JsonTokenType.StartArray: return factory.CreateArray(ReadItems(ref reader, factory, attachments));
                case JsonTokenType.String: return reader.GetString();
                case JsonTokenType.Number: return ReadNumber(ref reader);
                case JsonTokenType.True: return true;
                case JsonTokenType.False: return false;
                case JsonTokenType.Null: return null;
                default: throw new SocketIoProtocolException($"Unexpected JSON token {reader.TokenType}.");
            }
        }

        private static object ReadNumber(ref Utf8JsonReader reader)
        {
            if (reader.TryGetInt32(out int i)) return i;
            if (reader.TryGetInt64(out long l)) return l;
            if (reader.TryGetDouble(out double d)) return d;
            // Beyond double's range (1e999): JSON.parse gives ±Infinity, and so does this, on every runtime.
            return reader.ValueSpan[0] == (byte)'-' ? double.NegativeInfinity : double.PositiveInfinity;
        }

        private static object?[] ReadItems(ref Utf8JsonReader reader, IJsonValueFactory factory, IReadOnlyList<byte[]>? attachments)
        {
            var items = new List<object?>();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                items.Add(ReadValue(ref reader, factory, attachments));
            return items.ToArray();
        }

        private static object? ReadObject(ref Utf8JsonReader reader, IJsonValueFactory factory, IReadOnlyList<byte[]>? attachments)
        {
            var properties = new List<KeyValuePair<string, object?>>();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                string name = reader.GetString()!;
                reader.Read();
                properties.Add(new KeyValuePair<string, object?>(name, ReadValue(ref reader, factory, attachments)));
            }
            if (attachments != null && TryGetPlaceholder(properties, out var num))
            {
                if (num < 0 || num >= attachments.Count)
                    throw new SocketIoProtocolException($"Binary placeholder {num} does not match the {attachments.Count} attachment(s) received.");
                return attachments[(int)num];
            }
            return factory.CreateObject(properties);
        }

        // socket.io-parser: an object whose _placeholder is true is an attachment reference and needs a valid num.
        private static bool TryGetPlaceholder(List<KeyValuePair<string, object?>> properties, out long num)
        {
            num = -1;
            bool isPlaceholder = false;
            object? numValue = null;
            foreach (var property in properties)
            {
                if (property.Key == "_placeholder") isPlaceholder = property.Value is true;
                else if (property.Key == "num") numValue = property.Value;
            }
            if (!isPlaceholder) return false;
            if (numValue is int n) num = n;
            else if (numValue is long ln) num = ln;
            else throw new SocketIoProtocolException("A binary placeholder has no integer 'num'.");
            return true;
        }
    }
}
