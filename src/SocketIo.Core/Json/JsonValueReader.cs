using System;
using System.Runtime.CompilerServices;
using System.Collections.Generic;
using System.Text.Json;

namespace SocketIo.Core.Json
{
    /// <summary>
    /// Reads JSON straight from UTF-8 into the factory's objects. Numbers: Int32 when they fit, else Int64, else Double.
    /// With attachments, Socket.IO placeholders (<c>{"_placeholder":true,"num":n}</c>) become the attachment bytes.
    /// Throws only <see cref="SocketIoProtocolException"/>, also for strings that are not valid UTF-8 or UTF-16.
    /// </summary>
    public static partial class JsonValueReader
    {
        public const int MaxDepth = 128;

        private static readonly JsonReaderOptions Options = new JsonReaderOptions { MaxDepth = MaxDepth };

        public static object? Read(ReadOnlySpan<byte> utf8, IJsonValueFactory factory, IReadOnlyList<byte[]>? attachments = null)
        {
            var reader = new Utf8JsonReader(utf8, Options);
            var scratch = Scratch.Take();
            try
            {
                if (!reader.Read()) throw new SocketIoProtocolException("Expected a JSON value, found nothing.");
                var value = ReadValue(ref reader, factory, attachments, scratch);
                if (reader.Read()) throw new SocketIoProtocolException("Unexpected data after the JSON value.");
                Scratch.Give(scratch); // not after a failure: its lists may still hold values
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
        public static object?[] ReadArray(ReadOnlySpan<byte> utf8, IJsonValueFactory factory, IReadOnlyList<byte[]>? attachments = null) =>
            ReadTopArray(utf8, factory, attachments, splitFirst: false, out _, out _);

        /// <summary>Reads an event's array: its first item (the name: short names are the same instance every time) apart
        /// from the rest, so the caller gets the arguments without copying them again.</summary>
        internal static object?[] ReadEvent(ReadOnlySpan<byte> utf8, IJsonValueFactory factory, IReadOnlyList<byte[]>? attachments,
            out bool empty, out object? first) =>
            ReadTopArray(utf8, factory, attachments, splitFirst: true, out empty, out first);

        [MethodImpl(HotPath.Optimize)]
        private static object?[] ReadTopArray(ReadOnlySpan<byte> utf8, IJsonValueFactory factory, IReadOnlyList<byte[]>? attachments,
            bool splitFirst, out bool empty, out object? first)
        {
            if (attachments == null && IsPlain(utf8))
            {
                var plain = Scratch.Take();
                bool read = new PlainReader(utf8, factory, plain).TryTopArray(splitFirst, out var items, out empty, out first);
                if (!read) plain.ClearAll(); // the full reader reads it again and says what is wrong
                Scratch.Give(plain);
                if (read) return items;
            }
            var reader = new Utf8JsonReader(utf8, Options);
            var scratch = Scratch.Take();
            try
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
                    throw new SocketIoProtocolException("Expected a JSON array.");
                var items = ReadItems(ref reader, factory, attachments, scratch, cacheFirstString: true, splitFirst, out empty, out first);
                if (reader.Read()) throw new SocketIoProtocolException("Unexpected data after the JSON array.");
                Scratch.Give(scratch); // not after a failure: its lists may still hold values
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

        [MethodImpl(HotPath.Optimize)]
        private static object? ReadValue(ref Utf8JsonReader reader, IJsonValueFactory factory, IReadOnlyList<byte[]>? attachments, Scratch scratch)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject: return ReadObject(ref reader, factory, attachments, scratch);
                case JsonTokenType.StartArray: return factory.CreateArray(ReadItems(ref reader, factory, attachments, scratch, cacheFirstString: false, splitFirst: false, out _, out _));
                case JsonTokenType.String: return reader.GetString();
                case JsonTokenType.Number: return ReadNumber(ref reader);
                case JsonTokenType.True: return true;
                case JsonTokenType.False: return false;
                case JsonTokenType.Null: return null;
                default: throw new SocketIoProtocolException($"Unexpected JSON token {reader.TokenType}.");
            }
        }

        [MethodImpl(HotPath.Optimize)]
        private static object ReadNumber(ref Utf8JsonReader reader)
        {
            // A fraction or an exponent never fits an integer: skip the two attempts that would fail (timestamps).
            if (IsIntegral(reader.ValueSpan))
            {
                if (reader.TryGetInt32(out int i)) return i;
                if (reader.TryGetInt64(out long l)) return l;
            }
            if (reader.TryGetDouble(out double d)) return d;
            // Beyond double's range (1e999): JSON.parse gives ±Infinity, and so does this, on every runtime.
            return reader.ValueSpan[0] == (byte)'-' ? double.NegativeInfinity : double.PositiveInfinity;
        }

        private static bool IsIntegral(ReadOnlySpan<byte> number)
        {
            foreach (byte b in number)
                if (b == (byte)'.' || b == (byte)'e' || b == (byte)'E') return false;
            return true;
        }

        // The lists are per thread and per depth (one array or object is read at each depth at a time), so reading
        // allocates only the results; a list is handed to the factory only for the call (IJsonValueFactory says so).
        [MethodImpl(HotPath.Optimize)]
        private static object?[] ReadItems(ref Utf8JsonReader reader, IJsonValueFactory factory, IReadOnlyList<byte[]>? attachments,
            Scratch scratch, bool cacheFirstString, bool splitFirst, out bool empty, out object? first)
        {
            var items = scratch.ItemsAt(reader.CurrentDepth);
            if (cacheFirstString && reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                // An event's name: the same few strings over and over.
                items.Add(reader.TokenType == JsonTokenType.String ? scratch.GetName(ref reader) : ReadValue(ref reader, factory, attachments, scratch));
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    items.Add(ReadValue(ref reader, factory, attachments, scratch));
            }
            else if (!cacheFirstString)
            {
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    items.Add(ReadValue(ref reader, factory, attachments, scratch));
            }
            empty = items.Count == 0;
            first = empty ? null : items[0];
            int skip = splitFirst && !empty ? 1 : 0;
            var result = items.Count == skip ? Array.Empty<object?>() : new object?[items.Count - skip];
            items.CopyTo(skip, result, 0, result.Length);
            items.Clear();
            return result;
        }

        [MethodImpl(HotPath.Optimize)]
        private static object? ReadObject(ref Utf8JsonReader reader, IJsonValueFactory factory, IReadOnlyList<byte[]>? attachments, Scratch scratch)
        {
            var properties = scratch.PropertiesAt(reader.CurrentDepth);
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                string name = scratch.GetName(ref reader);
                reader.Read();
                properties.Add(new KeyValuePair<string, object?>(name, ReadValue(ref reader, factory, attachments, scratch)));
            }
            if (attachments != null && TryGetPlaceholder(properties, out var num))
            {
                if (num < 0 || num >= attachments.Count)
                    throw new SocketIoProtocolException($"Binary placeholder {num} does not match the {attachments.Count} attachment(s) received.");
                properties.Clear();
                return attachments[(int)num];
            }
            var result = factory.CreateObject(properties);
            properties.Clear();
            return result;
        }

        // socket.io-parser: an object whose _placeholder is true is an attachment reference and needs a valid num.
        [MethodImpl(HotPath.Optimize)]
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

        /// <summary>Per-thread reading state: list per depth, and a small cache of property (and event) names.</summary>
        private sealed class Scratch
        {
            private const int MaxKeptCapacity = 4096;
            private const int MaxCachedNameBytes = 64;
            private const int NameSlots = 256;

            [ThreadStatic] private static Scratch? s_current;

            private readonly List<List<object?>> _items = new List<List<object?>>();
            private readonly List<List<KeyValuePair<string, object?>>> _properties = new List<List<KeyValuePair<string, object?>>>();
            private readonly byte[]?[] _nameBytes = new byte[]?[NameSlots];
            private readonly string?[] _names = new string?[NameSlots];
            private char[] _chars = new char[64];

            // Taken while in use: a factory that reads JSON itself (re-entrance) gets a fresh one.
            public static Scratch Take()
            {
                var scratch = s_current ?? new Scratch();
                s_current = null;
                return scratch;
            }

            public static void Give(Scratch scratch) => s_current = scratch;

            [MethodImpl(HotPath.Optimize)]
            public List<object?> ItemsAt(int depth)
            {
                while (_items.Count <= depth) _items.Add(new List<object?>());
                var list = _items[depth];
                if (list.Capacity > MaxKeptCapacity) _items[depth] = list = new List<object?>(); // a huge array once is not kept
                return list;
            }

            [MethodImpl(HotPath.Optimize)]
            public List<KeyValuePair<string, object?>> PropertiesAt(int depth)
            {
                while (_properties.Count <= depth) _properties.Add(new List<KeyValuePair<string, object?>>());
                var list = _properties[depth];
                if (list.Capacity > MaxKeptCapacity) _properties[depth] = list = new List<KeyValuePair<string, object?>>();
                return list;
            }

            /// <summary>The current string token, the same instance as last time for short unescaped names.</summary>
            [MethodImpl(HotPath.Optimize)]
            public string GetName(ref Utf8JsonReader reader)
            {
                if (reader.ValueIsEscaped || reader.HasValueSequence) return reader.GetString()!;
                var span = reader.ValueSpan;
                if (span.Length > MaxCachedNameBytes) return reader.GetString()!;
                int slot = Slot(span);
                var bytes = _nameBytes[slot];
                if (bytes != null && span.SequenceEqual(bytes)) return _names[slot]!;
                var name = reader.GetString()!; // validates the UTF-8
                _nameBytes[slot] = span.ToArray();
                _names[slot] = name;
                return name;
            }

            /// <summary>The same cache for a plain (ASCII, unescaped) name's bytes.</summary>
            [MethodImpl(HotPath.Optimize)]
            public string GetName(ReadOnlySpan<byte> ascii)
            {
                if (ascii.Length > MaxCachedNameBytes) return Ascii(ascii);
                int slot = Slot(ascii);
                var bytes = _nameBytes[slot];
                if (bytes != null && ascii.SequenceEqual(bytes)) return _names[slot]!;
                var name = Ascii(ascii);
                _nameBytes[slot] = ascii.ToArray();
                _names[slot] = name;
                return name;
            }

            /// <summary>ASCII bytes as a string (widened in a kept buffer: netstandard2.0 has no span overload).</summary>
            [MethodImpl(HotPath.Optimize)]
            public string Ascii(ReadOnlySpan<byte> ascii)
            {
                if (ascii.Length == 0) return string.Empty;
                if (_chars.Length < ascii.Length) _chars = new char[Math.Max(ascii.Length, 2 * _chars.Length)];
                var chars = _chars;
                for (int i = 0; i < ascii.Length; i++) chars[i] = (char)ascii[i];
                var text = new string(chars, 0, ascii.Length);
                if (chars.Length > MaxKeptCapacity) _chars = new char[64]; // a huge string once is not kept
                return text;
            }

            /// <summary>Empties every list (after a read that gave up half-way), so the scratch can be kept.</summary>
            public void ClearAll()
            {
                foreach (var list in _items) list.Clear();
                foreach (var list in _properties) list.Clear();
            }

            private static int Slot(ReadOnlySpan<byte> span)
            {
                uint hash = 2166136261;
                foreach (var b in span) hash = (hash ^ b) * 16777619;
                return (int)(hash & (NameSlots - 1));
            }
        }
    }
}
