using System;
using System.Collections;
using System.Management.Automation;
using System.Net;
using System.Security;
using SocketIo.Core;
using SocketIo.Core.OctoPrint;
using SocketIo.Core.SockJs;
using SocketIo.PowerShell.Connections;
using SocketIo.PowerShell.Errors;
using SocketIo.PowerShell.Json;

namespace SocketIo.PowerShell.Commands
{
    [Cmdlet(VerbsCommunications.Connect, "OctoPrint", DefaultParameterSetName = ApiKeySet)]
    [OutputType(typeof(OctoPrintConnection))]
    public sealed class ConnectOctoPrintCommand : SocketIoCmdlet
    {
        private const string ApiKeySet = "ApiKey";
        private const string CredentialSet = "Credential";

        /// <summary>The OctoPrint base address, e.g. http://octopi.local or https://host/octoprint/.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Uri { get; set; } = null!;

        /// <summary>An application or user API key; a plain string is accepted and converted.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ApiKeySet)]
        [SecureStringTransformation]
        [ValidateNotNull]
        public SecureString ApiKey { get; set; } = null!;

        [Parameter(Mandatory = true, ParameterSetName = CredentialSet)]
        [Credential]
        [ValidateNotNull]
        public PSCredential Credential { get; set; } = null!;

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        [Parameter]
        public SockJsTransport Transport { get; set; } = SockJsTransport.Auto;

        /// <summary>Do not ask the server to slow down current messages when the consumer falls behind.</summary>
        [Parameter]
        public SwitchParameter NoThrottle { get; set; }

        /// <summary>An OctoPrint 1.8+ subscription (state, plugins, events), sent before authenticating.</summary>
        [Parameter]
        public IDictionary? Subscribe { get; set; }

        [Parameter]
        [Alias("TimeoutSec")]
        [ValidateRange(1, 3600)]
        public int ConnectionTimeoutSeconds { get; set; } = 20;

        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int ReceiveBufferSize { get; set; } = 10000;

        [Parameter]
        public SwitchParameter AllowUnencryptedAuthentication { get; set; }

        protected override void ProcessRecord()
        {
            var target = ServerAddress.Parse(Uri, allowPath: true);
            if (target.Error != null) ThrowTerminatingError(ErrorRecords.InvalidUri(Uri, target.Error));
            if (!AllowUnencryptedAuthentication && !target.IsEncrypted && !target.IsLoopback)
                ThrowTerminatingError(ErrorRecords.Create("SocketIoUnencryptedCredential", ErrorCategory.InvalidArgument,
                    $"Refusing to send OctoPrint credentials to {target.Display.Host} over unencrypted {target.Display.Scheme}. Use https, or -AllowUnencryptedAuthentication if you accept the risk.",
                    target.Display));

            var options = new OctoPrintClientOptions
            {
                BaseUri = target.Display,
                ConnectTimeout = TimeSpan.FromSeconds(ConnectionTimeoutSeconds),
                Transport = Transport,
                Throttle = !NoThrottle,
                Subscribe = Subscribe,
                ValueFactory = PSObjectFactory.Instance,
                ValueAdapter = PSValueAdapter.Instance,
            };
            if (ParameterSetName == ApiKeySet)
            {
                options.ApiKey = new NetworkCredential(string.Empty, ApiKey).Password;
            }
            else
            {
                options.UserName = Credential.UserName;
                options.Password = Credential.GetNetworkCredential().Password;
            }

            var client = new OctoPrintClient(options);
            var connection = new OctoPrintConnection(Name ?? target.Display.Host, target.Display, client, ReceiveBufferSize);
            WriteVerbose($"Logging in to OctoPrint at {target.Display} ({(ParameterSetName == ApiKeySet ? "API key" : "user " + Credential.UserName)}) and opening the push socket.");
            try
            {
                Await(connection.ConnectAsync(StopToken));
            }
            catch (SocketIoException e)
            {
                client.Dispose();
                ThrowTerminatingError(ErrorRecords.FromException(e, target.Display));
            }
            catch
            {
                client.Dispose(); // Ctrl+C (PipelineStoppedException) and anything unexpected: release the HTTP client too
                throw;
            }
            WriteVerbose($"Authenticated as {connection.UserName} on OctoPrint {connection.ServerVersion} over {connection.Transport} (connection {connection.Id}).");
            ConnectionRegistry.Current.Add(connection);
            WriteObject(connection);
        }
    }
}
