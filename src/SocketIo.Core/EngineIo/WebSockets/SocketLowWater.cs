using System;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading;

namespace SocketIo.Core.EngineIo.WebSockets
{
    /// <summary>
    /// The receive low-water mark (SO_RCVLOWAT) of a plain TCP socket, for the receive loop's read coalescing: while it
    /// is raised the socket signals data only once a batch arrived, so a flood's segments wake nobody (the runtime's
    /// socket thread, a pool worker) one by one, and a read that finds the socket empty waits for the batch. A timer
    /// lowers it again after a tick, so that the end of a flood, less than a batch, is read too.
    /// Linux only: there a non-blocking read returns what arrived even below the mark (BSD and macOS refuse it until
    /// the mark), .NET (Core) sockets try the read before they wait for the socket to signal, and lowering the mark
    /// signals a waiting reader at once.
    /// </summary>
    internal sealed class SocketLowWater : IDisposable
    {
        private static readonly bool Works = RuntimeInformation.IsOSPlatform(OSPlatform.Linux) && Environment.Version.Major >= 5;

        private static long _armedWaits;

        private readonly Socket _socket;
        private readonly int _batchBytes;
        private Timer? _tail;
        private bool _raised; // as this class last set it (the tail timer lowers the socket's mark behind its back)
        private int _tailFired;
        private bool _broken;

        private SocketLowWater(Socket socket, int batchBytes)
        {
            _socket = socket;
            _batchBytes = batchBytes;
        }

        /// <summary>Reads that waited for a batch, in this process (a diagnostic: tests check that a flood coalesced).</summary>
        public static long ArmedWaits => Interlocked.Read(ref _armedWaits);

        /// <summary>The mark of <paramref name="socket"/>, or null where it cannot serve (TLS: a record may need more
        /// bytes than a batch; not Linux).</summary>
        public static SocketLowWater? For(Socket socket, bool tls, int batchBytes) =>
            tls || !Works ? null : new SocketLowWater(socket, batchBytes);

        /// <summary>Raises the mark to a batch (true) or lowers it to a byte (false).</summary>
        public void Set(bool raised)
        {
            if (raised == _raised || _broken) return;
            _raised = Apply(raised ? _batchBytes : 1) && raised;
        }

        /// <summary>A read that finds nothing waits for the socket to signal: with the mark raised, the end of a flood
        /// (less than a batch) would never signal. So when nothing is there, the mark goes back down first.</summary>
        public void LetReadComplete()
        {
            if (!_raised) return;
            bool empty;
            try { empty = _socket.Available == 0; }
            catch (Exception e) when (e is SocketException || e is ObjectDisposedException) { empty = true; }
            if (empty) Set(false);
        }

        /// <summary>Before a read that is to wait for a batch: the mark goes up (again: the timer may have lowered it)
        /// and the timer is set to lower it after <paramref name="milliseconds"/> (a timer tick or two).</summary>
        public void ArmTail(int milliseconds)
        {
            Interlocked.Increment(ref _armedWaits);
            _raised = false;
            Set(true);
            Volatile.Write(ref _tailFired, 0);
            _tail ??= new Timer(state => ((SocketLowWater)state!).OnTail(), this, Timeout.Infinite, Timeout.Infinite);
            _tail.Change(milliseconds, Timeout.Infinite);
        }

        /// <summary>After that read: true when the timer ended the wait (less than a batch came in a tick or two). A
        /// callback already under way when the timer is stopped may still count for the next wait: it only makes that
        /// wait end early.</summary>
        public bool DisarmTail()
        {
            _tail?.Change(Timeout.Infinite, Timeout.Infinite);
            return Interlocked.Exchange(ref _tailFired, 0) != 0;
        }

        public void Dispose() => _tail?.Dispose();

        private void OnTail()
        {
            Volatile.Write(ref _tailFired, 1);
            Apply(1); // wakes the waiting read if anything is there (tcp_set_rcvlowat signals the socket)
        }

        private bool Apply(int bytes)
        {
            try
            {
                _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReceiveLowWater, bytes);
                return true;
            }
            catch (Exception e) when (e is SocketException || e is ObjectDisposedException)
            {
                _broken = true; // not supported, or closed (then the read fails on its own)
                return false;
            }
        }
    }
}
