using System;

namespace SocketIo.Core.EngineIo
{
    public enum EnginePacketType : byte
    {
        Open = 0,
        Close = 1,
        Ping = 2,
        Pong = 3,
        Message = 4,
        Upgrade = 5,
        Noop = 6,
    }

    /// <summary>
    /// One Engine.IO packet. Text packets carry their UTF-8 payload (without the type digit); binary packets are always
    /// messages and carry the raw bytes. <see cref="Data"/> may point into a reused receive buffer: it is valid only
    /// during the synchronous call that hands the packet over.
    /// </summary>
    public readonly struct EnginePacket
    {
        public EnginePacket(EnginePacketType type, ReadOnlyMemory<byte> data, bool isBinary = false)
        {
            Type = type;
            Data = data;
            IsBinary = isBinary;
        }

        public EnginePacketType Type { get; }
        public ReadOnlyMemory<byte> Data { get; }
        public bool IsBinary { get; }

        public override string ToString() =>
            IsBinary ? $"binary message ({Data.Length} bytes)" : $"{Type} ({Data.Length} bytes)";
    }

    /// <summary>One WebSocket frame to send: text frames already start with the Engine.IO type digit.</summary>
    public readonly struct OutgoingFrame
    {
        public OutgoingFrame(ArraySegment<byte> bytes, bool isBinary)
        {
            Bytes = bytes;
            IsBinary = isBinary;
        }

        public ArraySegment<byte> Bytes { get; }
        public bool IsBinary { get; }
    }
}
