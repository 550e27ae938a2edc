using System;

namespace SocketIo.Core.Reconnect
{
    /// <summary>
    /// socket.io-client's reconnection: <see cref="ExponentialBackoff"/> (reconnectionDelay·2^attempt, jittered by
    /// randomizationFactor, capped at reconnectionDelayMax) for at most <see cref="MaxAttempts"/> attempts.
    /// </summary>
    public sealed class BackoffReconnectPolicy : IReconnectPolicy
    {
        private readonly ExponentialBackoff _backoff;

        /// <param name="maxAttempts">socket.io-client's reconnectionAttempts (int.MaxValue: unlimited).</param>
        public BackoffReconnectPolicy(int maxAttempts, TimeSpan delay, TimeSpan maxDelay, double randomizationFactor, Random? random = null)
        {
            if (maxAttempts < 0) throw new ArgumentOutOfRangeException(nameof(maxAttempts), "The number of attempts cannot be negative.");
            if (delay < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(delay), "The delay cannot be negative.");
            if (maxDelay < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(maxDelay), "The maximum delay cannot be negative.");
            MaxAttempts = maxAttempts;
            _backoff = new ExponentialBackoff(delay, maxDelay, randomizationFactor, random);
        }

        /// <summary>socket.io-client's defaults: unlimited attempts, 1 s doubling up to 5 s, ±50 %.</summary>
        public static BackoffReconnectPolicy Default() =>
            new BackoffReconnectPolicy(int.MaxValue, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), 0.5);

        public int MaxAttempts { get; }
        public TimeSpan Delay => _backoff.Delay;
        public TimeSpan MaxDelay => _backoff.MaxDelay;
        public double RandomizationFactor => _backoff.RandomizationFactor;

        public TimeSpan? NextDelay(ReconnectContext context) =>
            context.PreviousAttempts >= MaxAttempts ? (TimeSpan?)null : _backoff.Duration(context.PreviousAttempts);
    }

    /// <summary>A fixed list of waits, one per attempt, then give up (e.g. OctoPrint's schedule).</summary>
    public sealed class ScheduleReconnectPolicy : IReconnectPolicy
    {
        private readonly TimeSpan[] _delays;

        public ScheduleReconnectPolicy(params TimeSpan[] delays) => _delays = (TimeSpan[])delays.Clone();

        public TimeSpan? NextDelay(ReconnectContext context) =>
            context.PreviousAttempts < _delays.Length ? _delays[context.PreviousAttempts] : (TimeSpan?)null;
    }
}
