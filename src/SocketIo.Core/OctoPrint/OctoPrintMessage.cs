using System;

namespace SocketIo.Core.OctoPrint
{
    /// <summary>
    /// One OctoPrint push message (<c>{"&lt;type&gt;": payload}</c>): <c>connected</c>, <c>current</c>,
    /// <c>history</c>, <c>event</c>, <c>plugin</c>, <c>slicingProgress</c>, <c>renderProgress</c>, <c>timelapse</c>,
    /// <c>reauthRequired</c>, or any type a plugin or a newer server adds.
    /// </summary>
    public sealed class OctoPrintMessage
    {
        internal OctoPrintMessage(string type, object? payload, DateTime receivedAt, string? eventType, object? eventPayload, string? reason, string? version = null)
        {
            Version = version;
            Type = type;
            Payload = payload;
            ReceivedAt = receivedAt;
            EventType = eventType;
            EventPayload = eventPayload;
            Reason = reason;
        }

        public string Type { get; }

        /// <summary>The payload, built by the connection's value factory (null for JSON null).</summary>
        public object? Payload { get; }

        /// <summary>When the frame was read (UTC).</summary>
        public DateTime ReceivedAt { get; }

        /// <summary>For <c>event</c> messages: the event's <c>type</c>, e.g. <c>PrintDone</c>; otherwise null.</summary>
        public string? EventType { get; }

        /// <summary>For <c>event</c> messages: the event's own <c>payload</c> (null when it has none).</summary>
        public object? EventPayload { get; }

        /// <summary>For <c>reauthRequired</c>: the reason (<c>stale</c>, <c>logout</c>, <c>removed</c>, <c>modified</c>).</summary>
        public string? Reason { get; }

        /// <summary>For <c>connected</c>: the server's version.</summary>
        internal string? Version { get; }

        public override string ToString() => EventType != null ? "event:" + EventType : Type;
    }
}
