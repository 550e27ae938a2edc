using System;
using System.Collections.Generic;

namespace SocketIo.Core.OctoPrint
{
    /// <summary>
    /// OctoPrint's JS client rate logic (socket.js <c>analyzeTiming</c>), pure: each message's processing time goes
    /// into a window of the last <see cref="WindowSize"/> measurements. Slower than <c>factor × base</c> → factor + 1
    /// ("decreaseRate"); otherwise, when factor &gt; 1 and the window's maximum is below <c>(factor − 1) × base</c> →
    /// factor − 1 ("increaseRate"), never below 1. The window is never cleared. Not thread-safe.
    /// </summary>
    public sealed class RateThrottle
    {
        public const int DefaultWindowSize = 20;

        /// <summary>OctoPrint's base interval for <c>current</c> messages (<c>throttle</c> multiplies it).</summary>
        public static readonly TimeSpan DefaultBaseInterval = TimeSpan.FromMilliseconds(500);

        private readonly Queue<double> _window;
        private readonly double _baseMs;

        public RateThrottle(int windowSize = DefaultWindowSize, TimeSpan? baseInterval = null)
        {
            if (windowSize < 1) throw new ArgumentOutOfRangeException(nameof(windowSize), windowSize, "The window holds at least one measurement.");
            var interval = baseInterval ?? DefaultBaseInterval;
            if (interval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(baseInterval), interval, "The base interval must be positive.");
            WindowSize = windowSize;
            BaseInterval = interval;
            _baseMs = interval.TotalMilliseconds;
            _window = new Queue<double>(windowSize);
        }

        public int WindowSize { get; }

        public TimeSpan BaseInterval { get; }

        /// <summary>The current multiplier (1 = one <c>current</c> per base interval).</summary>
        public int Factor { get; private set; } = 1;

        /// <summary>How many measurements the window holds now.</summary>
        public int Count => _window.Count;

        /// <summary>Adds one measurement; returns the new factor when it changed, else null.</summary>
        public int? Report(TimeSpan processingTime)
        {
            double measured = processingTime.TotalMilliseconds;
            while (_window.Count >= WindowSize) _window.Dequeue();
            _window.Enqueue(measured);

            if (measured > Factor * _baseMs)
            {
                Factor++;
                return Factor;
            }
            if (Factor > 1 && Max() < (Factor - 1) * _baseMs)
            {
                Factor--;
                return Factor;
            }
            return null;
        }

        private double Max()
        {
            double max = double.MinValue;
            foreach (var value in _window)
                if (value > max) max = value;
            return max;
        }
    }
}
