using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo;

namespace SocketIo.Core.SocketIo
{
    /// <summary>One emit in the retry queue (socket.io-client's _queue entry).</summary>
    internal sealed class RetryEntry
    {
        public RetryEntry(string eventName, object?[] arguments, IReadOnlyList<OutgoingFrame> frames, long ackId, int maxRetries, TimeSpan? timeout, bool hasWaiter)
        {
            EventName = eventName;
            Arguments = arguments;
            Frames = frames;
            AckId = ackId;
            MaxRetries = maxRetries;
            Timeout = timeout;
            HasWaiter = hasWaiter;
        }

        public string EventName { get; }
        public object?[] Arguments { get; }
        public IReadOnlyList<OutgoingFrame> Frames { get; }
        public long AckId { get; }
        public int MaxRetries { get; }
        public TimeSpan? Timeout { get; }
        public bool HasWaiter { get; }
        public int TryCount { get; set; }
        public bool Pending { get; set; }

        public TaskCompletionSource<object?[]> Result { get; } =
            new TaskCompletionSource<object?[]>(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
