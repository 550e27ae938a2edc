using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Authentication;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.Dispatch;
using SocketIo.Core.EngineIo.Tls;

namespace SocketIo.Core.EngineIo.WebSockets
{
    /// <summary>
    /// One client WebSocket over a TCP (or TLS) stream: connect and handshake, batched masked writes serialized with
    /// pongs and the close frame, and a receive loop that parses every frame a read brought. While idle it holds no
    /// receive buffer where the runtime can wait for data with a zero-byte read (.NET 6+).
    /// </summary>
    internal sealed class WebSocketConnection : IDisposable, IWebSocketFrameSink
    {
        private const int ReceiveBufferBytes = 16 * 1024;
        private const int SmallReceiveBufferBytes = 1024;
        private const int DirectReadThreshold = 4 * 1024;
        internal static readonly bool ZeroByteReads = Environment.Version.Major >= 6;
        // Read coalescing (see ReceiveAsync): reads that each found data within QuickReadTicks, this many in a row and
        // for StreakTicks, mean the loop is keeping up with a flood as it trickles in, whatever each read brought (a read
        // that filled the buffer does not count: a loop catching up a backlog already reads in large batches).
        private const int QuickReadsToCoalesce = 8;
        private const int CoalesceWaitMs = 2;
        // What a flood brings in a wait, read at once; also the socket's low-water mark while coalescing (2026-12-07,
        // saturated flood: p50 2.5 ms with 64 KB or 32 KB, 0.23-0.33 vs 0.29-0.49 CPU-s/100k; 16 KB or 8 KB: no lower p50).
        private const int CoalescedBufferBytes = 64 * 1024;
        private const int StayCoalescedBytes = 8 * 1024; // less than this per wait (~60k small events/s): not worth waiting
        private const int SmallSpansToStop = 2; // one slow span is a stall of the sender, not the end of the flood
        private static readonly long RateSpanTicks = Stopwatch.Frequency / 200; // 5 ms: at least one timer tick here
        private static readonly long QuickReadTicks = Stopwatch.Frequency / 5000; // 200 µs
        private static readonly long StreakTicks = Stopwatch.Frequency / 1000; // 1 ms
        // Windows' timers tick every ~15 ms, too long to hold a flood in the socket's buffer: no coalescing there; and
        // anywhere, a wait that took this long (a starved timer, well beyond the few ms a busy machine adds) ends it
        // until the reads call for it again.
        private static readonly bool FineTimers = !RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
        private static readonly long CoarseWaitTicks = Stopwatch.Frequency / 100; // 10 ms

        private readonly Stream _stream;
        private readonly WebSocketFrameWriter _writer = new WebSocketFrameWriter();
        private readonly SemaphoreSlim _writeLock = new SemaphoreSlim(1, 1);
        private readonly WebSocketFrameReader _reader;
        private byte[]? _pending; // bytes read with the handshake's answer, parsed first
        private IWebSocketFrameSink? _sink;
        private byte[]? _pong;
        private int? _closeCode;
        private int _disposed;
        private readonly SocketLowWater? _lowWater; // null where the mark cannot serve (TLS, not Linux)

        private WebSocketConnection(Stream stream, SocketLowWater? lowWater, int maxMessageBytes, byte[]? pending)
        {
            _stream = stream;
            _lowWater = lowWater;
            _reader = new WebSocketFrameReader(maxMessageBytes);
            _pending = pending;
        }

        /// <summary>Connects (every address of the host in turn), secures (wss) and upgrades. Failures surface as the
        /// socket's, TLS's or the handshake's own exceptions; the transport words them.</summary>
        public static async Task<WebSocketConnection> ConnectAsync(Uri uri, EngineOptions options, CertificateValidator validator, CancellationToken cancellationToken)
        {
            var socket = await ConnectSocketAsync(uri, cancellationToken).ConfigureAwait(false);
            Stream stream = new NetworkStream(socket, ownsSocket: true);
            try
            {
                // Cancelling disposes the stream, which ends the reads and writes below: they need no registration of their own.
                using (cancellationToken.Register(() => stream.Dispose()))
                {
                    try
                    {
                        if (uri.Scheme == "wss") stream = await SecureAsync(stream, uri.DnsSafeHost, options, validator).ConfigureAwait(false);
                        string key = WebSocketHandshake.NewKey();
                        var request = WebSocketHandshake.BuildRequest(uri, options, key);
                        await stream.WriteAsync(request, 0, request.Length).ConfigureAwait(false);
                        using var head = await WebSocketHandshake.ReadHeadAsync(stream, CancellationToken.None).ConfigureAwait(false);
                        await WebSocketHandshake.AcceptAsync(head, stream, uri, options, key, CancellationToken.None).ConfigureAwait(false);
                        byte[]? pending = null;
                        if (head.Extra > 0)
                        {
                            pending = new byte[head.Extra];
                            Buffer.BlockCopy(head.Buffer, head.BodyOffset, pending, 0, head.Extra);
                        }
                        var lowWater = SocketLowWater.For(socket, uri.Scheme == "wss", CoalescedBufferBytes);
                        return new WebSocketConnection(stream, lowWater, options.MaxIncomingMessageBytes, pending);
                    }
                    catch (Exception) when (cancellationToken.IsCancellationRequested)
                    {
                        throw new OperationCanceledException(cancellationToken);
                    }
                }
            }
            catch
            {
                stream.Dispose();
                throw;
            }
        }

        /// <summary>Writes a batch of data frames, in order, in as few socket writes as possible.</summary>
        public async Task SendAsync(IReadOnlyList<OutgoingFrame> frames, bool binaryAsBase64, CancellationToken lockCancellation, CancellationToken writeCancellation)
        {
            await _writeLock.WaitAsync(lockCancellation).ConfigureAwait(false);
            try
            {
                await _writer.WriteAsync(_stream, frames, binaryAsBase64, writeCancellation).ConfigureAwait(false);
            }
            finally
            {
                _writeLock.Release();
            }
        }

        /// <summary>Sends a close frame (the client's close, or the echo of the server's), bounded in time.</summary>
        public async Task SendCloseAsync(int? code, TimeSpan timeout)
        {
            using var limit = new CancellationTokenSource(timeout);
            var payload = code == null ? Array.Empty<byte>() : new[] { (byte)(code.Value >> 8), (byte)code.Value };
            await _writeLock.WaitAsync(limit.Token).ConfigureAwait(false);
            try
            {
                var frame = _writer.Control(WebSocketFrameWriter.OpClose, payload);
                await _stream.WriteAsync(frame, 0, frame.Length, limit.Token).ConfigureAwait(false);
            }
            finally
            {
                _writeLock.Release();
            }
        }

        /// <summary>Reads until the server's close frame (returns its code, after echoing it) or a failure (throws:
        /// <see cref="SocketIoProtocolException"/> for a protocol violation, else the stream's error, or
        /// <see cref="EndOfStreamException"/> when the TCP connection ended without a close frame). Reads end when the
        /// connection is disposed (the owner disposes it to stop the loop): a cancellation registration on every read
        /// would cost each read, and each idle connection, a callback node; the token ends a coalescing wait.</summary>
        public async Task<int?> ReceiveAsync(IWebSocketFrameSink sink, CancellationToken cancellationToken)
        {
            _sink = sink;
            byte[]? buffer = null;
            int count = 0;
            bool filled = false;
            int quickReads = 0;
            int smallSpans = 0;
            bool coalescing = false;
            int growTo = 0;
            long streakStarted = 0, streakBytes = 0;
            try
            {
                if (_pending != null)
                {
                    buffer = ArrayPool<byte>.Shared.Rent(Math.Max(ReceiveBufferBytes, _pending.Length));
                    Buffer.BlockCopy(_pending, 0, buffer, 0, _pending.Length);
                    count = _pending.Length;
                    _pending = null;
                    count = await ParseAsync(buffer, count).ConfigureAwait(false);
                }
                while (!_reader.IsClosed)
                {
                    _lowWater?.Set(coalescing);
                    var target = _reader.PayloadTarget;
                    if (count == 0 && target.Count >= DirectReadThreshold)
                    {
                        // The rest of a large payload: straight into the message's own buffer.
                        _lowWater?.LetReadComplete();
                        int direct = await StreamReads.ReadAsync(_stream, target.Array!, target.Offset, target.Count).ConfigureAwait(false);
                        if (direct == 0) throw new EndOfStreamException("The server closed the connection without a WebSocket close frame.");
                        _reader.CommitPayload(direct, this);
                        continue;
                    }
                    bool waited = coalescing && !filled;
                    bool waitInRead = waited && _lowWater != null;
                    if (waitInRead)
                    {
                        // A flood that this loop keeps up with arrives a few frames per read, and every read costs a
                        // wake-up (epoll thread, thread pool, the dispatcher's pump) that is worth far more than the
                        // frames: the next read waits until the socket holds a batch (its low-water mark), or a timer
                        // tick at most. Not a timer wait first: .NET's timers count in the kernel's coarse clock ticks
                        // (4 ms at 250 Hz), which would hold every event of the flood for that long.
                        _lowWater!.ArmTail(CoalesceWaitMs);
                    }
                    else if (waited)
                    {
                        // Without the mark (TLS, not Linux): a timer tick's wait, so that the next read takes a batch.
                        long waiting = Stopwatch.GetTimestamp();
                        await Task.Delay(CoalesceWaitMs, cancellationToken).ConfigureAwait(false);
                        if (Stopwatch.GetTimestamp() - waiting > CoarseWaitTicks) coalescing = false;
                    }
                    else if (count == 0 && buffer != null && !filled && (ZeroByteReads || buffer.Length > SmallReceiveBufferBytes))
                    {
                        // Between bursts: give the buffer back (an idle connection holds none, or a small one).
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = null;
                    }
                    if (buffer == null)
                    {
                        // Idle: wait for data without holding a buffer, where the runtime allows it.
                        if (ZeroByteReads && !filled)
                        {
                            _lowWater?.LetReadComplete();
                            await StreamReads.ReadAsync(_stream, Array.Empty<byte>(), 0, 0).ConfigureAwait(false);
                        }
                        buffer = ArrayPool<byte>.Shared.Rent(ZeroByteReads ? ReceiveBufferBytes : SmallReceiveBufferBytes);
                    }
                    else if (!ZeroByteReads && filled && buffer.Length < ReceiveBufferBytes)
                    {
                        buffer = Resize(buffer, count, ReceiveBufferBytes);
                    }
                    if (!waitInRead) _lowWater?.LetReadComplete();
                    long started = Stopwatch.GetTimestamp();
                    int read = await StreamReads.ReadAsync(_stream, buffer, count, buffer.Length - count).ConfigureAwait(false);
                    if (read == 0) throw new EndOfStreamException("The server closed the connection without a WebSocket close frame.");
                    filled = count + read == buffer.Length;
                    // The timer ended the wait, and late: a starved timer ends coalescing (see CoarseWaitTicks).
                    if (waitInRead && _lowWater!.DisarmTail() && Stopwatch.GetTimestamp() - started > CoarseWaitTicks) coalescing = false;
                    if (coalescing)
                    {
                        // Go on while the flood keeps its rate, measured over spans of a timer tick or more (one read
                        // says little: it may have found data at once, or filled the buffer); below it in two spans in a
                        // row: not a flood (any more).
                        streakBytes += read;
                        long span = Stopwatch.GetTimestamp() - streakStarted;
                        if (span >= RateSpanTicks)
                        {
                            smallSpans = AtFloodRate(streakBytes, span) ? 0 : smallSpans + 1;
                            streakStarted += span;
                            streakBytes = 0;
                            if (smallSpans >= SmallSpansToStop) coalescing = false;
                        }
                        quickReads = 0;
                    }
                    else if (!filled && Stopwatch.GetTimestamp() - started < QuickReadTicks)
                    {
                        if (quickReads++ == 0)
                        {
                            streakStarted = started;
                            streakBytes = 0;
                        }
                        streakBytes += read;
                        // For a millisecond on end, and at a flood's rate (what a wait must bring to go on waiting):
                        // a paced sender (bursts with gaps, or a loop running behind one) never coalesces.
                        long streak = Stopwatch.GetTimestamp() - streakStarted;
                        coalescing = FineTimers && quickReads >= QuickReadsToCoalesce && streak >= StreakTicks && AtFloodRate(streakBytes, streak);
                        if (coalescing)
                        {
                            smallSpans = 0;
                            streakStarted += streak; // from now on the span whose rate decides whether to go on
                            streakBytes = 0;
                            // After this parse (which keeps the bytes of an incomplete frame at the front).
                            if (buffer.Length < CoalescedBufferBytes) growTo = CoalescedBufferBytes;
                        }
                    }
                    else quickReads = 0;
                    count = await ParseAsync(buffer, count + read).ConfigureAwait(false);
                    if (growTo > buffer.Length) buffer = Resize(buffer, count, growTo);
                    growTo = 0;
                }
                await EchoCloseAsync().ConfigureAwait(false);
                return _closeCode;
            }
            finally
            {
                // The loop owns both buffers: only it may give them back, once it no longer reads into them.
                if (buffer != null) ArrayPool<byte>.Shared.Return(buffer);
                _reader.Dispose();
                _lowWater?.Dispose();
            }
        }

        /// <summary>Stops at once: the socket closes, reads and writes in flight fail.</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            _stream.Dispose();
        }

        void IWebSocketFrameSink.OnMessage(bool isText, ReadOnlyMemory<byte> payload) => _sink!.OnMessage(isText, payload);

        void IWebSocketFrameSink.OnPing(ReadOnlySpan<byte> payload) => _pong = payload.ToArray();

        void IWebSocketFrameSink.OnClose(int? code)
        {
            _closeCode = code;
            _sink!.OnClose(code);
        }

        /// <summary>Parses what the buffer holds, answers a ping it carried, and moves an incomplete frame's bytes to the
        /// front; returns how many bytes are left.</summary>
        private async Task<int> ParseAsync(byte[] buffer, int count)
        {
            int used;
            SerialDispatcher.BeginBatch(); // handlers are woken once for all the frames of this read
            try { used = _reader.Parse(buffer, 0, count, this); }
            finally { SerialDispatcher.EndBatch(); }
            int left = count - used;
            if (left > 0 && used > 0) Buffer.BlockCopy(buffer, used, buffer, 0, left);
            var pong = _pong;
            if (pong != null && !_reader.IsClosed)
            {
                _pong = null;
                await _writeLock.WaitAsync().ConfigureAwait(false);
                try
                {
                    var frame = _writer.Control(WebSocketFrameWriter.OpPong, pong); // the writer's mask keys are not thread-safe
                    await _stream.WriteAsync(frame, 0, frame.Length).ConfigureAwait(false);
                }
                finally { _writeLock.Release(); }
            }
            return left;
        }

        private async Task EchoCloseAsync()
        {
            try { await SendCloseAsync(_closeCode, TimeSpan.FromSeconds(1)).ConfigureAwait(false); }
            catch (Exception e) when (e is IOException || e is ObjectDisposedException || e is OperationCanceledException || e is SocketException)
            {
                // The server may have closed the TCP connection right after its close frame.
            }
        }

        /// <summary>True when <paramref name="bytes"/> in <paramref name="ticks"/> come at a flood's rate: what a wait must
        /// bring (StayCoalescedBytes per CoalesceWaitMs) to be worth waiting for; the rule for starting and for going on.</summary>
        private static bool AtFloodRate(long bytes, long ticks) => bytes * CoalesceWaitMs * StreakTicks >= (long)StayCoalescedBytes * ticks;

        private static byte[] Resize(byte[] buffer, int count, int size)
        {
            var larger = ArrayPool<byte>.Shared.Rent(size);
            Buffer.BlockCopy(buffer, 0, larger, 0, count);
            ArrayPool<byte>.Shared.Return(buffer);
            return larger;
        }

        private static async Task<Socket> ConnectSocketAsync(Uri uri, CancellationToken cancellationToken)
        {
            var addresses = IPAddress.TryParse(uri.DnsSafeHost, out var literal)
                ? new[] { literal }
                : await Dns.GetHostAddressesAsync(uri.DnsSafeHost).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (addresses.Length == 0) throw new SocketException((int)SocketError.HostNotFound);
            Exception? last = null;
            foreach (var address in addresses)
            {
                var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    using (cancellationToken.Register(state => ((Socket)state!).Dispose(), socket))
                        await socket.ConnectAsync(address, uri.Port).ConfigureAwait(false);
                    cancellationToken.ThrowIfCancellationRequested();
                    return socket;
                }
                catch (Exception e) when (e is SocketException || e is ObjectDisposedException || e is OperationCanceledException)
                {
                    socket.Dispose();
                    cancellationToken.ThrowIfCancellationRequested();
                    last = e;
                }
            }
            throw last!;
        }

        private static async Task<Stream> SecureAsync(Stream inner, string host, EngineOptions options, CertificateValidator validator)
        {
            var ssl = new SslStream(inner, leaveInnerStreamOpen: false, (sender, certificate, chain, errors) => validator.Validate(certificate, chain, errors));
            var certificates = options.HasClientCertificates ? options.ClientCertificates : null;
            // SslProtocols.None: the system's choice of versions (.NET Framework 4.7+, .NET Core).
            await ssl.AuthenticateAsClientAsync(host, certificates, SslProtocols.None, checkCertificateRevocation: false).ConfigureAwait(false);
            return ssl;
        }
    }
}
