using System;

namespace SocketIo.Core.Reconnect
{
    /// <summary>
    /// socket.io-client's backoff (contrib/backo2): delay·2^attempt, jittered by ±randomization·base with one random
    /// number deciding both sign and size, and capped after the jitter.
    /// </summary>
    public sealed class ExponentialBackoff
    {
        private Random? _random; // created at the first jittered delay: most connections never need one

        public ExponentialBackoff(TimeSpan delay, TimeSpan maxDelay, double randomizationFactor, Random? random = null)
        {
            Delay = delay;
            MaxDelay = maxDelay;
            RandomizationFactor = randomizationFactor;
            _random = random;
        }

        public TimeSpan Delay { get; }
        public TimeSpan MaxDelay { get; }
        public double RandomizationFactor { get; }

        /// <param name="attempts">Attempts made before this delay (0 for the first retry).</param>
        public TimeSpan Duration(int attempts)
        {
            double baseMs = Delay.TotalMilliseconds * Math.Pow(2, Math.Min(attempts, 62));
            if (RandomizationFactor > 0 && RandomizationFactor <= 1)
            {
                var random = System.Threading.LazyInitializer.EnsureInitialized(ref _random!);
                double r;
                lock (random) r = random.NextDouble();
                double deviation = Math.Floor(r * RandomizationFactor * baseMs);
                baseMs = ((long)Math.Floor(r * 10) & 1) == 0 ? baseMs - deviation : baseMs + deviation;
            }
            return TimeSpan.FromMilliseconds(Math.Min(baseMs, MaxDelay.TotalMilliseconds));
        }
    }
}
