using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using SocketIo.Core.EngineIo.WebSockets;

namespace SocketIo.Core.Tests.WebSockets
{
    /// <summary>Server frames built by hand, and a sink that records what the reader hands over.</summary>
    internal static class FrameTestKit
    {
        /// <summary>An unmasked server frame; <paramref name="lengthBytes"/> forces the 2- or 8-byte length form.</summary>
        public static byte[] Frame(int opcode, byte[] payload, bool fin = true, byte extraBits = 0, int? lengthBytes = null, bool masked = false)
        {
            var frame = new List<byte> { (byte)((fin ? 0x80 : 0) | extraBits | opcode) };
            byte maskBit = masked ? (byte)0x80 : (byte)0;
            int form = lengthBytes ?? (payload.Length < 126 ? 0 : payload.Length <= 65535 ? 2 : 8);
            if (form == 0) frame.Add((byte)(maskBit | payload.Length));
            else if (form == 2) { frame.Add((byte)(maskBit | 126)); frame.Add((byte)(payload.Length >> 8)); frame.Add((byte)payload.Length); }
            else { frame.Add((byte)(maskBit | 127)); for (int s = 56; s >= 0; s -= 8) frame.Add((byte)((long)payload.Length >> s)); }
            if (masked) frame.AddRange(new byte[4]);
            frame.AddRange(payload);
            return frame.ToArray();
        }

        public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

        /// <summary>Feeds <paramref name="stream"/> in chunks the way the connection does: unconsumed bytes stay at the front.</summary>
        public static Recorder Feed(byte[] stream, int chunk, int maxMessage = 1 << 24, Recorder? recorder = null)
        {
            recorder ??= new Recorder();
            recorder.Idle = FeedInto(stream, chunk, recorder, maxMessage);
            return recorder;
        }

        /// <summary>As <see cref="Feed"/>, into any sink; returns whether the reader ended between messages.</summary>
        public static bool FeedInto(byte[] stream, int chunk, IWebSocketFrameSink sink, int maxMessage = 1 << 24)
        {
            using var reader = new WebSocketFrameReader(maxMessage);
            var buffer = new byte[Math.Max(chunk, WebSocketFrameReader.MaxControlFrameLength) + WebSocketFrameReader.MaxControlFrameLength];
            int count = 0;
            int at = 0;
            while (!reader.IsClosed)
            {
                int n = Math.Min(chunk, stream.Length - at);
                if (n == 0 && count == 0) break;
                Buffer.BlockCopy(stream, at, buffer, count, n);
                at += n;
                count += n;
                int used = reader.Parse(buffer, 0, count, sink);
                Buffer.BlockCopy(buffer, used, buffer, 0, count - used);
                count -= used;
                if (n == 0) break; // no more input: what is left is an incomplete frame
            }
            return reader.IsIdle;
        }

        internal sealed class Recorder : IWebSocketFrameSink
        {
            public readonly List<(bool IsText, byte[] Payload)> Messages = new List<(bool, byte[])>();
            public readonly List<byte[]> Pings = new List<byte[]>();
            public readonly List<int?> Closes = new List<int?>();
            public bool Idle;

            public void OnMessage(bool isText, ReadOnlyMemory<byte> payload) => Messages.Add((isText, payload.ToArray()));
            public void OnPing(ReadOnlySpan<byte> payload) => Pings.Add(payload.ToArray());
            public void OnClose(int? code) => Closes.Add(code);
        }

        /// <summary>Counts the writes that reach the stream.</summary>
        internal sealed class CountingStream : MemoryStream
        {
            public int Writes;

            public override void Write(byte[] buffer, int offset, int count)
            {
                Writes++;
                base.Write(buffer, offset, count);
            }

            public override System.Threading.Tasks.Task WriteAsync(byte[] buffer, int offset, int count, System.Threading.CancellationToken cancellationToken)
            {
                Write(buffer, offset, count);
                return System.Threading.Tasks.Task.CompletedTask;
            }
        }

        /// <summary>Decodes client frames (checking they are masked FIN frames); returns (opcode, unmasked payload).</summary>
        public static List<(int Opcode, byte[] Payload)> DecodeClientFrames(byte[] bytes)
        {
            var frames = new List<(int, byte[])>();
            int at = 0;
            while (at < bytes.Length)
            {
                if ((bytes[at] & 0x80) == 0) throw new InvalidDataException("not FIN");
                int opcode = bytes[at] & 0x0F;
                if ((bytes[at + 1] & 0x80) == 0) throw new InvalidDataException("client frame not masked");
                long length = bytes[at + 1] & 0x7F;
                at += 2;
                if (length == 126) { length = (bytes[at] << 8) | bytes[at + 1]; at += 2; }
                else if (length == 127) { length = 0; for (int i = 0; i < 8; i++) length = (length << 8) | bytes[at + i]; at += 8; }
                var key = bytes.Skip(at).Take(4).ToArray();
                at += 4;
                var payload = new byte[length];
                for (int i = 0; i < length; i++) payload[i] = (byte)(bytes[at + i] ^ key[i & 3]);
                at += (int)length;
                frames.Add((opcode, payload));
            }
            return frames;
        }
    }
}
