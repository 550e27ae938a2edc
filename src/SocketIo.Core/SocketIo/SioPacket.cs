using System;
using System.Collections.Generic;

namespace SocketIo.Core.SocketIo
{
    public enum SioPacketType : byte
    {
        Connect = 0,
        Disconnect = 1,
        Event = 2,
        Ack = 3,
        ConnectError = 4,
        BinaryEvent = 5,
        BinaryAck = 6,
    }

    /// <summary>A decoded Socket.IO packet with its attachments already put in place of their placeholders.</summary>
    public sealed class SioPacket
    {
        public SioPacket(SioPacketType type, string nsp, long? id)
        {
            Type = type;
            Namespace = nsp;
            Id = id;
        }

        public SioPacketType Type { get; }
        public string Namespace { get; }
        public long? Id { get; }

        private object?[]? _arguments;

        /// <summary>EVENT/ACK: the JSON array's items (for an event, item 0 is its name).</summary>
        public object?[]? Arguments
        {
            get
            {
                if (_arguments == null && EventName != null)
                {
                    // Built only for a caller that asks: the receive path reads EventName and EventArguments.
                    var all = new object?[EventArguments!.Length + 1];
                    all[0] = EventName;
                    Array.Copy(EventArguments, 0, all, 1, EventArguments.Length);
                    _arguments = all;
                }
                return _arguments;
            }
            set
            {
                _arguments = value;
                EventName = null;
                EventArguments = null;
                Attachments = null;
            }
        }

        /// <summary>An event decoded by <see cref="SioPacketDecoder"/>: its name and its arguments without the name,
        /// so the event the user gets needs no second array.</summary>
        internal string? EventName { get; private set; }
        internal object?[]? EventArguments { get; private set; }

        /// <summary>The arrays the decoder made for the event's binary attachments (the receiver may give them back).</summary>
        internal IReadOnlyList<byte[]>? Attachments { get; private set; }

        internal void SetEvent(string name, object?[] arguments, IReadOnlyList<byte[]>? attachments)
        {
            _arguments = null;
            EventName = name;
            EventArguments = arguments;
            Attachments = attachments;
        }

        /// <summary>CONNECT: the reply object; CONNECT_ERROR: its data; DISCONNECT: a payload some servers add.</summary>
        public object? Payload { get; set; }

        /// <summary>CONNECT reply: the socket id and (with connection-state recovery) the private session id.</summary>
        public string? Sid { get; set; }
        public string? Pid { get; set; }

        /// <summary>CONNECT_ERROR: the server's message.</summary>
        public string? ErrorMessage { get; set; }

        public bool IsEvent => Type == SioPacketType.Event || Type == SioPacketType.BinaryEvent;
        public bool IsAck => Type == SioPacketType.Ack || Type == SioPacketType.BinaryAck;
    }
}
