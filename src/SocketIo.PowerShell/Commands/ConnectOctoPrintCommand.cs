using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Net;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core;
using SocketIo.Core.OctoPrint;
using SocketIo.Core.SockJs;
using SocketIo.PowerShell.Connections;
using SocketIo.PowerShell.Errors;
using SocketIo.PowerShell.Json;

namespace SocketIo.PowerShell.Commands
{
    /// <summary>
    /// Connects to one or many OctoPrint servers: <c>-Uri</c> (strings from the pipeline, or objects with Uri, ApiKey
    /// and Name properties), saved printers (<c>-Saved mk4</c>, or <c>Get-OctoPrintSavedPrinter | Connect-OctoPrint</c>).
    /// All printers of one call connect at the same time; each connection is written in input order. With one printer
    /// a failure is a terminating error (as always); with several, each failure is an error of its own and the others
    /// still connect.
    /// </summary>
    [Cmdlet(VerbsCommunications.Connect, "OctoPrint", DefaultParameterSetName = ApiKeySet)]
    [OutputType(typeof(OctoPrintConnection))]
    public sealed class ConnectOctoPrintCommand : SocketIoCmdlet
    {
        private const string ApiKeySet = "ApiKey";
        private const string CredentialSet = "Credential";
        private const string SavedSet = "Saved";
        private const string SavedPrinterSet = "SavedPrinter";
        private const int FirstStatusWaitMs = 3000;

        private readonly List<Target> _targets = new List<Target>();

        /// <summary>The OctoPrint base address, e.g. http://octopi.local or https://host/octoprint/; several for a fleet.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ApiKeySet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = CredentialSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[] Uri { get; set; } = null!;

        /// <summary>An application or user API key; a plain string is accepted and converted. Shared by every printer of
        /// the call unless the pipeline objects bring their own.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ApiKeySet, ValueFromPipelineByPropertyName = true)]
        [SecureStringTransformation]
        [ValidateNotNull]
        public SecureString ApiKey { get; set; } = null!;

        [Parameter(Mandatory = true, ParameterSetName = CredentialSet, ValueFromPipelineByPropertyName = true)]
        [Credential]
        [ValidateNotNull]
        public PSCredential Credential { get; set; } = null!;

        /// <summary>Names of saved printers (New-OctoPrintSavedPrinter), wildcards allowed.</summary>
        [Parameter(Mandatory = true, ParameterSetName = SavedSet)]
        [ValidateNotNullOrEmpty]
        public string[] Saved { get; set; } = null!;

        /// <summary>Saved printers from Get-OctoPrintSavedPrinter.</summary>
        [Parameter(Mandatory = true, ParameterSetName = SavedPrinterSet, ValueFromPipeline = true)]
        [ValidateNotNullOrEmpty]
        public OctoPrintSavedPrinter[] SavedPrinter { get; set; } = null!;

        /// <summary>The connection's name (default: the saved printer's name, else the host). Names one printer.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
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
            switch (ParameterSetName)
            {
                case SavedSet:
                    foreach (var saved in SavedPrinters.Find(this, Saved)) AddSaved(saved);
                    break;
                case SavedPrinterSet:
                    foreach (var saved in SavedPrinter) AddSaved(saved);
                    break;
                default:
                    if (Name != null && Uri.Length > 1)
                        ThrowTerminatingError(ErrorRecords.ParameterConflict("-Name names one printer: give one -Uri with it, or pipe objects with Uri and Name properties."));
                    foreach (var uri in Uri)
                    {
                        _targets.Add(ParameterSetName == ApiKeySet
                            ? new Target(uri, Name, new NetworkCredential(string.Empty, ApiKey).Password, null, null, AllowUnencryptedAuthentication)
                            : new Target(uri, Name, null, Credential.UserName, Credential.GetNetworkCredential().Password, AllowUnencryptedAuthentication));
                    }
                    break;
            }
        }

        private void AddSaved(OctoPrintSavedPrinter saved)
        {
            try
            {
                var key = SavedPrinters.ResolveKey(this, saved);
                _targets.Add(new Target(saved.Uri.ToString(), Name ?? saved.Name, new NetworkCredential(string.Empty, key).Password, null, null,
                    AllowUnencryptedAuthentication || saved.AllowUnencryptedAuthentication));
            }
            catch (SavedKeyException e)
            {
                _targets.Add(new Target(saved.Uri.ToString(), Name ?? saved.Name, null, null, null, false)
                {
                    Failure = new ErrorRecord(e, "OctoPrintApiKeyUnavailable", ErrorCategory.AuthenticationError, saved),
                });
            }
        }

        protected override void EndProcessing()
        {
            bool single = _targets.Count == 1;
            foreach (var target in _targets) Prepare(target);

            var started = _targets.Where(t => t.Failure == null).ToList();
            foreach (var target in started)
            {
                WriteVerbose($"Logging in to OctoPrint at {target.Address} ({(target.ApiKey != null ? "API key" : "user " + target.UserName)}) and opening the push socket.");
                target.Connecting = target.Connection!.ConnectAsync(StopToken);
            }
            try
            {
                Await(Task.WhenAll(started.Select(t => t.Connecting!.ContinueWith(_ => { }, TaskScheduler.Default))));
                if (StopToken.IsCancellationRequested) throw new PipelineStoppedException();
            }
            catch
            {
                foreach (var target in started) target.Client!.Dispose(); // Ctrl+C: release every HTTP client and socket
                throw;
            }

            WaitForFirstStatus(started.Where(t => t.Connecting!.Status == TaskStatus.RanToCompletion).Select(t => t.Connection!).ToList());

            foreach (var target in _targets)
            {
                var failure = target.Failure;
                if (failure == null && target.Connecting!.Exception?.GetBaseException() is Exception e)
                {
                    target.Client!.Dispose();
                    if (!(e is SocketIoException)) throw e;
                    failure = ErrorRecords.FromException(e, target.Address);
                }
                if (failure != null)
                {
                    if (single) ThrowTerminatingError(failure);
                    if (target.Name != null) failure.ErrorDetails = new ErrorDetails($"{target.Name}: {failure.Exception.Message}");
                    WriteError(failure);
                    continue;
                }
                var connection = target.Connection!;
                WriteVerbose($"Authenticated as {connection.UserName} on OctoPrint {connection.ServerVersion} over {connection.Transport} (connection {connection.Id}, {connection.Name}).");
                ConnectionRegistry.Current.Add(connection);
                WriteObject(connection);
            }
        }

        // OctoPrint pushes `history` right after the socket authenticates; a connection returned before it arrived
        // would show no Status yet. Bounded: a server that sends none only delays the return by this much.
        private void WaitForFirstStatus(List<OctoPrintConnection> connections)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            foreach (var connection in connections)
            {
                while (connection.Status == null && connection.State == ConnectionState.Connected && !StopToken.IsCancellationRequested)
                {
                    long left = FirstStatusWaitMs - clock.ElapsedMilliseconds;
                    if (left <= 0) return;
                    connection.Changed.Reset();
                    if (connection.Status != null) break;
                    WaitHandle.WaitAny(new[] { connection.Changed.WaitHandle, StopToken.WaitHandle }, (int)left);
                }
            }
        }

        /// <summary>Checks the address and builds the client (not connected yet); a refusal becomes the target's failure.</summary>
        private void Prepare(Target target)
        {
            if (target.Failure != null) return;
            var address = ServerAddress.Parse(target.Uri, allowPath: true);
            if (address.Error != null)
            {
                target.Failure = ErrorRecords.InvalidUri(target.Uri, address.Error);
                return;
            }
            target.Address = address.Display;
            if (!target.AllowUnencrypted && !address.IsEncrypted && !address.IsLoopback)
            {
                target.Failure = ErrorRecords.Create("SocketIoUnencryptedCredential", ErrorCategory.InvalidArgument,
                    $"Refusing to send OctoPrint credentials to {address.Display.Host} over unencrypted {address.Display.Scheme}. Use https, or -AllowUnencryptedAuthentication if you accept the risk.",
                    address.Display);
                return;
            }
            var options = new OctoPrintClientOptions
            {
                BaseUri = address.Display,
                ConnectTimeout = TimeSpan.FromSeconds(ConnectionTimeoutSeconds),
                Transport = Transport,
                Throttle = !NoThrottle,
                Subscribe = Subscribe,
                ValueFactory = PSObjectFactory.Instance,
                ValueAdapter = PSValueAdapter.Instance,
                ApiKey = target.ApiKey,
                UserName = target.UserName,
                Password = target.Password,
            };
            target.Client = new OctoPrintClient(options);
            target.Connection = new OctoPrintConnection(target.Name ?? address.Display.Host, address.Display, target.Client, ReceiveBufferSize);
        }

        private sealed class Target
        {
            public Target(string uri, string? name, string? apiKey, string? userName, string? password, bool allowUnencrypted)
            {
                Uri = uri;
                Name = name;
                ApiKey = apiKey;
                UserName = userName;
                Password = password;
                AllowUnencrypted = allowUnencrypted;
            }

            public string Uri { get; }
            public string? Name { get; }
            public string? ApiKey { get; }
            public string? UserName { get; }
            public string? Password { get; }
            public bool AllowUnencrypted { get; }
            public System.Uri? Address { get; set; }
            public ErrorRecord? Failure { get; set; }
            public OctoPrintClient? Client { get; set; }
            public OctoPrintConnection? Connection { get; set; }
            public Task? Connecting { get; set; }
        }
    }
}
