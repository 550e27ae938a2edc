using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo;

namespace SocketIo.Core.SocketIo
{
    /// <summary>An event the server emitted, with a way to answer its acknowledgement request once.</summary>
    public sealed class IncomingEvent
    {
        private readonly Func<long, IReadOnlyList<object?>, Task>? _sendAck;
        private int _acknowledged;
        private IReadOnlyList<byte[]>? _attachments;

        internal IncomingEvent(string eventName, string nsp, object?[] arguments, DateTime receivedAt, long? ackId,
            Func<long, IReadOnlyList<object?>, Task>? sendAck, IReadOnlyList<byte[]>? attachments = null)
        {
            EventName = eventName;
            Namespace = nsp;
            Arguments = arguments;
            ReceivedAt = receivedAt;
            AckId = ackId;
            _sendAck = sendAck;
            _attachments = attachments; // the arrays the client made for its binary attachments, which it may reuse
        }

        public string EventName { get; }
        public string Namespace { get; }
        /// <summary>The event's arguments, without its name, as the server sent them: with connection-state recovery
        /// the last one is the server's offset (see <see cref="Offset"/>), as socket.io-client hands it to listeners.</summary>
        public object?[] Arguments { get; }
        /// <summary>The recovery offset the server appended as the last argument, or null: set only when the session
        /// has recovery (the CONNECT reply carried a pid), the event asks for no ack and its last argument is a string.</summary>
        public string? Offset { get; internal set; }
        /// <summary>When the frame was read (UTC).</summary>
        public DateTime ReceivedAt { get; }
        public long? AckId { get; }
        public bool AckRequested => AckId != null;
        public bool Acknowledged => Volatile.Read(ref _acknowledged) != 0;

        /// <summary>
        /// Gives the arrays this event's binary attachments (the <c>byte[]</c> values in <see cref="Arguments"/>)
        /// arrived in back to the client, which may read later attachments of the same length into them instead of
        /// allocating new ones: a stream of large binary events then costs no garbage collections. Optional - without
        /// it the arrays are the garbage collector's, as usual. Call it only when nothing uses them any more (no other
        /// handler of this event, nothing you passed them to): from then on their contents change without notice.
        /// Only the first call does anything; events without attachments (and events the msgpack parser decoded, whose
        /// binary values are not pooled) ignore it.
        /// </summary>
        public void ReleaseAttachments()
        {
            var attachments = Interlocked.Exchange(ref _attachments, null);
            if (attachments == null) return;
            foreach (var array in attachments) RecycledArrays.Return(array);
        }

        /// <summary>Sends the acknowledgement the server asked for. Only once; only when it asked.</summary>
        public Task AcknowledgeAsync(IReadOnlyList<object?> arguments)
        {
            if (AckId == null || _sendAck == null)
                throw new InvalidOperationException($"The server did not ask for an acknowledgement of event '{EventName}'.");
            if (Interlocked.Exchange(ref _acknowledged, 1) != 0)
                throw new InvalidOperationException($"Event '{EventName}' has already been acknowledged; an acknowledgement is sent once.");
            return SendOnceAsync(AckId.Value, arguments);
        }

        private async Task SendOnceAsync(long ackId, IReadOnlyList<object?> arguments)
        {
            try
            {
                await _sendAck!(ackId, arguments).ConfigureAwait(false);
            }
            catch (SocketIoException e) when (e is SocketIoSerializationException || e is SocketIoPayloadTooLargeException)
            {
                Volatile.Write(ref _acknowledged, 0); // refused before anything was sent: the acknowledgement is still owed
                throw;
            }
        }
    }
}
