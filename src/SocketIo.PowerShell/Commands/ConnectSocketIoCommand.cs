using System;
using System.Collections;
using System.Management.Automation;
using SocketIo.Core;
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

            var options = BuildOptions(target);
            var attempts = RetryConnect + 1;
            for (int attempt = 1; ; attempt++)
            {
                var manager = new SocketIoManager(options);
                var socket = manager.Socket(Namespace);
                socket.Auth = Auth;
                var connection = new SocketIoConnection(Name ?? target.Display.Host, target.Display, socket, ReceiveBufferSize);
                WriteVerbose($"Connecting to {target.Display} (namespace '{Namespace}', path '{options.Engine.NormalizedPath()}', attempt {attempt} of {attempts}).");
                try
                {
                    Await(connection.ConnectAsync(StopToken));
                }
                catch (SocketIoException e) when (attempt < attempts && !(e is SocketIoConnectRejectedException))
                {
                    manager.Dispose();
                    var delay = Backoff.Duration(attempt - 1);
                    WriteVerbose($"Attempt {attempt} failed ({e.Message}); retrying in {delay.TotalSeconds:0.0} s.");
                    if (StopToken.WaitHandle.WaitOne(delay)) throw new PipelineStoppedException();
                    continue;
                }
                catch (SocketIoException e)
                {
                    manager.Dispose();
                    ThrowTerminatingError(ErrorRecords.FromException(e, target.Display));
                }

                var handshake = manager.Engine?.Handshake;
                if (handshake != null)
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
                ValueFactory = PSObjectFactory.Instance,
                ValueAdapter = PSValueAdapter.Instance,
            };
            options.Engine.ServerUri = target.Display;
            options.Engine.Path = Path;
            foreach (var pair in target.Query) options.Engine.Query.Add(pair);
            foreach (var pair in Pairs.From(Query)) options.Engine.Query.Add(pair);
            foreach (var pair in Pairs.From(Headers)) options.Engine.Headers.Add(pair);
            return options;
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
