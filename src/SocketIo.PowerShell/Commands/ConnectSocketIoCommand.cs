using System;
using System.Collections;
using System.Management.Automation;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using SocketIo.Core;
using SocketIo.Core.EngineIo;
using SocketIo.Core.Reconnect;
using SocketIo.Core.SocketIo;
using SocketIo.PowerShell.Connections;
using SocketIo.PowerShell.Errors;
using SocketIo.PowerShell.Json;

namespace SocketIo.PowerShell.Commands
{
    [Cmdlet(VerbsCommunications.Connect, "SocketIo")]
    [OutputType(typeof(SocketIoConnection))]
    public sealed class ConnectSocketIoCommand : SocketIoCmdlet
    {
        // -RetryConnect waits like socket.io-client's defaults: 1 s doubling up to 5 s, ±50 %.
        private static readonly ExponentialBackoff Backoff = new ExponentialBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), 0.5);

        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Uri { get; set; } = null!;

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string Namespace { get; set; } = "/";

        [Parameter]
        public IDictionary? Auth { get; set; }

        [Parameter]
        public IDictionary? Headers { get; set; }

        [Parameter]
        public IDictionary? Query { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = "/socket.io/";

        [Parameter]
        [Alias("TimeoutSec")]
        [ValidateRange(1, 3600)]
        public int ConnectionTimeoutSeconds { get; set; } = 20;

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int ReceiveBufferSize { get; set; } = 10000;

        [Parameter]
        [ValidateRange(0, 1000)]
        public int RetryConnect { get; set; }

        [Parameter]
        public SwitchParameter AllowUnencryptedAuthentication { get; set; }

        /// <summary>The largest message accepted from the server, in bytes (default 100 MiB, as the ws library's
        /// maxPayload). A larger one is not buffered: the connection closes with reason "parse error".</summary>
        [Parameter]
        [ValidateRange(1024, int.MaxValue)]
        public int MaximumMessageSize { get; set; }

        /// <summary>Binary attachments accepted in one incoming packet (default 10, socket.io-parser's maxAttachments);
        /// a packet announcing more closes the connection with reason "parse error".</summary>
        [Parameter]
        [ValidateRange(0, 1000)]
        public int MaximumAttachmentCount { get; set; }

        // ---- Reconnection, multiplexing and delivery defaults (socket.io-client's manager and socket options) ----

        /// <summary>No automatic reconnection after a connection that had succeeded is lost (socket.io-client's
        /// reconnection: false). The connection is then Disconnected for good at the first loss.</summary>
        [Parameter]
        public SwitchParameter NoReconnect { get; set; }

        /// <summary>Reconnect attempts before giving up (reconnect_failed); default unlimited.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int ReconnectionAttempts { get; set; } = int.MaxValue;

        /// <summary>Wait before the first reconnect attempt, in milliseconds (default 1000), doubled on each attempt.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int ReconnectionDelay { get; set; } = 1000;

        /// <summary>The longest wait between reconnect attempts, in milliseconds (default 5000).</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int ReconnectionDelayMax { get; set; } = 5000;

        /// <summary>Jitter of the reconnect waits: ± this fraction (default 0.5; 0 = none).</summary>
        [Parameter]
        [ValidateRange(0.0, 1.0)]
        public double RandomizationFactor { get; set; } = 0.5;

        /// <summary>A new Engine.IO session of its own, even when another connection to the same server could share one.</summary>
        [Parameter]
        public SwitchParameter ForceNew { get; set; }

        /// <summary>Default acknowledgement timeout of Send-SocketIoEvent on this connection, in seconds (default 30).</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int AckTimeoutSec { get; set; } = 30;

        /// <summary>Default -Retries of Send-SocketIoEvent on this connection: every emit that is not -Volatile goes through
        /// the at-least-once queue and must be acknowledged by the server (socket.io-client's retries). Default 0.</summary>
        [Parameter]
        [ValidateRange(0, 1000)]
        public int Retries { get; set; }

        /// <summary>The packet format, as socket.io-client's parser option: Default (socket.io-parser, JSON text) or
        /// MsgPack (socket.io-msgpack-parser, binary). The server must use the same one.</summary>
        [Parameter]
        [ValidateSet("Default", "MsgPack")]
        public string Parser { get; set; } = "Default";

        // ---- Transports, proxy and TLS (socket.io-client's engine options; proxy and TLS named as the web cmdlets) ----

        /// <summary>Pins one transport: WebSocket (opens directly on a WebSocket) or Polling (HTTP long-polling, never
        /// upgrades). Default: long-polling first, then the upgrade to WebSocket, as socket.io-client does.</summary>
        [Parameter]
        [ValidateSet("WebSocket", "Polling")]
        public string? Transport { get; set; }

        /// <summary>Stays on long-polling: no upgrade to WebSocket (socket.io-client's upgrade: false).</summary>
        [Parameter]
        public SwitchParameter NoUpgrade { get; set; }

        /// <summary>Once a WebSocket worked, reconnects open directly on WebSocket (socket.io-client's rememberUpgrade).</summary>
        [Parameter]
        public SwitchParameter RememberUpgrade { get; set; }

        /// <summary>socket.io-client's timestampRequests: -TimestampRequests adds the cache buster to WebSocket requests
        /// too; -TimestampRequests:$false leaves it off polling requests as well. Default: polling requests only.</summary>
        [Parameter]
        public SwitchParameter TimestampRequests { get; set; }

        /// <summary>Name of the cache-buster query parameter (socket.io-client's timestampParam, default 't').</summary>
        [Parameter]
        [ValidatePattern("^[A-Za-z0-9_.~-]+$")]
        public string TimestampParam { get; set; } = "t";

        /// <summary>Binary data as base64 text both ways (socket.io-client's forceBase64; the server is asked with b64=1).</summary>
        [Parameter]
        public SwitchParameter ForceBase64 { get; set; }

        /// <summary>The User-Agent header of every request (default 'SocketIo-PowerShell/&lt;version&gt;').</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? UserAgent { get; set; }

        /// <summary>An HTTP proxy for polling and WebSocket (WebSocket goes through a CONNECT tunnel). Default: the
        /// system proxy, as the web cmdlets.</summary>
        [Parameter]
        public Uri? Proxy { get; set; }

        /// <summary>Credentials for -Proxy.</summary>
        [Parameter]
        [Credential]
        public PSCredential? ProxyCredential { get; set; }

        /// <summary>Authenticates to -Proxy as the current user.</summary>
        [Parameter]
        public SwitchParameter ProxyUseDefaultCredentials { get; set; }

        /// <summary>Connects directly, ignoring the system proxy.</summary>
        [Parameter]
        public SwitchParameter NoProxy { get; set; }

        /// <summary>Accepts any server certificate (self-signed, expired, other host). Insecure.</summary>
        [Parameter]
        public SwitchParameter SkipCertificateCheck { get; set; }

        /// <summary>Trusts these certificate authorities for this connection instead of the system's roots: certificate
        /// files (PEM bundle, DER, PKCS#7) or X509Certificate2 objects. The host name is still checked.</summary>
        [Parameter]
        [CertificateAuthorityTransformation]
        [ValidateNotNullOrEmpty]
        public X509Certificate2[]? CertificateAuthority { get; set; }

        /// <summary>A client certificate (with its private key) for TLS client authentication.</summary>
        [Parameter]
        [ValidateNotNull]
        public X509Certificate2? Certificate { get; set; }

        protected override void ProcessRecord()
        {
            var target = ServerAddress.Parse(Uri);
            if (target.Error != null) ThrowTerminatingError(ErrorRecords.InvalidUri(Uri, target.Error));
            if (!Namespace.StartsWith("/", StringComparison.Ordinal) || Namespace.IndexOf(',') >= 0)
                ThrowTerminatingError(ErrorRecords.Create("SocketIoInvalidNamespace", ErrorCategory.InvalidArgument,
                    $"'{Namespace}' is not a namespace: it must start with '/' and contain no ','.", Namespace));
            if (!AllowUnencryptedAuthentication && !target.IsEncrypted && !target.IsLoopback && CarriesCredentials())
                ThrowTerminatingError(ErrorRecords.Create("SocketIoUnencryptedCredential", ErrorCategory.InvalidArgument,
                    $"Refusing to send credentials (-Auth or an Authorization/Cookie header) to {target.Display.Host} over unencrypted {target.Display.Scheme}. Use https/wss, or -AllowUnencryptedAuthentication if you accept the risk.",
                    target.Display));

            ValidateReconnectionParameters();
            ValidateTransportParameters();
            try
            {
                AuthPayload.Detach(Auth, PSValueAdapter.Instance); // refused here, not later on a reconnect
            }
            catch (SocketIoException e)
            {
                ThrowTerminatingError(ErrorRecords.FromException(e, "-Auth")); // not the payload itself: its values are secrets
            }

            var options = BuildOptions(target);
            var managerKey = ManagerKey.Discriminator(MyInvocation, target.Query);
            var attempts = RetryConnect + 1;
            for (int attempt = 1; ; attempt++)
            {
                // Multiplexing: a namespace joins the Engine.IO session already open to this server when it can.
                var socket = ManagerCaches.Current.GetSocket(options, Namespace, ForceNew, managerKey);
                var manager = socket.Manager;
                bool sharing = manager.IsOpen;
                socket.Retries = Retries;
                socket.AckTimeout = TimeSpan.FromSeconds(AckTimeoutSec);
                socket.ConnectTimeout = TimeSpan.FromSeconds(ConnectionTimeoutSeconds);
                var connection = new SocketIoConnection(Name ?? target.Display.Host, target.Display, socket, ReceiveBufferSize) { Auth = Auth };
                WriteVerbose($"Connecting to {target.Display} (namespace '{Namespace}', path '{options.Engine.NormalizedPath()}', attempt {attempt} of {attempts}).");
                try
                {
                    Await(connection.ConnectAsync(StopToken));
                }
                catch (SocketIoException e) when (attempt < attempts && !(e is SocketIoConnectRejectedException) && !(e is SocketIoCertificateException))
                {
                    var delay = Backoff.Duration(attempt - 1);
                    WriteVerbose($"Attempt {attempt} failed ({e.Message}); retrying in {delay.TotalSeconds:0.0} s.");
                    if (StopToken.WaitHandle.WaitOne(delay)) throw new PipelineStoppedException();
                    continue;
                }
                catch (SocketIoException e)
                {
                    ThrowTerminatingError(ErrorRecords.FromConnectException(DeferredValues.Materialize(e), target.Display, Namespace));
                }

                var handshake = manager.Engine?.Handshake;
                if (sharing && handshake != null)
                    WriteVerbose("Sharing the open Engine.IO session to this server with its other namespaces (multiplexing; -ForceNew opens a separate one)."); // its id is a session secret
                else if (handshake != null)
                    WriteVerbose($"Engine.IO session open over {connection.Transport}: pingInterval {handshake.PingInterval.TotalMilliseconds} ms, pingTimeout {handshake.PingTimeout.TotalMilliseconds} ms, maxPayload {handshake.MaxPayload} bytes.");
                WriteVerbose($"Joined namespace '{Namespace}' as socket {connection.SocketId} (connection {connection.Id}).");
                var registry = ConnectionRegistry.Current;
                registry.Add(connection);
                WriteObject(connection);
                return;
            }
        }

        private SocketIoClientOptions BuildOptions(ServerAddress target)
        {
            var options = new SocketIoClientOptions
            {
                ConnectTimeout = TimeSpan.FromSeconds(ConnectionTimeoutSeconds),
                ValueFactory = DeferredPSObjectFactory.Instance, // PSObjects are made when read (DeferredValues)
                ValueAdapter = PSValueAdapter.Instance,
            };
            options.Engine.ServerUri = target.Display;
            options.Engine.Path = Path;
            foreach (var pair in target.Query) options.Engine.Query.Add(pair);
            foreach (var pair in Pairs.From(Query)) options.Engine.Query.Add(pair);
            foreach (var pair in Pairs.From(Headers)) options.Engine.Headers.Add(pair);
            if (MyInvocation.BoundParameters.ContainsKey(nameof(MaximumMessageSize))) options.Engine.MaxIncomingMessageBytes = MaximumMessageSize;
            if (MyInvocation.BoundParameters.ContainsKey(nameof(MaximumAttachmentCount))) options.MaxAttachments = MaximumAttachmentCount;
            // Reconnection (socket.io-client's manager options and units).
            options.Reconnection = !NoReconnect;
            options.ReconnectionAttempts = ReconnectionAttempts;
            options.ReconnectionDelay = TimeSpan.FromMilliseconds(ReconnectionDelay);
            options.ReconnectionDelayMax = TimeSpan.FromMilliseconds(ReconnectionDelayMax);
            options.RandomizationFactor = RandomizationFactor;
            options.Parser = string.Equals(Parser, "MsgPack", StringComparison.OrdinalIgnoreCase) ? MsgPackSioParser.Instance : (ISioParser)DefaultSioParser.Instance;
            ApplyTransportParameters(options.Engine);
            return options;
        }

        private static readonly string DefaultUserAgent =
            "SocketIo-PowerShell/" + (typeof(ConnectSocketIoCommand).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");

        private void ApplyTransportParameters(EngineOptions engine)
        {
            if (Transport != null)
                engine.Transports = string.Equals(Transport, "WebSocket", StringComparison.OrdinalIgnoreCase) ? EngineTransports.WebSocket : EngineTransports.Polling;
            engine.Upgrade = !NoUpgrade;
            engine.RememberUpgrade = RememberUpgrade;
            if (MyInvocation.BoundParameters.ContainsKey(nameof(TimestampRequests))) engine.TimestampRequests = TimestampRequests.IsPresent;
            engine.TimestampParam = TimestampParam;
            engine.ForceBase64 = ForceBase64;
            engine.UserAgent = UserAgent ?? DefaultUserAgent;
            if (NoProxy)
            {
                engine.UseProxy = false;
            }
            else if (Proxy != null)
            {
                var proxy = new WebProxy(Proxy) { BypassProxyOnLocal = false };
                if (ProxyCredential != null) proxy.Credentials = ProxyCredential.GetNetworkCredential();
                else if (ProxyUseDefaultCredentials) proxy.UseDefaultCredentials = true;
                engine.Proxy = proxy;
            }
            engine.SkipCertificateCheck = SkipCertificateCheck;
            if (CertificateAuthority != null) engine.CertificateAuthorities.AddRange(CertificateAuthority);
            if (Certificate != null) engine.ClientCertificates.Add(Certificate);
        }

        private void ValidateTransportParameters()
        {
            if (NoProxy && (Proxy != null || ProxyCredential != null || ProxyUseDefaultCredentials))
                ThrowTerminatingError(ErrorRecords.ParameterConflict("-NoProxy connects directly; it cannot be combined with -Proxy, -ProxyCredential or -ProxyUseDefaultCredentials."));
            if ((ProxyCredential != null || ProxyUseDefaultCredentials) && Proxy == null)
                ThrowTerminatingError(ErrorRecords.ParameterConflict("-ProxyCredential and -ProxyUseDefaultCredentials need -Proxy (the system proxy's credentials come from the system)."));
            if (ProxyCredential != null && ProxyUseDefaultCredentials)
                ThrowTerminatingError(ErrorRecords.ParameterConflict("Use either -ProxyCredential or -ProxyUseDefaultCredentials, not both."));
            if (SkipCertificateCheck && CertificateAuthority != null)
                ThrowTerminatingError(ErrorRecords.ParameterConflict("-SkipCertificateCheck accepts any certificate; -CertificateAuthority would have no effect. Use one or the other."));
            if (Transport != null && (NoUpgrade || RememberUpgrade))
                ThrowTerminatingError(ErrorRecords.ParameterConflict(
                    $"-Transport {Transport} pins one transport; -{(NoUpgrade ? nameof(NoUpgrade) : nameof(RememberUpgrade))} applies only to the default (polling, then the upgrade to WebSocket)."));
            if (Certificate != null && !Certificate.HasPrivateKey)
                ThrowTerminatingError(ErrorRecords.Create("SocketIoCertificateError", ErrorCategory.InvalidArgument,
                    $"The client certificate '{Certificate.Subject}' has no private key, so it cannot authenticate this client.", Certificate));
        }

        private void ValidateReconnectionParameters()
        {
            var bound = MyInvocation.BoundParameters;
            if (NoReconnect)
                foreach (var knob in new[] { nameof(ReconnectionAttempts), nameof(ReconnectionDelay), nameof(ReconnectionDelayMax), nameof(RandomizationFactor) })
                    if (bound.ContainsKey(knob))
                        ThrowTerminatingError(ErrorRecords.ParameterConflict($"-NoReconnect turns reconnection off; -{knob} would have no effect. Use one or the other."));
            if (bound.ContainsKey(nameof(ReconnectionDelay)) && bound.ContainsKey(nameof(ReconnectionDelayMax)) && ReconnectionDelayMax < ReconnectionDelay)
                ThrowTerminatingError(ErrorRecords.ParameterConflict(
                    $"-ReconnectionDelayMax ({ReconnectionDelayMax} ms) is smaller than -ReconnectionDelay ({ReconnectionDelay} ms)."));
        }

        private bool CarriesCredentials()
        {
            if (Auth != null && Auth.Count > 0) return true;
            foreach (var pair in Pairs.From(Headers))
                if (string.Equals(pair.Key, "Authorization", StringComparison.OrdinalIgnoreCase) || string.Equals(pair.Key, "Cookie", StringComparison.OrdinalIgnoreCase))
                    return true;
            return false;
        }
    }
}
