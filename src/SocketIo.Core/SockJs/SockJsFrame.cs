using System;
using System.Collections.Generic;
using System.Text;

namespace SocketIo.Core.SockJs
{
    public enum SockJsFrameType
    {
        /// <summary><c>o</c>: the session is open; always the first frame.</summary>
        Open,
        /// <summary><c>h</c>: heartbeat, no data.</summary>
        Heartbeat,
        /// <summary><c>a[...]</c> or <c>m...</c>: one or more application messages.</summary>
        Messages,
        /// <summary><c>c[code,"reason"]</c>: the session is closed; nothing follows.</summary>
        Close,
    }

    /// <summary>
    /// One decoded server frame. Each message is the UTF-8 JSON text of one application message: an array element
    /// that is a JSON string (stock SockJS) is unwrapped to the JSON it contains; any other element (OctoPrint's
    /// objects) is kept as written.
    /// </summary>
    public sealed class SockJsFrame
    {
        private static readonly byte[][] NoMessages = new byte[0][];

        public static readonly SockJsFrame Open = new SockJsFrame(SockJsFrameType.Open, NoMessages, 0, null);
        public static readonly SockJsFrame Heartbeat = new SockJsFrame(SockJsFrameType.Heartbeat, NoMessages, 0, null);

        private SockJsFrame(SockJsFrameType type, IReadOnlyList<byte[]> messages, int closeCode, string? closeReason)
        {
            Type = type;
            Messages = messages;
            CloseCode = closeCode;
            CloseReason = closeReason;
        }

        public SockJsFrameType Type { get; }

        /// <summary>For <see cref="SockJsFrameType.Messages"/>: each message's JSON text (UTF-8), in order.</summary>
        public IReadOnlyList<byte[]> Messages { get; }

        /// <summary>For <see cref="SockJsFrameType.Close"/>: the code from the frame.</summary>
        public int CloseCode { get; }

        /// <summary>For <see cref="SockJsFrameType.Close"/>: the reason from the frame.</summary>
        public string? CloseReason { get; }

        public static SockJsFrame ForMessages(IReadOnlyList<byte[]> messages) =>
            new SockJsFrame(SockJsFrameType.Messages, messages, 0, null);

        public static SockJsFrame ForClose(int code, string reason) =>
            new SockJsFrame(SockJsFrameType.Close, NoMessages, code, reason);

        /// <summary>The JSON text of message <paramref name="index"/> as a string.</summary>
        public string MessageText(int index) => Encoding.UTF8.GetString(Messages[index]);

        public override string ToString()
        {
            switch (Type)
            {
                case SockJsFrameType.Messages: return $"messages ({Messages.Count})";
                case SockJsFrameType.Close: return $"close {CloseCode} {CloseReason}";
                default: return Type.ToString().ToLowerInvariant();
            }
        }
    }
}
