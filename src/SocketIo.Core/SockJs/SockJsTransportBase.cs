using System;
using System.Threading;
using System.Threading.Tasks;

namespace SocketIo.Core.SockJs
{
    /// <summary>
    /// What every SockJS transport does: open a session URL, hand each received frame to <see cref="FrameReceived"/>
    /// (on its receive loop, in order), send client frames, and report once when it ended on its own.
    /// </summary>
    internal abstract class SockJsTransportBase : IDisposable
    {
        private int _closed;

        protected SockJsTransportBase(SockJsClientOptions options) => Options = options;

        protected SockJsClientOptions Options { get; }

        protected bool IsClosed => Volatile.Read(ref _closed) != 0;

        public abstract string Name { get; }

        public Action<SockJsFrame>? FrameReceived { get; set; }

        /// <summary>The transport ended without <see cref="CloseAsync"/> or <see cref="Dispose"/>: reason and cause.</summary>
        public Action<string, Exception?>? Ended { get; set; }

        /// <param name="server">The three-digit server id.</param>
        /// <param name="session">The session id (new for every attempt).</param>
        public abstract Task OpenAsync(string server, string session, CancellationToken cancellationToken);

        /// <summary>Sends one client frame (a JSON array of strings). Fails with
        /// <see cref="SocketIoNotConnectedException"/> when the session is gone (the transport then ends).</summary>
        public abstract Task SendAsync(byte[] frame, CancellationToken cancellationToken);

        /// <summary>Client-initiated close; no <see cref="Ended"/>.</summary>
        public virtual Task CloseAsync()
        {
            Dispose();
            return Task.CompletedTask;
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0) return;
            Release();
        }

        /// <summary>Frees the connection; called once.</summary>
        protected abstract void Release();

        /// <summary>Decodes one frame and hands it over; a protocol error ends the transport.</summary>
        protected void Deliver(ReadOnlySpan<byte> frame)
        {
            if (IsClosed) return;
            FrameReceived?.Invoke(SockJsFrameCodec.Decode(frame));
        }

        protected void End(string reason, Exception? error)
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0) return;
            Release();
            Ended?.Invoke(reason, error);
        }

        protected static string Cause(Exception e) =>
            e.InnerException?.Message is string inner && inner != e.Message ? $"{e.Message} ({inner})" : e.Message;
    }
}
