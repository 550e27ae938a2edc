using System;
using System.Collections;
using System.Collections.Specialized;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core;
using SocketIo.Core.SocketIo;
using SocketIo.PowerShell.Eventing;
using SocketIo.PowerShell.Json;

namespace SocketIo
{
    /// <summary>A Socket.IO namespace connection, as Connect-SocketIo returns it.</summary>
    public sealed class SocketIoConnection : Connection
    {
        private readonly NamespaceSocket _socket;
        private readonly object _tapsLock = new object();
        private LifecycleTap[] _taps = Array.Empty<LifecycleTap>();
        private IDictionary? _auth;

        internal SocketIoConnection(string name, Uri uri, NamespaceSocket socket, int receiveBufferSize)
            : base(name, uri, receiveBufferSize)
        {
            _socket = socket;
            socket.EventReceived += OnEvent;
            socket.Lifecycle += OnLifecycle;
            socket.EventSent += OnEventSent;
        }

        public string Namespace => _socket.Namespace;
        /// <summary>The Socket.IO socket id the server gave this namespace connection.</summary>
        public string? SocketId => _socket.Id;
        /// <summary>True when the latest (re)connect restored the previous session (connection-state recovery): the
        /// server replayed what it emitted meanwhile.</summary>
        public bool Recovered => _socket.Recovered;
        public override ConnectionState State => _socket.State;
        public override string Transport => _socket.Manager.Engine?.TransportName ?? _socket.Manager.Options.Engine.FirstTransportName;
        /// <summary>When the latest (re)connect completed (UTC).</summary>
        public override DateTime? ConnectedAt => _socket.ConnectedAt;
        public override long EventsReceived => _socket.EventsReceived;
        public override long EventsSent => _socket.EventsSent;
        public override string? DisconnectReason => _socket.DisconnectReason;
        /// <summary>Times this connection joined again after losing its connection.</summary>
        public override int Reconnects => _socket.Reconnects;
        /// <summary>The reconnect attempt under way (from 1) while Reconnecting, else 0.</summary>
        public int ReconnectAttempt => _socket.State == ConnectionState.Reconnecting ? _socket.Manager.ReconnectAttempt : 0;
        /// <summary>Emits waiting to be sent after the next (re)connect.</summary>
        public int BufferedEmits => _socket.BufferedEmits;
        /// <summary>Emits in the -Retries queue (sent one at a time until acknowledged).</summary>
        public int QueuedRetries => _socket.QueuedRetries;
        /// <summary>-Volatile emits dropped because the connection was not writable.</summary>
        public long VolatileDropped => _socket.VolatileDropped;
        /// <summary>Emits accepted but never delivered: buffered when the connection closed for good, failed to write,
        /// or out of retries with nobody waiting.</summary>
        public long EmitsDiscarded => _socket.EmitsDiscarded;
        public override long Dropped => base.Dropped + VolatileDropped + EmitsDiscarded;
        /// <summary>When the server last pinged (UTC); the server pings every pingInterval. (Engine.IO 4 clients never
        /// ping, so there is no round-trip time to measure honestly.)</summary>
        public DateTime? LastPingAt => _socket.Manager.Engine?.LastPingAt is DateTime at && at != default ? at : (DateTime?)null;
        /// <summary>Identifies the Engine.IO session: connections that share one session (multiplexing) show the same
        /// value. A fingerprint of the session id, not the id itself: whoever has the id can speak for the session.</summary>
        public string? EngineSessionId => Fingerprint(_socket.Manager.IsOpen ? _socket.Manager.Engine?.Handshake?.Sid : null);
        /// <summary>The last connection-state-recovery offset received.</summary>
        public string? LastOffset => _socket.LastOffset;
        /// <summary>Why the latest connect or reconnect failed (e.g. the server's CONNECT_ERROR message), or null.</summary>
        public string? LastError => _socket.LastError?.Message;
        /// <summary>Default -Retries of Send-SocketIoEvent (Connect-SocketIo -Retries; socket.io-client's retries).</summary>
        public int Retries { get => _socket.Retries; set => _socket.Retries = Math.Max(0, value); }
        /// <summary>Default -TimeoutSec of Send-SocketIoEvent (Connect-SocketIo -AckTimeoutSec).</summary>
        public int AckTimeoutSec
        {
            get => _socket.AckTimeout is TimeSpan t ? (int)Math.Ceiling(t.TotalSeconds) : 30;
            set => _socket.AckTimeout = TimeSpan.FromSeconds(value > 0 ? value : 30);
        }

        /// <summary>
        /// The CONNECT payload sent on every connect and reconnect. Assign a new hashtable to change it (e.g. a refreshed
        /// token): the next CONNECT uses it. What you read back is a read-only view of its keys with every value masked
        /// (the values are credentials, and Format-List * or ConvertTo-Json of a connection must not show them);
        /// assigning that view back changes nothing.
        /// </summary>
        public IDictionary? Auth
        {
            get { lock (_tapsLock) return _auth; }
            set
            {
                lock (_tapsLock)
                    if (value != null && ReferenceEquals(value, _auth)) return;
                // A detached copy of plain values: the socket serializes it on a background thread at each CONNECT.
                var detached = AuthPayload.Detach(value, PSValueAdapter.Instance);
                var view = Mask(detached);
                lock (_tapsLock)
                {
                    _socket.Auth = detached;
                    _auth = view;
                }
            }
        }

        internal NamespaceSocket Socket => _socket;

        private static IDictionary? Mask(OrderedDictionary? payload)
        {
            if (payload == null) return null;
            var masked = new OrderedDictionary(payload.Count);
            foreach (DictionaryEntry entry in payload) masked.Add(entry.Key, "********");
            return masked.AsReadOnly();
        }

        private static string? Fingerprint(string? sessionId)
        {
            if (sessionId == null) return null;
            using var sha = System.Security.Cryptography.SHA256.Create();
            var hash = sha.ComputeHash(System.Text.Encoding.UTF8.GetBytes(sessionId));
            return BitConverter.ToString(hash, 0, 6).Replace("-", string.Empty).ToLowerInvariant();
        }

        /// <summary>The first connect. On failure the mailbox is closed, since nothing will arrive.</summary>
        internal async Task ConnectAsync(CancellationToken cancellationToken)
        {
            try
            {
                await _socket.ConnectAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                Mailbox.Complete();
                throw;
            }
        }

        internal override async Task DisconnectAsync()
        {
            await _socket.DisconnectAsync().ConfigureAwait(false);
            Mailbox.Complete();
        }

        /// <summary>A running cmdlet's view of lifecycle events, written as verbose text from its own thread.</summary>
        internal LifecycleTap Tap()
        {
            var tap = new LifecycleTap(this);
            lock (_tapsLock)
            {
                var grown = new LifecycleTap[_taps.Length + 1];
                _taps.CopyTo(grown, 0);
                grown[_taps.Length] = tap;
                _taps = grown;
            }
            return tap;
        }

        internal void Untap(LifecycleTap tap)
        {
            lock (_tapsLock) _taps = Array.FindAll(_taps, t => !ReferenceEquals(t, tap));
        }

        // The offset a recovery-enabled server appends is protocol data, not the application's: it is taken off the
        // arguments (and kept in Offset) so that Data and Arguments are what the server's code emitted.
        private void OnEvent(IncomingEvent incoming)
        {
            var arguments = incoming.Arguments;
            if (incoming.Offset != null && arguments.Length > 0)
            {
                var stripped = new object?[arguments.Length - 1];
                Array.Copy(arguments, stripped, stripped.Length);
                arguments = stripped;
            }
            Deliver(new SocketIoMessage(this, incoming.EventName, incoming.Namespace, arguments, incoming.ReceivedAt, incoming, deferred: true) { Offset = incoming.Offset });
        }

        private void OnEventSent(OutgoingEvent sent)
        {
            if (!HasSubscriptions) return;
            Deliver(new SocketIoMessage(this, sent.EventName, sent.Namespace, sent.Arguments, sent.SentAt, null) { Kind = SocketIoMessageKind.Outgoing });
        }

        private void OnLifecycle(LifecycleEvent e)
        {
            var text = $"Connection {Id} ({Name}{(Namespace == "/" ? string.Empty : " " + Namespace)}): {e}";
            foreach (var tap in Volatile.Read(ref _taps)) tap.Add(text);
            if (HasSubscriptions)
                Deliver(new SocketIoMessage(this, e.Name, Namespace, new object?[] { LifecycleData(e) }, e.At, null) { Kind = SocketIoMessageKind.Lifecycle });
            if (_socket.State == ConnectionState.Disconnected) Mailbox.Complete(); // closed for good: Receive-SocketIoEvent ends
        }

        private PSObject LifecycleData(LifecycleEvent e)
        {
            var data = new PSObject();
            void Add(string name, object? value) => data.Properties.Add(new PSNoteProperty(name, value));
            switch (e.Name)
            {
                case LifecycleEventNames.Connect:
                    Add("SocketId", e.SocketId);
                    Add("Recovered", e.Recovered);
                    Add("Reconnect", e.IsReconnect);
                    break;
                case LifecycleEventNames.Disconnect:
                    Add("Reason", e.Reason);
                    Add("Description", DeferredValues.Materialize(e.Details));
                    Add("WillReconnect", e.WillReconnect);
                    break;
                case LifecycleEventNames.ConnectError:
                    Add("Message", (e.Error as SocketIoConnectRejectedException)?.ServerMessage ?? e.Error?.Message);
                    Add("Data", DeferredValues.Materialize((e.Error as SocketIoConnectRejectedException)?.ServerData));
                    Add("WillReconnect", e.WillReconnect);
                    Add("Exception", DeferredValues.Materialize(e.Error));
                    break;
                case LifecycleEventNames.ReconnectAttempt:
                    Add("Attempt", e.Attempt);
                    Add("DelayMs", e.Delay is TimeSpan d ? (int)d.TotalMilliseconds : 0);
                    break;
                case LifecycleEventNames.ReconnectError:
                    Add("Attempt", e.Attempt);
                    Add("Message", e.Error?.Message);
                    Add("Exception", DeferredValues.Materialize(e.Error));
                    break;
                case LifecycleEventNames.Reconnect:
                    Add("Attempt", e.Attempt);
                    break;
                case LifecycleEventNames.ReconnectFailed:
                    Add("Attempts", e.Attempt);
                    Add("Message", e.Error?.Message);
                    break;
            }
            Add("Text", e.ToString());
            return data;
        }
    }

    /// <summary>Lifecycle lines for one running cmdlet, queued on the dispatcher and written by the cmdlet's thread
    /// (verbose text may only be written from there).</summary>
    internal sealed class LifecycleTap : IDisposable
    {
        private const int Capacity = 1000;
        private readonly SocketIoConnection _connection;
        // Made on the first line: most taps (one per Send-SocketIoEvent -Ack) never see one, and a queue is ~1 KB.
        private System.Collections.Concurrent.ConcurrentQueue<string>? _lines;

        public LifecycleTap(SocketIoConnection connection) => _connection = connection;

        public void Add(string line)
        {
            var lines = Volatile.Read(ref _lines);
            if (lines == null)
            {
                Interlocked.CompareExchange(ref _lines, new System.Collections.Concurrent.ConcurrentQueue<string>(), null);
                lines = _lines!;
            }
            if (lines.Count < Capacity) lines.Enqueue(line);
        }

        /// <summary>Writes what arrived; call it from the cmdlet's thread only.</summary>
        public void Drain(Cmdlet cmdlet)
        {
            var lines = Volatile.Read(ref _lines);
            if (lines == null) return;
            while (lines.TryDequeue(out var line)) cmdlet.WriteVerbose(line);
        }

        public void Dispose() => _connection.Untap(this);
    }
}
