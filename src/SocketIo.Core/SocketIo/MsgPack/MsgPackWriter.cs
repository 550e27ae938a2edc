using System;
using System.Buffers.Binary;
using System.Text;

namespace SocketIo.Core.SocketIo.MsgPack
{
    /// <summary>
    /// A MessagePack writer that picks the same formats as notepack.io 2.2.0 (what socket.io-msgpack-parser uses), so
    /// equal values give equal bytes: the smallest int/uint format for whole numbers (whole doubles included), float 64
    /// for the rest, the smallest str/bin/array/map header. It never writes float 32 or ext.
    /// </summary>
    internal sealed class MsgPackWriter
    {
        private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

        private byte[] _buffer;
        private int _length;

        public MsgPackWriter(int initialCapacity = 64) => _buffer = new byte[initialCapacity];

        public int Length => _length;

        /// <summary>The bytes written so far, without a copy (the writer must not be used afterwards).</summary>
        public ArraySegment<byte> WrittenSegment => new ArraySegment<byte>(_buffer, 0, _length);

        public byte[] ToArray()
        {
            var result = new byte[_length];
            Buffer.BlockCopy(_buffer, 0, result, 0, _length);
            return result;
        }

        public void WriteNil() => WriteByte(0xc0);

        public void WriteBoolean(bool value) => WriteByte(value ? (byte)0xc3 : (byte)0xc2);

        public void WriteInteger(long value)
        {
            if (value >= 0) { WriteUnsigned((ulong)value); return; }
            if (value >= -0x20) { WriteByte((byte)(sbyte)value); return; } // negative fixint
            if (value >= sbyte.MinValue) { WriteByte(0xd0); WriteByte((byte)(sbyte)value); return; }
            if (value >= short.MinValue) { WriteByte(0xd1); BinaryPrimitives.WriteInt16BigEndian(Reserve(2), (short)value); return; }
            if (value >= int.MinValue) { WriteByte(0xd2); BinaryPrimitives.WriteInt32BigEndian(Reserve(4), (int)value); return; }
            WriteByte(0xd3);
            BinaryPrimitives.WriteInt64BigEndian(Reserve(8), value);
        }

        public void WriteUnsigned(ulong value)
        {
            if (value < 0x80) { WriteByte((byte)value); return; } // positive fixint
            if (value <= byte.MaxValue) { WriteByte(0xcc); WriteByte((byte)value); return; }
            if (value <= ushort.MaxValue) { WriteByte(0xcd); BinaryPrimitives.WriteUInt16BigEndian(Reserve(2), (ushort)value); return; }
            if (value <= uint.MaxValue) { WriteByte(0xce); BinaryPrimitives.WriteUInt32BigEndian(Reserve(4), (uint)value); return; }
            WriteByte(0xcf);
            BinaryPrimitives.WriteUInt64BigEndian(Reserve(8), value);
        }

        /// <summary>
        /// Like notepack.io: a whole, finite number is written as an integer (-0 as 0), anything else (fractions, NaN,
        /// infinities) as float 64. Whole numbers beyond the 64-bit integer range stay float 64 (notepack.io would
        /// garble them).
        /// </summary>
        public void WriteDouble(double value)
        {
            if (!double.IsNaN(value) && !double.IsInfinity(value) && Math.Floor(value) == value)
            {
                if (value >= 0 && value < 18446744073709551616.0) { WriteUnsigned((ulong)value); return; }
                if (value < 0 && value >= -9223372036854775808.0) { WriteInteger((long)value); return; }
            }
            WriteByte(0xcb);
            BinaryPrimitives.WriteInt64BigEndian(Reserve(8), BitConverter.DoubleToInt64Bits(value));
        }

        /// <summary>UTF-8; a lone surrogate becomes U+FFFD, as node's Buffer.write does.</summary>
        public void WriteString(string value)
        {
            int length = Utf8.GetByteCount(value);
            if (length < 0x20) WriteByte((byte)(0xa0 | length));
            else if (length <= byte.MaxValue) { WriteByte(0xd9); WriteByte((byte)length); }
            else if (length <= ushort.MaxValue) { WriteByte(0xda); BinaryPrimitives.WriteUInt16BigEndian(Reserve(2), (ushort)length); }
            else { WriteByte(0xdb); BinaryPrimitives.WriteUInt32BigEndian(Reserve(4), (uint)length); }
            Reserve(length);
            Utf8.GetBytes(value, 0, value.Length, _buffer, _length - length);
        }

        public void WriteBinary(byte[] value)
        {
            int length = value.Length;
            if (length <= byte.MaxValue) { WriteByte(0xc4); WriteByte((byte)length); }
            else if (length <= ushort.MaxValue) { WriteByte(0xc5); BinaryPrimitives.WriteUInt16BigEndian(Reserve(2), (ushort)length); }
            else { WriteByte(0xc6); BinaryPrimitives.WriteUInt32BigEndian(Reserve(4), (uint)length); }
            Reserve(length);
            Buffer.BlockCopy(value, 0, _buffer, _length - length, length);
        }

        public void WriteArrayHeader(int count) => WriteContainerHeader(count, 0x90, 0xdc, 0xdd);

        public void WriteMapHeader(int count) => WriteContainerHeader(count, 0x80, 0xde, 0xdf);

        private void WriteContainerHeader(int count, byte fix, byte format16, byte format32)
        {
            if (count < 0x10) WriteByte((byte)(fix | count));
            else if (count <= ushort.MaxValue) { WriteByte(format16); BinaryPrimitives.WriteUInt16BigEndian(Reserve(2), (ushort)count); }
            else { WriteByte(format32); BinaryPrimitives.WriteUInt32BigEndian(Reserve(4), (uint)count); }
        }

        private void WriteByte(byte value) => Reserve(1)[0] = value;

        /// <summary>Grows the buffer, advances past <paramref name="count"/> bytes and returns them to fill in.</summary>
        private Span<byte> Reserve(int count)
        {
            long needed = (long)_length + count;
            if (needed > _buffer.Length)
            {
                if (needed > int.MaxValue - 64) throw new SocketIoSerializationException("The message is too large to encode.");
                Array.Resize(ref _buffer, (int)Math.Min(int.MaxValue - 64, Math.Max(needed, 2L * _buffer.Length)));
            }
            var span = new Span<byte>(_buffer, _length, count);
            _length += count;
            return span;
        }
    }
}
