using System;

namespace SocketIo.Core.Reconnect
{
    /// <summary>
    /// Decides whether and when a lost connection is tried again (SignalR's shape: one method, null = give up).
    /// Called once before each attempt, on a thread-pool thread; it must not block.
    /// </summary>
    public interface IReconnectPolicy
    {
        /// <returns>The wait before the next attempt, or null to give up (socket.io-client's <c>reconnect_failed</c>).</returns>
        TimeSpan? NextDelay(ReconnectContext context);
    }

    /// <summary>What a reconnect policy knows when it decides about the next attempt.</summary>
    public sealed class ReconnectContext
    {
        public ReconnectContext(int previousAttempts, TimeSpan elapsed, string reason, Exception? lastError)
        {
            PreviousAttempts = previousAttempts;
            Elapsed = elapsed;
            Reason = reason;
            LastError = lastError;
        }

        /// <summary>Attempts already made since the connection was lost (0 before the first one).</summary>
        public int PreviousAttempts { get; }

        /// <summary>Time since the connection was lost.</summary>
        public TimeSpan Elapsed { get; }

        /// <summary>Why the connection was lost (a socket.io-client disconnect reason).</summary>
        public string Reason { get; }

        /// <summary>Why the previous attempt failed, or null before the first one.</summary>
        public Exception? LastError { get; }
    }
}
