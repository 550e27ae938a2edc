using System;
using System.Linq;
using SocketIo.Core.Reconnect;
using Xunit;

namespace SocketIo.Core.Tests
{
    /// <summary>socket.io-client's backoff formula (§3.2), with the random number pinned.</summary>
    public class BackoffTests
    {
        private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

        [Theory]
        [InlineData(0, 0.0, 1000)]   // floor(r*10)=0 even: base - 0
        [InlineData(0, 0.25, 875)]   // deviation floor(0.25*0.5*1000)=125, floor(2.5)=2 even: minus
        [InlineData(0, 0.1, 1050)]   // deviation 50, floor(1.0)=1 odd: plus
        [InlineData(0, 0.99, 1495)]  // deviation 495, 9 odd: plus
        [InlineData(1, 0.0, 2000)]
        [InlineData(1, 0.99, 2990)]
        [InlineData(1, 0.2, 1800)]   // deviation 200, 2 even: minus
        [InlineData(2, 0.45, 3100)]  // base 4000, deviation 900, floor(4.5)=4 even: minus
        [InlineData(2, 0.99, 5000)]  // 4000 + 1980, capped after the jitter
        public void DefaultsFollowBacko2(int attempts, double r, int expectedMs)
        {
            var backoff = new ExponentialBackoff(Second, TimeSpan.FromSeconds(5), 0.5, new FixedRandom(r));

            Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), backoff.Duration(attempts));
        }

        [Theory]
        [InlineData(0.0)]
        [InlineData(0.45)] // 8000 - 1800: still above the cap
        [InlineData(0.99)]
        public void TheCapIsHard(double r)
        {
            var backoff = new ExponentialBackoff(Second, TimeSpan.FromSeconds(5), 0.5, new FixedRandom(r));

            Assert.Equal(TimeSpan.FromSeconds(5), backoff.Duration(3));
            Assert.Equal(TimeSpan.FromSeconds(5), backoff.Duration(100)); // no overflow for large attempt counts
        }

        [Theory]
        [InlineData(0.0)]
        [InlineData(-0.5)]
        [InlineData(1.5)]
        public void RandomizationOutsideZeroToOneDisablesJitter(double factor)
        {
            var backoff = new ExponentialBackoff(Second, TimeSpan.FromSeconds(5), factor, new FixedRandom(0.99));

            Assert.Equal(new[] { 1000.0, 2000.0, 4000.0, 5000.0 },
                new[] { backoff.Duration(0), backoff.Duration(1), backoff.Duration(2), backoff.Duration(3) }.Select(d => d.TotalMilliseconds));
        }

        [Fact]
        public void RealRandomStaysInTheDocumentedRanges()
        {
            var backoff = new ExponentialBackoff(Second, TimeSpan.FromSeconds(5), 0.5);
            for (int i = 0; i < 200; i++)
            {
                Assert.InRange(backoff.Duration(0).TotalMilliseconds, 500, 1500);
                Assert.InRange(backoff.Duration(1).TotalMilliseconds, 1000, 3000);
                Assert.InRange(backoff.Duration(2).TotalMilliseconds, 2000, 5000);
                Assert.InRange(backoff.Duration(3).TotalMilliseconds, 4000, 5000);
            }
        }

        private sealed class FixedRandom : Random
        {
            private readonly double _value;
            public FixedRandom(double value) => _value = value;
            public override double NextDouble() => _value;
        }
    }
}
