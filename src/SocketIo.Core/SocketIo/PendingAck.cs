using System;
using System.Threading;
using System.Threading.Tasks;

namespace SocketIo.Core.SocketIo
{
    /// <summary>An acknowledgement this client waits for, with its timer (socket.io-client's acks[id]).</summary>
    internal sealed class PendingAck
    {
        private readonly object _gate = new object();
        private Timer? _timer;
        private static readonly TimerCallback OnTimer = state => ((PendingAck)state!).TimedOut();
        private CancellationTokenRegistration _registration;
        private NamespaceSocket? _owner;
        private bool _finished;

        public PendingAck(long id, OutgoingPacket packet, string eventName, TimeSpan? timeout)
        {
            Id = id;
            Packet = packet;
            EventName = eventName;
            Timeout = timeout;
        }

        public long Id { get; }
        public OutgoingPacket Packet { get; }
        public string EventName { get; }
        public TimeSpan? Timeout { get; }
        public RetryEntry? Retry { get; set; }

        public TaskCompletionSource<object?[]> Completion { get; } =
            new TaskCompletionSource<object?[]>(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Ends the wait (cancelled) when the token is cancelled first; runs at once when it is already.</summary>
        public void CancelWith(NamespaceSocket owner, CancellationToken cancellationToken)
        {
            var registration = cancellationToken.Register(state => owner.ForgetAck((PendingAck)state!, cancellationToken), this);
            lock (_gate)
            {
                if (!_finished)
                {
                    _registration = registration;
                    return;
                }
            }
            registration.Dispose(); // finished meanwhile (or cancelled already): nothing left to watch
        }

        public void StartTimer(NamespaceSocket owner)
        {
            if (!(Timeout is TimeSpan timeout) || timeout == System.Threading.Timeout.InfiniteTimeSpan) return;
            lock (_gate)
            {
                if (_finished || _timer != null) return;
                _owner = owner;
                _timer = new Timer(OnTimer, this, timeout < TimeSpan.Zero ? TimeSpan.Zero : timeout, System.Threading.Timeout.InfiniteTimeSpan);
            }
        }

        private void TimedOut() => _owner?.OnAckTimeout(this);

        /// <returns>true for the one caller that may complete it.</returns>
        public bool TryFinish()
        {
            CancellationTokenRegistration registration;
            lock (_gate)
            {
                if (_finished) return false;
                _finished = true;
                _timer?.Dispose();
                registration = _registration;
                _registration = default;
            }
            // Outside the lock: disposing waits for a cancellation callback in progress, which takes this lock.
            registration.Dispose();
            return true;
        }
    }
}
