using System;
using System.Runtime.CompilerServices;
using System.Buffers;
using SocketIo.Core.Json;

namespace SocketIo.Core.EngineIo.WebSockets
{
    /// <summary>What the frame reader hands over, synchronously, on the receive loop.</summary>
    internal interface IWebSocketFrameSink
    {
        /// <summary>A whole message; <paramref name="payload"/> is valid only during the call.</summary>
        void OnMessage(bool isText, ReadOnlyMemory<byte> payload);

        /// <summary>A ping: the connection owes a pong with the same payload.</summary>
        void OnPing(ReadOnlySpan<byte> payload);

        /// <summary>The server's close frame (code, or null when it sent none); nothing is read after it.</summary>
        void OnClose(int? code);
    }

    /// <summary>
    /// RFC 6455 server-to-client frame parser: parses as many frames as the bytes given hold, hands a message that
    /// arrived whole straight out of the receive buffer (no copy), and copies a message split across reads or fragments
    /// once into a pooled buffer sized by the frame header. Refuses, with <see cref="SocketIoProtocolException"/>,
    /// masked frames, reserved bits, unknown opcodes, long or fragmented control frames, bad continuations, lengths with
    /// the top bit set, and messages over the size limit (before buffering any of them).
    /// </summary>
    internal sealed class WebSocketFrameReader : IDisposable
    {
        public const int MaxHeaderLength = 10; // server frames carry no mask key
        public const int MaxControlFrameLength = 2 + 125;

        private readonly int _maxMessageBytes;
        private int _messageOpcode; // 0 between messages, else the opcode of the message being assembled
        private bool _inPayload;
        private bool _frameFin;
        private long _frameRemaining;
        private byte[]? _assembly;
        private bool _assemblyDetached; // an array of its own (DetachedPayload), not the pool's
        private int _assembled;

        public WebSocketFrameReader(int maxMessageBytes) => _maxMessageBytes = maxMessageBytes;

        /// <summary>True once the server's close frame was read.</summary>
        public bool IsClosed { get; private set; }

        /// <summary>True between messages: nothing partial is held (the connection may drop its receive buffer).</summary>
        public bool IsIdle => !_inPayload && _messageOpcode == 0;

        /// <summary>Parses frames from <paramref name="buffer"/>; returns the bytes consumed. Unconsumed bytes (at most
        /// one control frame or one frame header) must be offered again, followed by more.</summary>
        [MethodImpl(HotPath.Optimize)]
        public int Parse(byte[] buffer, int offset, int count, IWebSocketFrameSink sink)
        {
            int pos = offset;
            int end = offset + count;
            while (pos < end && !IsClosed)
            {
                if (_inPayload)
                {
                    int take = (int)Math.Min(_frameRemaining, end - pos);
                    Buffer.BlockCopy(buffer, pos, _assembly!, _assembled, take);
                    pos += take;
                    CommitPayload(take, sink);
                    continue;
                }

                int available = end - pos;
                if (available < 2) break;
                byte b0 = buffer[pos], b1 = buffer[pos + 1];
                if ((b0 & 0x70) != 0) throw Violation("a frame with reserved bits set (no extension was negotiated)");
                if ((b1 & 0x80) != 0) throw Violation("a masked frame (servers must not mask)");
                bool fin = (b0 & 0x80) != 0;
                int opcode = b0 & 0x0F;
                int length7 = b1 & 0x7F;
                bool control = opcode >= 8;
                if (control)
                {
                    if (opcode > 10) throw Violation($"a frame with the unknown opcode {opcode}");
                    if (!fin) throw Violation("a fragmented control frame");
                    if (length7 > 125) throw Violation("a control frame longer than 125 bytes");
                    if (available < 2 + length7) break;
                    HandleControl(opcode, buffer, pos + 2, length7, sink);
                    pos += 2 + length7;
                    continue;
                }
                if (opcode > 2) throw Violation($"a frame with the unknown opcode {opcode}");
                if (opcode == 0 && _messageOpcode == 0) throw Violation("a continuation frame outside a fragmented message");
                if (opcode != 0 && _messageOpcode != 0) throw Violation("a new message inside a fragmented one");

                int headerLength = length7 == 126 ? 4 : length7 == 127 ? 10 : 2;
                if (available < headerLength) break;
                long length = length7;
                if (length7 == 126) length = (buffer[pos + 2] << 8) | buffer[pos + 3];
                else if (length7 == 127)
                {
                    if ((buffer[pos + 2] & 0x80) != 0) throw Violation("a frame length with the top bit set");
                    length = 0;
                    for (int i = 2; i < 10; i++) length = (length << 8) | buffer[pos + i];
                }
                if (length > _maxMessageBytes - _assembled)
                    throw new SocketIoProtocolException($"The server sent a message larger than {_maxMessageBytes} bytes (the connection's maximum message size).");
                pos += headerLength;

                if (opcode != 0 && fin && end - pos >= length)
                {
                    // The common case: a whole message in the buffer, handed over where it lies.
                    sink.OnMessage(opcode == 1, new ReadOnlyMemory<byte>(buffer, pos, (int)length));
                    pos += (int)length;
                    continue;
                }
                if (opcode != 0) _messageOpcode = opcode;
                _frameFin = fin;
                _frameRemaining = length;
                _inPayload = true;
                EnsureAssembly(_assembled + (int)length, fin && opcode != 0, binary: _messageOpcode == 2);
                if (length == 0) CommitPayload(0, sink);
            }
            return pos - offset;
        }

        /// <summary>Where the rest of a partly read data frame goes, so a large payload can be read straight into it
        /// (no copy through the receive buffer); empty when no payload is pending.</summary>
        public ArraySegment<byte> PayloadTarget =>
            _inPayload && _frameRemaining > 0 ? new ArraySegment<byte>(_assembly!, _assembled, (int)_frameRemaining) : default;

        /// <summary>Counts <paramref name="count"/> bytes written into <see cref="PayloadTarget"/>.</summary>
        public void CommitPayload(int count, IWebSocketFrameSink sink)
        {
            _assembled += count;
            _frameRemaining -= count;
            if (_frameRemaining > 0) return;
            _inPayload = false;
            if (!_frameFin) return;
            bool isText = _messageOpcode == 1;
            int length = _assembled;
            var assembly = _assembly!;
            bool detached = _assemblyDetached;
            _messageOpcode = 0;
            _assembled = 0;
            _assembly = null;
            _assemblyDetached = false;
            if (detached) DetachedPayload.Offer(assembly);
            try
            {
                sink.OnMessage(isText, new ReadOnlyMemory<byte>(assembly, 0, length));
            }
            finally
            {
                if (detached) DetachedPayload.Withdraw();
                else ArrayPool<byte>.Shared.Return(assembly);
            }
        }

        public void Dispose()
        {
            var assembly = _assembly;
            _assembly = null;
            if (assembly != null && !_assemblyDetached) ArrayPool<byte>.Shared.Return(assembly);
        }

        private void HandleControl(int opcode, byte[] buffer, int at, int length, IWebSocketFrameSink sink)
        {
            switch (opcode)
            {
                case 8:
                    if (length == 1) throw Violation("a close frame with a one-byte payload");
                    IsClosed = true;
                    sink.OnClose(length >= 2 ? (buffer[at] << 8) | buffer[at + 1] : (int?)null);
                    break;
                case 9:
                    sink.OnPing(new ReadOnlySpan<byte>(buffer, at, length));
                    break;
                case 10:
                    break; // an unsolicited pong: nothing to do
                default:
                    throw Violation($"a frame with the unknown opcode {opcode}");
            }
        }

        /// <summary>Sized exactly for a message split across reads; grown (doubling) for fragments of unknown total. A
        /// large unfragmented binary message gets an array of its own, which its receiver may keep (no copy).</summary>
        private void EnsureAssembly(int needed, bool exact, bool binary)
        {
            if (_assembly != null && _assembly.Length >= needed) return;
            if (exact && binary && needed >= DetachedPayload.Threshold && _assembly == null)
            {
                _assembly = DetachedPayload.Allocate(needed);
                _assemblyDetached = true;
                return;
            }
            int size = exact ? needed : (int)Math.Min(Math.Max(Math.Max(needed, 2L * (_assembly?.Length ?? 0)), 1024), Math.Max(needed, _maxMessageBytes));
            var larger = ArrayPool<byte>.Shared.Rent(size);
            if (_assembly != null)
            {
                Buffer.BlockCopy(_assembly, 0, larger, 0, _assembled);
                ArrayPool<byte>.Shared.Return(_assembly);
            }
            _assembly = larger;
        }

        private static SocketIoProtocolException Violation(string what) =>
            new SocketIoProtocolException($"The server sent {what}, which RFC 6455 forbids.");
    }
}
