using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core;
using SocketIo.Core.OctoPrint;
using SocketIo.Core.OctoPrint.Rest;
using SocketIo.PowerShell.OctoPrint;

namespace SocketIo
{
    /// <summary>An OctoPrint push connection, as Connect-OctoPrint returns it. Messages are SocketIoMessages whose
    /// EventName is the push message type; OctoPrint events also match filters of the form "event:PrintDone".</summary>
    public sealed class OctoPrintConnection : Connection
    {
        /// <summary>The name of the message raised when the throttle factor changes (not an OctoPrint type).</summary>
        public const string ThrottleChangedEventName = "throttleChanged";

        private readonly OctoPrintClient _client;
        private readonly object _gate = new object();
        private const int RecentEventCapacity = 512;
        private readonly Queue<OctoPrintEventRecord> _recentEvents = new Queue<OctoPrintEventRecord>();
        private OctoPrintStatus? _status;
        private OctoPrintJobResult? _lastJob;
        private long _jobsEnded;
        private long _eventSequence;

        internal OctoPrintConnection(string name, Uri uri, OctoPrintClient client, int receiveBufferSize)
            : base(name, uri, receiveBufferSize)
        {
            _client = client;
            client.MessageReceived += OnMessage;
            client.ThrottleChanged += (from, to) =>
            {
                var data = new OrderedDictionary { { "Old", from }, { "New", to } };
                Deliver(new SocketIoMessage(this, ThrottleChangedEventName, string.Empty, new object?[] { data }, DateTime.UtcNow, null));
            };
            client.Disconnected += reason => { Mailbox.Complete(); Changed.Set(); };
        }

        public override ConnectionState State => _client.State;
        public override string Transport => _client.TransportName ?? "websocket";
        public override DateTime? ConnectedAt => _client.ConnectedAt;
        public override long EventsReceived => _client.MessagesReceived;
        public override long EventsSent => _client.MessagesSent;
        public override int Reconnects => _client.Reconnects;
        public override string? DisconnectReason => _client.DisconnectReason;
        /// <summary>The user the connection authenticated as.</summary>
        public string? UserName => _client.UserName;
        public string? ServerVersion => _client.ServerVersion;
        /// <summary>OctoPrint's throttle factor: one current message per 0.5 s × factor.</summary>
        public int ThrottleFactor => _client.ThrottleFactor;
        /// <summary>The printer's latest state (null until the first history message).</summary>
        public OctoPrintStatus? Status { get { lock (_gate) return _status; } }

        /// <summary>Set whenever the status changes, a job ends, or the connection ends.</summary>
        internal ManualResetEventSlim Changed { get; } = new ManualResetEventSlim(false);

        internal (long Count, OctoPrintJobResult? Last) JobsEnded { get { lock (_gate) return (_jobsEnded, _lastJob); } }

        /// <summary>OctoPrint's REST API on this connection's HTTP client, cookies and credentials.</summary>
        internal OctoPrintRestClient Rest => _client.Rest;

        /// <summary>The sequence number of the latest OctoPrint event received; take it before sending a request whose
        /// events a wait looks for (<see cref="FindEvent"/> with it as <c>after</c>).</summary>
        internal long EventMark { get { lock (_gate) return _eventSequence; } }

        /// <summary>The first of the recent events after <paramref name="after"/> that matches, or null.</summary>
        internal OctoPrintEventRecord? FindEvent(long after, Func<OctoPrintEventRecord, bool> match)
        {
            lock (_gate)
            {
                foreach (var record in _recentEvents)
                    if (record.Sequence > after && match(record)) return record;
                return null;
            }
        }

        internal Task ConnectAsync(CancellationToken cancellationToken) => _client.ConnectAsync(cancellationToken);

        internal override async Task DisconnectAsync()
        {
            await _client.DisconnectAsync().ConfigureAwait(false);
            Mailbox.Complete();
            Changed.Set();
        }

        internal override void ReportProcessingTime(TimeSpan elapsed) => _client.ReportProcessingTime(elapsed);

        private void OnMessage(OctoPrintMessage message)
        {
            if (message.Type == "current" || message.Type == "history")
            {
                lock (_gate) _status = new OctoPrintStatus(this, message.Payload, message.ReceivedAt, _status);
                Changed.Set();
            }
            else if (message.EventType != null)
            {
                var outcome = JobOutcome(message);
                var payload = message.EventPayload;
                var result = outcome is OctoPrintJobOutcome ended
                    ? new OctoPrintJobResult(Name, ended, PSValue.String(payload, "name") ?? PSValue.String(payload, "path"),
                        PSValue.Seconds(payload, "time"), PSValue.String(payload, "reason"), message.ReceivedAt) { Connection = this }
                    : null;
                lock (_gate)
                {
                    _recentEvents.Enqueue(new OctoPrintEventRecord(++_eventSequence, message.EventType, payload, message.ReceivedAt));
                    while (_recentEvents.Count > RecentEventCapacity) _recentEvents.Dequeue();
                    if (result != null)
                    {
                        _lastJob = result;
                        _jobsEnded++;
                    }
                }
                Changed.Set();
            }
            Deliver(new SocketIoMessage(this, message.Type, string.Empty, new[] { message.Payload }, message.ReceivedAt, null)
            {
                FilterAlias = message.EventType != null ? "event:" + message.EventType : null,
            });
        }

        // OctoPrint reports a cancelled job as PrintCancelled followed by PrintFailed with reason "cancelled": the
        // PrintFailed ends the job, so each job ends exactly once.
        private static OctoPrintJobOutcome? JobOutcome(OctoPrintMessage message) => message.EventType switch
        {
            "PrintDone" => OctoPrintJobOutcome.Done,
            "PrintFailed" => PSValue.String(message.EventPayload, "reason") == "cancelled" ? OctoPrintJobOutcome.Cancelled : OctoPrintJobOutcome.Failed,
            _ => (OctoPrintJobOutcome?)null,
        };
    }

    /// <summary>One OctoPrint event as the connection keeps it for waits.</summary>
    internal sealed class OctoPrintEventRecord
    {
        public OctoPrintEventRecord(long sequence, string type, object? payload, DateTime receivedAt)
        {
            Sequence = sequence;
            Type = type;
            Payload = payload;
            ReceivedAt = receivedAt;
        }

        public long Sequence { get; }
        public string Type { get; }
        public object? Payload { get; }
        public DateTime ReceivedAt { get; }
    }
}
