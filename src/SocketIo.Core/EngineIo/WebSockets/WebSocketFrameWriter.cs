using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.Json;

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
        private const int KeysPerFetch = 32; // one RNG call per 32 frames

        // Mask keys are fetched per thread, not per connection (NextKey runs synchronously): an idle connection holds
        // no key buffer, and a key is still fresh from the RNG and used once.
        [ThreadStatic] private static byte[]? _keys;
        [ThreadStatic] private static int _nextKey;

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
                var progress = new Progress();
                while (progress.Frame < frames.Count)
                {
                    int filled = Fill(buffer, frames, binaryAsBase64, ref progress);
                    await stream.WriteAsync(buffer, 0, filled, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        /// <summary>Where <see cref="Fill"/> stopped: the frame it was at, and how much of its payload it wrote.</summary>
        private struct Progress
        {
            public int Frame;
            public bool InPayload; // the frame's header is written, and Done bytes of its payload
            public int Done;
            public ArraySegment<byte> Payload;
            public uint Key;
        }

        /// <summary>Encodes frames from <paramref name="progress"/> on into <paramref name="buffer"/> until it is full or
        /// every frame is in (a header never straddles two buffers; a payload may); returns the bytes filled. Synchronous
        /// and fully optimized from the first call: it runs per frame.</summary>
        [MethodImpl(HotPath.Optimize)]
        private int Fill(byte[] buffer, IReadOnlyList<OutgoingFrame> frames, bool binaryAsBase64, ref Progress progress)
        {
            int filled = 0;
            while (progress.Frame < frames.Count)
            {
                if (!progress.InPayload)
                {
                    if (buffer.Length - filled < MaxHeaderLength) return filled;
                    var frame = frames[progress.Frame];
                    progress.Payload = PayloadOf(frame, binaryAsBase64);
                    progress.Key = NextKey();
                    progress.Done = 0;
                    progress.InPayload = true;
                    int opcode = frame.IsBinary && !binaryAsBase64 ? OpBinary : OpText;
                    filled += WriteHeader(buffer, filled, opcode, progress.Payload.Count, progress.Key);
                }
                var payload = progress.Payload;
                int n = Math.Min(payload.Count - progress.Done, buffer.Length - filled);
                Mask(new ReadOnlySpan<byte>(payload.Array, payload.Offset + progress.Done, n), new Span<byte>(buffer, filled, n), progress.Key, progress.Done);
                filled += n;
                progress.Done += n;
                if (progress.Done < payload.Count) return filled; // the buffer is full
                progress.InPayload = false;
                progress.Frame++;
            }
            return filled;
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
        [MethodImpl(HotPath.Optimize)]
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
        /// (its bytes in memory order), starting <paramref name="position"/> bytes into the payload: a SIMD vector at a
        /// time where the runtime accelerates <see cref="Vector{T}"/>, then 8 bytes, then single bytes.</summary>
        [MethodImpl(HotPath.Optimize)]
        public static void Mask(ReadOnlySpan<byte> source, Span<byte> destination, uint key, int position)
        {
            int shift = position & 3;
            if (shift != 0) key = BitConverter.IsLittleEndian ? (key >> (8 * shift)) | (key << (32 - 8 * shift)) : (key << (8 * shift)) | (key >> (32 - 8 * shift));
            int i = 0;
            if (Vector.IsHardwareAccelerated && source.Length >= Vector<byte>.Count)
            {
                // Vector<byte>.Count is a multiple of 4, so every vector starts at the same key phase.
                var keys = Vector.AsVectorByte(new Vector<uint>(key));
                for (; i + Vector<byte>.Count <= source.Length; i += Vector<byte>.Count)
                {
                    var value = MemoryMarshal.Read<Vector<byte>>(source.Slice(i)) ^ keys;
                    MemoryMarshal.Write(destination.Slice(i), ref value);
                }
            }
            ulong key64 = key | ((ulong)key << 32);
            for (; i + 8 <= source.Length; i += 8)
            {
                ulong value = MemoryMarshal.Read<ulong>(source.Slice(i)) ^ key64;
                MemoryMarshal.Write(destination.Slice(i), ref value);
            }
            for (; i < source.Length; i++) destination[i] = (byte)(source[i] ^ (byte)(BitConverter.IsLittleEndian ? key >> (8 * (i & 3)) : key >> (24 - 8 * (i & 3))));
        }

        [MethodImpl(HotPath.Optimize)]
        private static uint NextKey()
        {
            var keys = _keys;
            int next = _nextKey;
            if (keys == null || next == KeysPerFetch)
            {
                keys = _keys ??= new byte[KeysPerFetch * 4];
                SharedRandom.GetBytes(keys);
                next = 0;
            }
            _nextKey = next + 1;
            return MemoryMarshal.Read<uint>(new ReadOnlySpan<byte>(keys, 4 * next, 4));
        }

        private static ArraySegment<byte> PayloadOf(OutgoingFrame frame, bool binaryAsBase64)
        {
            if (!frame.IsBinary || !binaryAsBase64) return frame.Bytes;
            var text = "b" + Convert.ToBase64String(frame.Bytes.Array!, frame.Bytes.Offset, frame.Bytes.Count);
            return new ArraySegment<byte>(Encoding.ASCII.GetBytes(text));
        }
    }
}
