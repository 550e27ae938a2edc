using System;
using System.Buffers;

namespace SocketIo.Core.Json
{
    /// <summary>A growable byte buffer for Utf8JsonWriter (netstandard2.0 has no public ArrayBufferWriter).</summary>
    internal sealed class ByteBufferWriter : IBufferWriter<byte>
    {
        private byte[] _buffer;

        public ByteBufferWriter(int initialCapacity = 256) => _buffer = new byte[initialCapacity];

        public int Length { get; private set; }

        public ReadOnlySpan<byte> WrittenSpan => new ReadOnlySpan<byte>(_buffer, 0, Length);

        public int Capacity => _buffer.Length;

        public void Advance(int count) => Length += count;

        /// <summary>Empties the buffer for reuse (the bytes stay allocated).</summary>
        public void Clear() => Length = 0;

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return new Memory<byte>(_buffer, Length, _buffer.Length - Length);
        }

        public Span<byte> GetSpan(int sizeHint = 0)
        {
            Ensure(sizeHint);
            return new Span<byte>(_buffer, Length, _buffer.Length - Length);
        }

        private void Ensure(int sizeHint)
        {
            int needed = Length + Math.Max(sizeHint, 1);
            if (needed <= _buffer.Length) return;
            Array.Resize(ref _buffer, Math.Max(needed, _buffer.Length * 2));
        }
    }
}
