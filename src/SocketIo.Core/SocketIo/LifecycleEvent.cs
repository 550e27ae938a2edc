using System;

namespace SocketIo.Core.SocketIo
{
    /// <summary>socket.io-client's names for what happens to a connection (Socket and Manager events).</summary>
    public static class LifecycleEventNames
    {
        /// <summary>The namespace joined (first connect or after a reconnection).</summary>
        public const string Connect = "connect";
        /// <summary>The namespace lost its connection; <see cref="LifecycleEvent.WillReconnect"/> says whether it comes back.</summary>
        public const string Disconnect = "disconnect";
        /// <summary>Joining failed: CONNECT_ERROR from the server (no retry), the first connect failed, or a reconnect
        /// attempt failed (then <see cref="LifecycleEvent.WillReconnect"/> is true).</summary>
        public const string ConnectError = "connect_error";
        /// <summary>A reconnect attempt starts (after its backoff delay).</summary>
        public const string ReconnectAttempt = "reconnect_attempt";
        /// <summary>A reconnect attempt could not open the Engine.IO session; another follows unless the policy gives up.</summary>
        public const string ReconnectError = "reconnect_error";
        /// <summary>The Engine.IO session is open again; each namespace then joins again ("connect").</summary>
        public const string Reconnect = "reconnect";
        /// <summary>The reconnect policy gave up: the connection is closed for good.</summary>
        public const string ReconnectFailed = "reconnect_failed";

        private static readonly string[] All = { Connect, Disconnect, ConnectError, ReconnectAttempt, ReconnectError, Reconnect, ReconnectFailed };

        public static bool Contains(string name) => Array.IndexOf(All, name) >= 0;

        public static string[] Names => (string[])All.Clone();
    }

    /// <summary>One lifecycle event of a namespace socket or of its manager (raised on the manager's dispatcher).</summary>
    public sealed class LifecycleEvent
    {
        internal LifecycleEvent(string name, string? nsp)
        {
            Name = name;
            Namespace = nsp;
            At = DateTime.UtcNow;
        }

        /// <summary>One of <see cref="LifecycleEventNames"/>.</summary>
        public string Name { get; }

        /// <summary>The namespace it concerns; null for a manager event raised on the manager itself.</summary>
        public string? Namespace { get; internal set; }

        /// <summary>When it happened (UTC).</summary>
        public DateTime At { get; }

        /// <summary>disconnect: socket.io-client's reason (e.g. "transport close", "io server disconnect").</summary>
        public string? Reason { get; internal set; }

        /// <summary>disconnect: a payload the server sent with its DISCONNECT (python-socketio), if any.</summary>
        public object? Details { get; internal set; }

        /// <summary>disconnect: true when the manager will try to reconnect; connect_error: true when it was a failed
        /// reconnect attempt and more follow (false for a refusal, CONNECT_ERROR, which is never retried).</summary>
        public bool WillReconnect { get; internal set; }

        /// <summary>reconnect_attempt, reconnect_error, reconnect: the attempt number (from 1); reconnect_failed: attempts made.</summary>
        public int Attempt { get; internal set; }

        /// <summary>reconnect_attempt: the backoff delay that preceded it.</summary>
        public TimeSpan? Delay { get; internal set; }

        /// <summary>connect_error, reconnect_error, reconnect_failed: the failure.</summary>
        public Exception? Error { get; internal set; }

        /// <summary>connect: the socket id the server gave.</summary>
        public string? SocketId { get; internal set; }

        /// <summary>connect: the server restored the previous session (connection-state recovery).</summary>
        public bool Recovered { get; internal set; }

        /// <summary>connect: a reconnection (not the first connect).</summary>
        public bool IsReconnect { get; internal set; }

        internal LifecycleEvent For(string nsp)
        {
            return new LifecycleEvent(Name, nsp, At)
            {
                Reason = Reason, Details = Details, WillReconnect = WillReconnect, Attempt = Attempt, Delay = Delay,
                Error = Error, SocketId = SocketId, Recovered = Recovered, IsReconnect = IsReconnect,
            };
        }

        private LifecycleEvent(string name, string? nsp, DateTime at)
        {
            Name = name;
            Namespace = nsp;
            At = at;
        }

        public override string ToString()
        {
            switch (Name)
            {
                case LifecycleEventNames.Connect:
                    return IsReconnect
                        ? $"connect: namespace '{Namespace}' joined again as socket {SocketId}{(Recovered ? " (session recovered)" : " (new session)")}"
                        : $"connect: namespace '{Namespace}' joined as socket {SocketId}";
                case LifecycleEventNames.Disconnect:
                    return $"disconnect: namespace '{Namespace}' lost its connection ({Reason}); " + (WillReconnect ? "reconnecting" : "not reconnecting");
                case LifecycleEventNames.ConnectError:
                    return $"connect_error: namespace '{Namespace}': {Error?.Message}" + (WillReconnect ? " (retrying)" : string.Empty);
                case LifecycleEventNames.ReconnectAttempt:
                    return $"reconnect_attempt: attempt {Attempt}" + (Delay is TimeSpan d ? $" after waiting {d.TotalMilliseconds:0} ms" : string.Empty);
                case LifecycleEventNames.ReconnectError:
                    return $"reconnect_error: attempt {Attempt} failed: {Error?.Message}";
                case LifecycleEventNames.Reconnect:
                    return $"reconnect: the connection is open again after {Attempt} attempt(s)";
                case LifecycleEventNames.ReconnectFailed:
                    return $"reconnect_failed: gave up after {Attempt} attempt(s)" + (Error != null ? $"; last error: {Error.Message}" : string.Empty);
                default:
                    return Name;
            }
        }
    }

    /// <summary>An event this client wrote to the server (socket.io-client's onAnyOutgoing), raised when it was
    /// actually written, including when it was flushed from the buffer after a reconnection.</summary>
    public sealed class OutgoingEvent
    {
        internal OutgoingEvent(string eventName, string nsp, object?[] arguments, long? ackId, DateTime sentAt)
        {
            EventName = eventName;
            Namespace = nsp;
            Arguments = arguments;
            AckId = ackId;
            SentAt = sentAt;
        }

        public string EventName { get; }
        public string Namespace { get; }
        /// <summary>The arguments as the caller gave them (without the name).</summary>
        public object?[] Arguments { get; }
        /// <summary>The acknowledgement id it was sent with, if it asked for one.</summary>
        public long? AckId { get; }
        /// <summary>When it was written (UTC).</summary>
        public DateTime SentAt { get; }
    }

    /// <summary>How to send one event (socket.io-client's volatile / timeout / retries flags).</summary>
    public sealed class EmitOptions
    {
        public static readonly EmitOptions Default = new EmitOptions();

        /// <summary>Drop the event instead of buffering it when the connection is not writable (counted).</summary>
        public bool Volatile { get; set; }

        /// <summary>Send through the at-least-once retry queue with this many retries; null: the socket's
        /// <see cref="NamespaceSocket.Retries"/>. Not with <see cref="Volatile"/>.</summary>
        public int? Retries { get; set; }

        /// <summary>The acknowledgement timeout; null: the socket's <see cref="NamespaceSocket.AckTimeout"/>.</summary>
        public TimeSpan? AckTimeout { get; set; }
    }

    /// <summary>What became of an emit.</summary>
    public enum EmitOutcome
    {
        /// <summary>Written to the connection.</summary>
        Sent,
        /// <summary>Not connected: kept in the send buffer, sent in order right after the next CONNECT reply.</summary>
        Buffered,
        /// <summary>Volatile and the connection was not writable: dropped (and counted).</summary>
        Dropped,
        /// <summary>Put in the retry queue (retries): sent when it is its turn, until acknowledged or out of tries.</summary>
        Queued,
    }
}
