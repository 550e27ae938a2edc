using System;
using SocketIo.Core.OctoPrint;
using Xunit;

namespace SocketIo.Core.Tests.OctoPrint
{
    /// <summary>RateThrottle follows OctoPrint's socket.js analyzeTiming exactly (octoprint.md §3.4).</summary>
    public class OctoPrintRateThrottleTests
    {
        private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

        [Fact]
        public void StartsAtOneAndFastMessagesChangeNothing()
        {
            var throttle = new RateThrottle();
            Assert.Equal(1, throttle.Factor);
            for (int i = 0; i < 50; i++) Assert.Null(throttle.Report(Ms(10)));
            Assert.Equal(1, throttle.Factor);
            Assert.Equal(20, throttle.Count); // the window keeps the last 20
        }

        [Fact]
        public void SlowerThanFactorTimesBaseRaisesTheFactorByOne()
        {
            var throttle = new RateThrottle();
            Assert.Null(throttle.Report(Ms(500)));     // not above 1 × 500
            Assert.Equal(2, throttle.Report(Ms(501)));  // above → factor + 1
            Assert.Null(throttle.Report(Ms(1000)));    // not above 2 × 500; max 1000 ≥ 1 × 500: no decrease
            Assert.Equal(3, throttle.Report(Ms(1001)));
            Assert.Equal(4, throttle.Report(Ms(5000))); // +1 per measurement, however slow
        }

        [Fact]
        public void FastConsumerLowersTheFactorOnlyOnceTheWholeWindowIsFastEnough()
        {
            var throttle = new RateThrottle();
            Assert.Equal(2, throttle.Report(Ms(600)));
            // The slow 600 ms stays in the window for 19 more fast measurements: max 600 ≥ (2−1)×500.
            for (int i = 0; i < 19; i++) Assert.Null(throttle.Report(Ms(10)));
            Assert.Equal(2, throttle.Factor);
            // The 20th fast one pushes it out: max 10 < 500 → factor − 1.
            Assert.Equal(1, throttle.Report(Ms(10)));
        }

        [Fact]
        public void LowerLimitIsFactorMinusOneTimesBaseAndStrict()
        {
            var throttle = new RateThrottle(windowSize: 1);
            Assert.Equal(2, throttle.Report(Ms(501)));
            Assert.Equal(3, throttle.Report(Ms(1001)));
            Assert.Null(throttle.Report(Ms(1000)));      // max 1000 is not below (3−1)×500
            Assert.Equal(2, throttle.Report(Ms(999)));   // below 1000 → 2
            Assert.Null(throttle.Report(Ms(500)));       // not below (2−1)×500
            Assert.Equal(1, throttle.Report(Ms(499)));
        }

        [Fact]
        public void NeverBelowOne()
        {
            var throttle = new RateThrottle(windowSize: 1);
            for (int i = 0; i < 10; i++) Assert.Null(throttle.Report(TimeSpan.Zero));
            Assert.Equal(1, throttle.Factor);
        }

        [Fact]
        public void DecreasesOneStepPerMeasurement()
        {
            var throttle = new RateThrottle(windowSize: 2);
            for (int i = 0; i < 4; i++) throttle.Report(Ms(100_000));
            Assert.Equal(5, throttle.Factor);
            Assert.Null(throttle.Report(Ms(1)));      // the window still has one 100 s measurement
            Assert.Equal(4, throttle.Report(Ms(1)));
            Assert.Equal(3, throttle.Report(Ms(1)));
            Assert.Equal(2, throttle.Report(Ms(1)));
            Assert.Equal(1, throttle.Report(Ms(1)));
            Assert.Null(throttle.Report(Ms(1)));
        }

        [Fact]
        public void AnIncreaseIsCheckedBeforeTheWindowMaximum()
        {
            // A measurement above the upper limit always raises, even right after a decrease.
            var throttle = new RateThrottle(windowSize: 3);
            Assert.Equal(2, throttle.Report(Ms(700)));
            Assert.Equal(3, throttle.Report(Ms(1200)));
        }

        [Fact]
        public void RejectsNonsense()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => new RateThrottle(0));
            Assert.Throws<ArgumentOutOfRangeException>(() => new RateThrottle(20, TimeSpan.Zero));
        }
    }
}
