using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using SocketIo.Core.Json;

namespace SocketIo.Core.SocketIo.MsgPack
{
    internal enum MsgPackKind : byte
    {
        Nil,
        /// <summary>notepack.io's <c>undefined</c>: fixext 1 of type 0.</summary>
        Undefined,
        Boolean,
        /// <summary>A signed value in <see cref="MsgPackToken.Integer"/> (positive/negative fixint, int 8–64).</summary>
        Integer,
        /// <summary>uint 8–64; the value is <c>(ulong)</c><see cref="MsgPackToken.Integer"/>.</summary>
        Unsigned,
        Float,
        String,
        /// <summary>bin 8/16/32, or notepack.io's ArrayBuffer (ext 8/16/32 of type 0).</summary>
        Binary,
        Array,
        Map,
        /// <summary>notepack.io's Date: fixext 8 of type 0, milliseconds since 1970 in <see cref="MsgPackToken.Integer"/>.</summary>
        Date,
    }

    /// <summary>The header of one MessagePack value. For str/bin the payload is at Offset/Length (already skipped);
    /// for array/map Length is the number of items/pairs, which follow.</summary>
    internal readonly struct MsgPackToken
    {
        public MsgPackToken(MsgPackKind kind, long integer = 0, double number = 0, int offset = 0, int length = 0)
        {
            Kind = kind;
            Integer = integer;
            Number = number;
            Offset = offset;
            Length = length;
        }

        public MsgPackKind Kind { get; }
        public long Integer { get; }
        public double Number { get; }
        public int Offset { get; }
        public int Length { get; }

        public bool IsAbsent => Kind == MsgPackKind.Undefined;
    }

    /// <summary>
    /// Reads MessagePack from one buffer, the way notepack.io 2.2.0 decodes it: every MessagePack format except ext,
    /// of which only notepack.io's own uses of type 0 (undefined, Date, ArrayBuffer) are known. Every length is checked
    /// against the bytes that remain before anything is allocated, containers nest at most MaxDepth deep, and any
    /// problem is a <see cref="SocketIoProtocolException"/>.
    /// </summary>
    internal sealed class MsgPackReader
    {
        /// <summary>Stands for <c>undefined</c> in values that <see cref="ReadValue(IJsonValueFactory, int)"/> returns.</summary>
        public static readonly object Undefined = new object();

        // Node's Buffer.toString('utf8') replaces invalid sequences with U+FFFD; so does this.
        private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

        // The range of DateTimeOffset (years 1–9999), in Unix milliseconds.
        private const long MinUnixMilliseconds = -62135596800000;
        private const long MaxUnixMilliseconds = 253402300799999;

        private readonly byte[] _buffer;
        private readonly int _end;
        private int _position;

        public MsgPackReader(byte[] buffer, int offset, int count, int maxDepth)
        {
            _buffer = buffer;
            _position = offset;
            _end = offset + count;
            MaxDepth = maxDepth;
        }

        public int MaxDepth { get; }

        public int Position
        {
            get => _position;
            set => _position = value;
        }

        public bool AtEnd => _position == _end;

        public int Remaining => _end - _position;

        public MsgPackToken ReadToken()
        {
            byte prefix = ReadByte();
            if (prefix < 0x80) return new MsgPackToken(MsgPackKind.Integer, prefix);
            if (prefix < 0x90) return Container(MsgPackKind.Map, prefix & 0x0f);
            if (prefix < 0xa0) return Container(MsgPackKind.Array, prefix & 0x0f);
            if (prefix < 0xc0) return Payload(MsgPackKind.String, prefix & 0x1f);
            if (prefix >= 0xe0) return new MsgPackToken(MsgPackKind.Integer, (sbyte)prefix);

            switch (prefix)
            {
                case 0xc0: return new MsgPackToken(MsgPackKind.Nil);
                case 0xc2: return new MsgPackToken(MsgPackKind.Boolean, 0);
                case 0xc3: return new MsgPackToken(MsgPackKind.Boolean, 1);
                case 0xc4: return Payload(MsgPackKind.Binary, ReadByte());
                case 0xc5: return Payload(MsgPackKind.Binary, BinaryPrimitives.ReadUInt16BigEndian(Take(2)));
                case 0xc6: return Payload(MsgPackKind.Binary, BinaryPrimitives.ReadUInt32BigEndian(Take(4)));
                case 0xc7: return Ext(ReadByte());
                case 0xc8: return Ext(BinaryPrimitives.ReadUInt16BigEndian(Take(2)));
                case 0xc9: return Ext(BinaryPrimitives.ReadUInt32BigEndian(Take(4)));
                case 0xca:
                {
                    Span<int> bits = stackalloc int[1];
                    bits[0] = BinaryPrimitives.ReadInt32BigEndian(Take(4));
                    return new MsgPackToken(MsgPackKind.Float, number: MemoryMarshal.Cast<int, float>(bits)[0]);
                }
                case 0xcb: return new MsgPackToken(MsgPackKind.Float, number: BitConverter.Int64BitsToDouble(BinaryPrimitives.ReadInt64BigEndian(Take(8))));
                case 0xcc: return new MsgPackToken(MsgPackKind.Unsigned, ReadByte());
                case 0xcd: return new MsgPackToken(MsgPackKind.Unsigned, BinaryPrimitives.ReadUInt16BigEndian(Take(2)));
                case 0xce: return new MsgPackToken(MsgPackKind.Unsigned, BinaryPrimitives.ReadUInt32BigEndian(Take(4)));
                case 0xcf: return new MsgPackToken(MsgPackKind.Unsigned, unchecked((long)BinaryPrimitives.ReadUInt64BigEndian(Take(8))));
                case 0xd0: return new MsgPackToken(MsgPackKind.Integer, (sbyte)ReadByte());
                case 0xd1: return new MsgPackToken(MsgPackKind.Integer, BinaryPrimitives.ReadInt16BigEndian(Take(2)));
                case 0xd2: return new MsgPackToken(MsgPackKind.Integer, BinaryPrimitives.ReadInt32BigEndian(Take(4)));
                case 0xd3: return new MsgPackToken(MsgPackKind.Integer, BinaryPrimitives.ReadInt64BigEndian(Take(8)));
                case 0xd4: return FixExt(1);
                case 0xd5: return FixExt(2);
                case 0xd6: return FixExt(4);
                case 0xd7: return FixExt(8);
                case 0xd8: return FixExt(16);
                case 0xd9: return Payload(MsgPackKind.String, ReadByte());
                case 0xda: return Payload(MsgPackKind.String, BinaryPrimitives.ReadUInt16BigEndian(Take(2)));
                case 0xdb: return Payload(MsgPackKind.String, BinaryPrimitives.ReadUInt32BigEndian(Take(4)));
                case 0xdc: return Container(MsgPackKind.Array, BinaryPrimitives.ReadUInt16BigEndian(Take(2)));
                case 0xdd: return Container(MsgPackKind.Array, BinaryPrimitives.ReadUInt32BigEndian(Take(4)));
                case 0xde: return Container(MsgPackKind.Map, BinaryPrimitives.ReadUInt16BigEndian(Take(2)));
                case 0xdf: return Container(MsgPackKind.Map, BinaryPrimitives.ReadUInt32BigEndian(Take(4)));
                default: throw new SocketIoProtocolException($"Unknown MessagePack format 0x{prefix:x2}.");
            }
        }

        /// <summary>Skips one value, checking it as thoroughly as reading it would.</summary>
        public void Skip(int depth) => SkipRest(ReadToken(), depth);

        /// <summary>Skips what follows a token: the items of an array, the pairs of a map.</summary>
        public void SkipRest(in MsgPackToken token, int depth)
        {
            if (token.Kind != MsgPackKind.Array && token.Kind != MsgPackKind.Map) return;
            CheckDepth(depth);
            long values = token.Kind == MsgPackKind.Map ? 2L * token.Length : token.Length;
            for (long i = 0; i < values; i++) Skip(depth + 1);
        }

        /// <param name="depth">The number of containers around the value.</param>
        /// <returns>The value as the factory builds it, or <see cref="Undefined"/>.</returns>
        public object? ReadValue(IJsonValueFactory factory, int depth) => ReadValue(ReadToken(), factory, depth);

        public object? ReadValue(in MsgPackToken token, IJsonValueFactory factory, int depth)
        {
            switch (token.Kind)
            {
                case MsgPackKind.Nil: return null;
                case MsgPackKind.Undefined: return Undefined;
                case MsgPackKind.Boolean: return token.Integer != 0;
                case MsgPackKind.Integer: return Box(token.Integer);
                case MsgPackKind.Unsigned:
                    ulong unsigned = unchecked((ulong)token.Integer);
                    return unsigned <= long.MaxValue ? Box((long)unsigned) : (object)(double)unsigned;
                case MsgPackKind.Float: return token.Number;
                case MsgPackKind.String: return GetString(token);
                case MsgPackKind.Binary: return GetBytes(token);
                case MsgPackKind.Date: return DateToIsoString(token.Integer);
                case MsgPackKind.Array: return factory.CreateArray(ReadItems(token, factory, depth));
                default: return ReadMap(token, factory, depth);
            }
        }

        /// <summary>The items of an array whose header was read; <c>undefined</c> items become null (as in JSON).</summary>
        public object?[] ReadItems(in MsgPackToken array, IJsonValueFactory factory, int depth)
        {
            CheckDepth(depth);
            var items = new object?[array.Length]; // Length was checked against the bytes that remain
            for (int i = 0; i < items.Length; i++)
            {
                var item = ReadValue(factory, depth + 1);
                items[i] = ReferenceEquals(item, Undefined) ? null : item;
            }
            return items;
        }

        /// <summary>A map key as JavaScript would see it: a string, or a scalar turned into one.</summary>
        public string ReadKey()
        {
            var token = ReadToken();
            switch (token.Kind)
            {
                case MsgPackKind.String: return GetString(token);
                case MsgPackKind.Integer: return token.Integer.ToString(CultureInfo.InvariantCulture);
                case MsgPackKind.Unsigned: return unchecked((ulong)token.Integer).ToString(CultureInfo.InvariantCulture);
                case MsgPackKind.Boolean: return token.Integer != 0 ? "true" : "false";
                case MsgPackKind.Nil: return "null";
                case MsgPackKind.Undefined: return "undefined";
                default: throw new SocketIoProtocolException($"A MessagePack map key must be a string, not {Describe(token)}.");
            }
        }

        public string GetString(in MsgPackToken token) => Utf8.GetString(_buffer, token.Offset, token.Length);

        public static string Describe(in MsgPackToken token) => token.Kind switch
        {
            MsgPackKind.Nil => "nil",
            MsgPackKind.Undefined => "undefined",
            MsgPackKind.Boolean => "a boolean",
            MsgPackKind.Integer or MsgPackKind.Unsigned or MsgPackKind.Float => "a number",
            MsgPackKind.String => "a string",
            MsgPackKind.Binary => "binary data",
            MsgPackKind.Array => "an array",
            MsgPackKind.Map => "a map",
            _ => "a date",
        };

        private object ReadMap(in MsgPackToken map, IJsonValueFactory factory, int depth)
        {
            CheckDepth(depth);
            var properties = new List<KeyValuePair<string, object?>>(map.Length);
            for (int i = 0; i < map.Length; i++)
            {
                string key = ReadKey();
                var value = ReadValue(factory, depth + 1);
                // JSON.stringify drops undefined properties: a server's {pid: undefined} is no property at all.
                if (!ReferenceEquals(value, Undefined)) properties.Add(new KeyValuePair<string, object?>(key, value));
            }
            return factory.CreateObject(properties);
        }

        private byte[] GetBytes(in MsgPackToken token)
        {
            var bytes = new byte[token.Length];
            Buffer.BlockCopy(_buffer, token.Offset, bytes, 0, token.Length);
            return bytes;
        }

        private void CheckDepth(int depth)
        {
            if (depth >= MaxDepth) throw new SocketIoProtocolException($"The MessagePack data is nested more than {MaxDepth} levels deep.");
        }

        private static object Box(long value) => value >= int.MinValue && value <= int.MaxValue ? (object)(int)value : value;

        /// <summary>What JSON.stringify makes of a Date (toISOString), so a date reads the same with either parser.</summary>
        private static string DateToIsoString(long milliseconds)
        {
            if (milliseconds < MinUnixMilliseconds || milliseconds > MaxUnixMilliseconds)
                throw new SocketIoProtocolException($"A MessagePack date ({milliseconds} ms since 1970) is outside the years 1-9999.");
            return DateTimeOffset.FromUnixTimeMilliseconds(milliseconds).UtcDateTime
                .ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        }

        private MsgPackToken Payload(MsgPackKind kind, long length)
        {
            if (length > Remaining)
                throw new SocketIoProtocolException($"A MessagePack {(kind == MsgPackKind.String ? "string" : "binary")} declares {length} bytes; only {Remaining} remain.");
            var token = new MsgPackToken(kind, offset: _position, length: (int)length);
            _position += (int)length;
            return token;
        }

        private MsgPackToken Container(MsgPackKind kind, long count)
        {
            // Each item takes at least one byte, each pair two: a count the remaining bytes cannot hold is a lie.
            long minimum = kind == MsgPackKind.Map ? 2 * count : count;
            if (minimum > Remaining)
                throw new SocketIoProtocolException($"A MessagePack {(kind == MsgPackKind.Map ? "map" : "array")} declares {count} entries; only {Remaining} bytes remain.");
            return new MsgPackToken(kind, length: (int)count);
        }

        private MsgPackToken Ext(long length)
        {
            sbyte type = (sbyte)ReadByte();
            if (type != 0) throw UnsupportedExt(type);
            return Payload(MsgPackKind.Binary, length); // notepack.io: an ArrayBuffer
        }

        private MsgPackToken FixExt(int size)
        {
            sbyte type = (sbyte)ReadByte();
            if (type == 0 && size == 1)
            {
                Take(1);
                return new MsgPackToken(MsgPackKind.Undefined);
            }
            if (type == 0 && size == 8) return new MsgPackToken(MsgPackKind.Date, BinaryPrimitives.ReadInt64BigEndian(Take(8)));
            throw UnsupportedExt(type);
        }

        private static SocketIoProtocolException UnsupportedExt(sbyte type) =>
            new SocketIoProtocolException($"Unsupported MessagePack extension type {type} (notepack.io uses only type 0 for undefined, Date and ArrayBuffer).");

        private byte ReadByte() => Take(1)[0];

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count > Remaining) throw new SocketIoProtocolException("The MessagePack data is truncated.");
            var span = new ReadOnlySpan<byte>(_buffer, _position, count);
            _position += count;
            return span;
        }
    }
}
