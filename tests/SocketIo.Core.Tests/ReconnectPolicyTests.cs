using System;
using System.Linq;
using SocketIo.Core.Reconnect;
using SocketIo.Core.SocketIo;
using Xunit;

namespace SocketIo.Core.Tests
{
    /// <summary>The reconnect policy seam and socket.io-client's backoff as the default policy (§3.2), with seeded randoms.</summary>
    public class ReconnectPolicyTests
    {
        private static ReconnectContext After(int attempts) => new ReconnectContext(attempts, TimeSpan.Zero, "transport close", null);

        /// <summary>backo2.ts, written out independently: the same r decides the sign and the size; jitter before the cap.</summary>
        private static double Backo2(double delayMs, double maxMs, double factor, int attempts, Random random)
        {
            double ms = delayMs * Math.Pow(2, attempts);
            if (factor > 0 && factor <= 1)
            {
                double r = random.NextDouble();
                double deviation = Math.Floor(r * factor * ms);
                ms = ((int)Math.Floor(r * 10) & 1) == 0 ? ms - deviation : ms + deviation;
            }
            return Math.Min(ms, maxMs);
        }

        [Theory]
        [InlineData(1)]
        [InlineData(42)]
        [InlineData(20240601)]
        public void DefaultPolicyFollowsTheFormulaForASeededRandom(int seed)
        {
            var policy = new BackoffReconnectPolicy(int.MaxValue, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), 0.5, new Random(seed));
            var reference = new Random(seed);

            for (int attempts = 0; attempts < 12; attempts++)
            {
                var expected = Backo2(1000, 5000, 0.5, attempts, reference);
                Assert.Equal(TimeSpan.FromMilliseconds(expected), policy.NextDelay(After(attempts)));
            }
        }

        [Fact]
        public void SeededDelaysStayInSocketIoClientsRanges()
        {
            var policy = new BackoffReconnectPolicy(int.MaxValue, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), 0.5, new Random(7));
            for (int i = 0; i < 500; i++)
            {
                Assert.InRange(policy.NextDelay(After(0))!.Value.TotalMilliseconds, 500, 1500);
                Assert.InRange(policy.NextDelay(After(1))!.Value.TotalMilliseconds, 1000, 3000);
                Assert.InRange(policy.NextDelay(After(2))!.Value.TotalMilliseconds, 2000, 5000);
                Assert.InRange(policy.NextDelay(After(30))!.Value.TotalMilliseconds, 4000, 5000);
            }
        }

        [Fact]
        public void GivesUpAfterReconnectionAttempts()
        {
            var policy = new BackoffReconnectPolicy(3, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), 0, new Random(1));

            Assert.Equal(new double?[] { 100, 200, 400, null },
                Enumerable.Range(0, 4).Select(n => policy.NextDelay(After(n))?.TotalMilliseconds));
        }

        [Fact]
        public void OptionsDefaultToSocketIoClientsAndBuildTheBackoff()
        {
            var options = new SocketIoClientOptions();

            Assert.True(options.Reconnection);
            Assert.Equal(int.MaxValue, options.ReconnectionAttempts);
            Assert.Equal(TimeSpan.FromMilliseconds(1000), options.ReconnectionDelay);
            Assert.Equal(TimeSpan.FromMilliseconds(5000), options.ReconnectionDelayMax);
            Assert.Equal(0.5, options.RandomizationFactor);
            var policy = Assert.IsType<BackoffReconnectPolicy>(options.CreateReconnectPolicy());
            Assert.Equal(int.MaxValue, policy.MaxAttempts);
            Assert.Equal(TimeSpan.FromSeconds(1), policy.Delay);
            Assert.Equal(TimeSpan.FromSeconds(5), policy.MaxDelay);
            Assert.Equal(0.5, policy.RandomizationFactor);

            var custom = new ScheduleReconnectPolicy(TimeSpan.Zero);
            options.ReconnectPolicy = custom;
            Assert.Same(custom, options.CreateReconnectPolicy());
        }

        [Fact]
        public void ScheduleRunsOutThenGivesUp()
        {
            var policy = new ScheduleReconnectPolicy(TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));

            Assert.Equal(new double?[] { 0, 1000, 2000, null },
                Enumerable.Range(0, 4).Select(n => policy.NextDelay(After(n))?.TotalMilliseconds));
        }

        [Fact]
        public void NegativeSettingsAreRefused()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => new BackoffReconnectPolicy(-1, TimeSpan.Zero, TimeSpan.Zero, 0));
            Assert.Throws<ArgumentOutOfRangeException>(() => new BackoffReconnectPolicy(1, TimeSpan.FromMilliseconds(-1), TimeSpan.Zero, 0));
        }
    }
}
