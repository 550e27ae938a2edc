using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SocketIo.Core.EngineIo.WebSockets
{
    /// <summary>
    /// Writes client frames (RFC 6455 §5.3: always masked, with keys from a cryptographic RNG fetched in bulk) for a
    /// whole batch into one pooled buffer and one stream write; a batch larger than <see cref="ChunkBytes"/> goes out in
    /// chunks of that size, so memory stays bounded for huge payloads. Not thread-safe: the connection serializes writes.
    /// </summary>
    internal sealed class WebSocketFrameWriter
    {
        public const int OpText = 1, OpBinary = 2, OpClose = 8, OpPing = 9, OpPong = 10;
        public const int MaxHeaderLength = 14;
        public const int ChunkBytes = 128 * 1024;
        private const int KeysPerFetch = 32; // 128 bytes per connection, one RNG call per 32 frames

        private readonly RandomNumberGenerator _random;
        private readonly byte[] _keys = new byte[KeysPerFetch * 4];
        private int _nextKey = KeysPerFetch;

        public WebSocketFrameWriter(RandomNumberGenerator? random = null) => _random = random ?? SharedRandom;

        private static RandomNumberGenerator SharedRandom { get; } = RandomNumberGenerator.Create();

        /// <summary>The bytes a frame with this payload takes on the wire.</summary>
        public static int FrameLength(int payload) => payload + HeaderLength(payload);

        public static int HeaderLength(int payload) => (payload < 126 ? 2 : payload <= ushort.MaxValue ? 4 : 10) + 4;

        /// <summary>Writes the frames in order, each a whole (FIN) message, in as few stream writes as the chunk size allows.</summary>
        public async Task WriteAsync(Stream stream, IReadOnlyList<OutgoingFrame> frames, bool binaryAsBase64, CancellationToken cancellationToken)
        {
            long total = 0;
            for (int i = 0; i < frames.Count; i++) total += MaxHeaderLength + EnginePacketCodec.EncodedLength(frames[i], binaryAsBase64);
            var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max(total, 64), ChunkBytes));
            try
            {
                int filled = 0;
                for (int i = 0; i < frames.Count; i++)
                {
                    var frame = frames[i];
                    var payload = PayloadOf(frame, binaryAsBase64);
                    int opcode = frame.IsBinary && !binaryAsBase64 ? OpBinary : OpText;
                    if (buffer.Length - filled < MaxHeaderLength)
                    {
                        await stream.WriteAsync(buffer, 0, filled, cancellationToken).ConfigureAwait(false);
                        filled = 0;
                    }
                    uint key = NextKey();
                    filled += WriteHeader(buffer, filled, opcode, payload.Count, key);
                    for (int done = 0; done < payload.Count;)
                    {
                        if (filled == buffer.Length)
                        {
                            await stream.WriteAsync(buffer, 0, filled, cancellationToken).ConfigureAwait(false);
                            filled = 0;
                        }
                        int n = Math.Min(payload.Count - done, buffer.Length - filled);
                        Mask(new ReadOnlySpan<byte>(payload.Array, payload.Offset + done, n), new Span<byte>(buffer, filled, n), key, done);
                        filled += n;
                        done += n;
                    }
                }
                if (filled > 0) await stream.WriteAsync(buffer, 0, filled, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        /// <summary>Encodes one control frame (ping, pong, close: at most 125 bytes of payload) into a new array.</summary>
        public byte[] Control(int opcode, ReadOnlySpan<byte> payload)
        {
            if (payload.Length > 125) throw new ArgumentOutOfRangeException(nameof(payload), "A control frame carries at most 125 bytes.");
            var frame = new byte[FrameLength(payload.Length)];
            uint key = NextKey();
            int at = WriteHeader(frame, 0, opcode, payload.Length, key);
            Mask(payload, new Span<byte>(frame, at, payload.Length), key, 0);
            return frame;
        }

        /// <summary>A FIN frame header with the mask bit and key; returns its length.</summary>
        public static int WriteHeader(byte[] buffer, int at, int opcode, int length, uint key)
        {
            int start = at;
            buffer[at++] = (byte)(0x80 | opcode);
            if (length < 126)
            {
                buffer[at++] = (byte)(0x80 | length);
            }
            else if (length <= ushort.MaxValue)
            {
                buffer[at++] = 0x80 | 126;
                buffer[at++] = (byte)(length >> 8);
                buffer[at++] = (byte)length;
            }
            else
            {
                buffer[at++] = 0x80 | 127;
                for (int shift = 56; shift >= 0; shift -= 8) buffer[at++] = (byte)((long)length >> shift);
            }
            MemoryMarshal.Write(new Span<byte>(buffer, at, 4), ref key);
            return at + 4 - start;
        }

        /// <summary>Copies <paramref name="source"/> into <paramref name="destination"/> masked with <paramref name="key"/>
        /// (its bytes in memory order), starting <paramref name="position"/> bytes into the payload; 8 bytes at a time.</summary>
        public static void Mask(ReadOnlySpan<byte> source, Span<byte> destination, uint key, int position)
        {
            int shift = position & 3;
            if (shift != 0) key = BitConverter.IsLittleEndian ? (key >> (8 * shift)) | (key << (32 - 8 * shift)) : (key << (8 * shift)) | (key >> (32 - 8 * shift));
            ulong key64 = key | ((ulong)key << 32);
            int i = 0;
            for (; i + 8 <= source.Length; i += 8)
            {
                ulong value = MemoryMarshal.Read<ulong>(source.Slice(i)) ^ key64;
                MemoryMarshal.Write(destination.Slice(i), ref value);
            }
            Span<byte> keyBytes = stackalloc byte[4];
            MemoryMarshal.Write(keyBytes, ref key);
            for (; i < source.Length; i++) destination[i] = (byte)(source[i] ^ keyBytes[i & 3]);
        }

        private uint NextKey()
        {
            if (_nextKey == KeysPerFetch)
            {
                _random.GetBytes(_keys);
                _nextKey = 0;
            }
            return MemoryMarshal.Read<uint>(new ReadOnlySpan<byte>(_keys, 4 * _nextKey++, 4));
        }

        private static ArraySegment<byte> PayloadOf(OutgoingFrame frame, bool binaryAsBase64)
        {
            if (!frame.IsBinary || !binaryAsBase64) return frame.Bytes;
            var text = "b" + Convert.ToBase64String(frame.Bytes.Array!, frame.Bytes.Offset, frame.Bytes.Count);
            return new ArraySegment<byte>(Encoding.ASCII.GetBytes(text));
        }
    }
}
