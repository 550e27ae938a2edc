using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Security;
using SocketIo.PowerShell.Errors;

namespace SocketIo.PowerShell.Commands
{
    /// <summary>
    /// Saves a named printer for later sessions: its address and where its API key comes from. <c>-ApiKey</c> stores the
    /// key encrypted with the user's Windows data-protection key (DPAPI); on Linux and macOS there is no such facility
    /// (ConvertFrom-SecureString and Export-Clixml only obfuscate there), so it is refused: use
    /// <c>-ApiKeyEnvironmentVariable</c> (the variable's name is stored) or <c>-ApiKeySecret</c> (a PowerShell
    /// SecretManagement secret's name is stored). Connect with <c>Connect-OctoPrint -Saved name</c>.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "OctoPrintSavedPrinter", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = KeySet)]
    [OutputType(typeof(OctoPrintSavedPrinter))]
    public sealed class NewOctoPrintSavedPrinterCommand : PSCmdlet
    {
        private const string KeySet = "ApiKey";
        private const string EnvironmentSet = "EnvironmentVariable";
        private const string SecretSet = "Secret";

        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        [ValidatePattern(@"^[^*?\[\]]+$")]
        public string Name { get; set; } = null!;

        [Parameter(Mandatory = true, Position = 1)]
        [ValidateNotNullOrEmpty]
        public string Uri { get; set; } = null!;

        [Parameter(Mandatory = true, ParameterSetName = KeySet)]
        [SecureStringTransformation]
        [ValidateNotNull]
        public SecureString ApiKey { get; set; } = null!;

        /// <summary>The environment variable to read the key from when connecting.</summary>
        [Parameter(Mandatory = true, ParameterSetName = EnvironmentSet)]
        [ValidateNotNullOrEmpty]
        public string ApiKeyEnvironmentVariable { get; set; } = null!;

        /// <summary>The SecretManagement secret to read the key from when connecting (Get-Secret).</summary>
        [Parameter(Mandatory = true, ParameterSetName = SecretSet)]
        [ValidateNotNullOrEmpty]
        public string ApiKeySecret { get; set; } = null!;

        [Parameter(ParameterSetName = SecretSet)]
        [ValidateNotNullOrEmpty]
        public string? Vault { get; set; }

        [Parameter]
        public SwitchParameter AllowUnencryptedAuthentication { get; set; }

        /// <summary>Replace a saved printer of the same name.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            var target = ServerAddress.Parse(Uri, allowPath: true);
            if (target.Error != null) ThrowTerminatingError(ErrorRecords.InvalidUri(Uri, target.Error));
            var saved = ParameterSetName switch
            {
                EnvironmentSet => new OctoPrintSavedPrinter(Name, target.Display, OctoPrintKeySource.EnvironmentVariable) { EnvironmentVariable = ApiKeyEnvironmentVariable },
                SecretSet => new OctoPrintSavedPrinter(Name, target.Display, OctoPrintKeySource.SecretManagement) { SecretName = ApiKeySecret, SecretVault = Vault },
                _ => new OctoPrintSavedPrinter(Name, target.Display, OctoPrintKeySource.ProtectedKey),
            };
            saved.AllowUnencryptedAuthentication = AllowUnencryptedAuthentication;
            saved.SavedAt = DateTime.UtcNow;

            if (ParameterSetName == KeySet && !Dpapi.IsAvailable)
                ThrowTerminatingError(ErrorRecords.Create("OctoPrintKeyProtectionUnavailable", ErrorCategory.SecurityError,
                    $"Refusing to save the API key of '{Name}': this system has no per-user data protection to encrypt it with. " +
                    "On Linux and macOS, ConvertFrom-SecureString and Export-Clixml only obfuscate a SecureString (anyone who can read the file can recover the key). " +
                    "Keep the key in an environment variable (-ApiKeyEnvironmentVariable) or in a SecretManagement vault (-ApiKeySecret) instead.", Name));
            if (ParameterSetName == SecretSet && InvokeCommand.GetCommand("Get-Secret", CommandTypes.All) == null)
                ThrowTerminatingError(ErrorRecords.Create("OctoPrintSecretManagementMissing", ErrorCategory.NotInstalled,
                    "PowerShell SecretManagement is not available (no Get-Secret command): Install-Module Microsoft.PowerShell.SecretManagement and register a vault first.", ApiKeySecret));

            List<OctoPrintSavedPrinter> all;
            try
            {
                all = SavedPrinterStore.Load();
            }
            catch (Exception e) when (e is System.IO.IOException || e is UnauthorizedAccessException || e is System.Text.Json.JsonException)
            {
                ThrowTerminatingError(ErrorRecords.Create("OctoPrintSavedPrintersUnreadable", ErrorCategory.ReadError,
                    $"Cannot read the saved printers file {SavedPrinterStore.FilePath}: {e.Message}", SavedPrinterStore.FilePath, e));
                return;
            }
            var existing = all.FirstOrDefault(p => string.Equals(p.Name, Name, StringComparison.OrdinalIgnoreCase));
            if (existing != null && !Force)
                ThrowTerminatingError(ErrorRecords.Create("OctoPrintSavedPrinterExists", ErrorCategory.ResourceExists,
                    $"A printer named '{existing.Name}' is saved already; use -Force to replace it.", Name));
            if (!ShouldProcess($"{Name} ({target.Display})", $"Save the printer in {SavedPrinterStore.FilePath}")) return;

            if (ParameterSetName == KeySet) saved.ProtectedKey = Dpapi.Protect(ApiKey);
            if (existing != null) all.Remove(existing);
            all.Add(saved);
            try
            {
                SavedPrinterStore.Save(all);
            }
            catch (Exception e) when (e is System.IO.IOException || e is UnauthorizedAccessException)
            {
                ThrowTerminatingError(ErrorRecords.Create("OctoPrintSavedPrintersUnwritable", ErrorCategory.WriteError,
                    $"Cannot write the saved printers file {SavedPrinterStore.FilePath}: {e.Message}", SavedPrinterStore.FilePath, e));
            }
            WriteObject(saved);
        }
    }

    /// <summary>The saved printers (all, or those whose names match -Name's wildcards).</summary>
    [Cmdlet(VerbsCommon.Get, "OctoPrintSavedPrinter")]
    [OutputType(typeof(OctoPrintSavedPrinter))]
    public sealed class GetOctoPrintSavedPrinterCommand : PSCmdlet
    {
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[]? Name { get; set; }

        protected override void ProcessRecord()
        {
            foreach (var printer in SavedPrinters.Find(this, Name)) WriteObject(printer);
        }
    }

    /// <summary>Forgets saved printers (the API key protected with them goes too).</summary>
    [Cmdlet(VerbsCommon.Remove, "OctoPrintSavedPrinter", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(void))]
    public sealed class RemoveOctoPrintSavedPrinterCommand : PSCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[] Name { get; set; } = null!;

        protected override void ProcessRecord()
        {
            var found = SavedPrinters.Find(this, Name).ToList();
            if (found.Count == 0) return;
            var all = SavedPrinterStore.Load();
            bool changed = false;
            foreach (var printer in found)
            {
                if (!ShouldProcess($"{printer.Name} ({printer.Uri})", "Forget the saved printer")) continue;
                changed |= all.RemoveAll(p => string.Equals(p.Name, printer.Name, StringComparison.OrdinalIgnoreCase)) > 0;
            }
            if (changed) SavedPrinterStore.Save(all);
        }
    }

    /// <summary>Finding saved printers by name and turning their key references into keys.</summary>
    internal static class SavedPrinters
    {
        /// <summary>The saved printers matching the names (wildcards allowed); a plain name without a match is an error.</summary>
        public static IEnumerable<OctoPrintSavedPrinter> Find(PSCmdlet cmdlet, IEnumerable<string>? names)
        {
            List<OctoPrintSavedPrinter> all;
            try
            {
                all = SavedPrinterStore.Load();
            }
            catch (Exception e) when (e is System.IO.IOException || e is UnauthorizedAccessException || e is System.Text.Json.JsonException)
            {
                cmdlet.WriteError(ErrorRecords.Create("OctoPrintSavedPrintersUnreadable", ErrorCategory.ReadError,
                    $"Cannot read the saved printers file {SavedPrinterStore.FilePath}: {e.Message}", SavedPrinterStore.FilePath, e));
                yield break;
            }
            if (names == null)
            {
                foreach (var p in all) yield return p;
                yield break;
            }
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var name in names)
            {
                var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
                var matches = all.Where(p => pattern.IsMatch(p.Name)).ToList();
                if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
                    cmdlet.WriteError(ErrorRecords.Create("OctoPrintSavedPrinterNotFound", ErrorCategory.ObjectNotFound,
                        $"No printer named '{name}' is saved (see Get-OctoPrintSavedPrinter; New-OctoPrintSavedPrinter saves one).", name));
                foreach (var match in matches)
                    if (seen.Add(match.Name)) yield return match;
            }
        }

        /// <summary>The saved printer's API key; throws <see cref="SavedKeyException"/> when it cannot be had.</summary>
        public static SecureString ResolveKey(PSCmdlet cmdlet, OctoPrintSavedPrinter printer)
        {
            switch (printer.KeySource)
            {
                case OctoPrintKeySource.ProtectedKey:
                    if (!Dpapi.IsAvailable || printer.ProtectedKey == null)
                        throw new SavedKeyException($"The API key of saved printer '{printer.Name}' is protected with Windows DPAPI and can be read on Windows only, by the user who saved it.");
                    try
                    {
                        return Dpapi.Unprotect(printer.ProtectedKey);
                    }
                    catch (Exception e) when (e is System.ComponentModel.Win32Exception || e is FormatException)
                    {
                        throw new SavedKeyException($"The API key of saved printer '{printer.Name}' cannot be decrypted (saved by another user or on another computer?): {e.Message}");
                    }
                case OctoPrintKeySource.EnvironmentVariable:
                    var value = Environment.GetEnvironmentVariable(printer.EnvironmentVariable ?? string.Empty);
                    if (string.IsNullOrEmpty(value))
                        throw new SavedKeyException($"The environment variable {printer.EnvironmentVariable} that holds the API key of saved printer '{printer.Name}' is not set.");
                    return ToSecure(value!);
                default:
                    if (cmdlet.InvokeCommand.GetCommand("Get-Secret", CommandTypes.All) == null)
                        throw new SavedKeyException($"The API key of saved printer '{printer.Name}' is the secret '{printer.SecretName}', but PowerShell SecretManagement (Get-Secret) is not available.");
                    System.Collections.ObjectModel.Collection<PSObject> result;
                    try
                    {
                        result = cmdlet.InvokeCommand.InvokeScript(
                            "param($n, $v) if ($v) { Get-Secret -Name $n -Vault $v -ErrorAction Stop } else { Get-Secret -Name $n -ErrorAction Stop }",
                            false, System.Management.Automation.Runspaces.PipelineResultTypes.None, null, printer.SecretName, printer.SecretVault);
                    }
                    catch (RuntimeException e)
                    {
                        throw new SavedKeyException($"Get-Secret could not read the secret '{printer.SecretName}' for saved printer '{printer.Name}': {e.Message}");
                    }
                    switch (result.Count == 1 ? result[0]?.BaseObject : null)
                    {
                        case SecureString secure:
                            return secure;
                        case string text when text.Length > 0:
                            return ToSecure(text);
                        default:
                            throw new SavedKeyException($"The secret '{printer.SecretName}' for saved printer '{printer.Name}' is not a string.");
                    }
            }
        }

        private static SecureString ToSecure(string text)
        {
            var secure = new SecureString();
            foreach (var c in text) secure.AppendChar(c);
            secure.MakeReadOnly();
            return secure;
        }
    }

    /// <summary>A saved printer's key could not be had (error id OctoPrintApiKeyUnavailable).</summary>
    public sealed class SavedKeyException : Exception
    {
        public SavedKeyException(string message) : base(message) { }
    }
}
