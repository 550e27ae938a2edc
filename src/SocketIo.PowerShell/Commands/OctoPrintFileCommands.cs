using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using SocketIo.Core;
using SocketIo.Core.OctoPrint.Rest;
using SocketIo.PowerShell.Errors;

namespace SocketIo.PowerShell.Commands
{
    /// <summary>Files and folders on OctoPrint servers (<c>GET /api/files?recursive=true</c>), flattened, every level:
    /// pipe them to Select-OctoPrintFile or Remove-OctoPrintFile. All of this session's OctoPrint connections by default.</summary>
    [Cmdlet(VerbsCommon.Get, "OctoPrintFile")]
    [OutputType(typeof(OctoPrintFile))]
    public sealed class GetOctoPrintFileCommand : OctoPrintCmdlet
    {
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public OctoPrintConnection[]? Connection { get; set; }

        /// <summary>Paths to list, with wildcards (matched against the whole path, case-insensitively).</summary>
        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty]
        public string[]? Path { get; set; }

        /// <summary>local or sdcard (both by default).</summary>
        [Parameter]
        [ValidateSet("local", "sdcard")]
        public string? Origin { get; set; }

        /// <summary>Files only.</summary>
        [Parameter]
        public SwitchParameter File { get; set; }

        /// <summary>Folders only.</summary>
        [Parameter]
        public SwitchParameter Folder { get; set; }

        protected override void BeginProcessing()
        {
            if (File && Folder) ThrowTerminatingError(ErrorRecords.ParameterConflict("Give -File or -Folder, not both."));
        }

        protected override void ProcessRecord()
        {
            var connections = GivenOrAll(Connection);
            var patterns = Path?.Select(p => new WildcardPattern(p.Trim('/'), WildcardOptions.IgnoreCase)).ToArray();
            foreach (var connection in connections)
            {
                if (!TryRest(connection, t => connection.Rest.GetFilesAsync(Origin, recursive: true, t), out var top)) continue;
                var matched = new bool[Path?.Length ?? 0];
                foreach (var entry in top.SelectMany(e => e.Flatten()))
                {
                    if (Origin != null && !string.Equals(entry.Origin, Origin, StringComparison.OrdinalIgnoreCase)) continue;
                    if (File && entry.IsFolder || Folder && !entry.IsFolder) continue;
                    if (patterns != null)
                    {
                        bool any = false;
                        for (int i = 0; i < patterns.Length; i++)
                            if (patterns[i].IsMatch(entry.Path)) { matched[i] = true; any = true; }
                        if (!any) continue;
                    }
                    WriteObject(new OctoPrintFile(connection, entry));
                }
                for (int i = 0; i < matched.Length; i++)
                    if (!matched[i] && !WildcardPattern.ContainsWildcardCharacters(Path![i]))
                        WriteConnectionError("OctoPrintFileNotFound", ErrorCategory.ObjectNotFound, $"there is no file or folder '{Path[i]}'.", connection);
            }
        }
    }

    /// <summary>
    /// Uploads files (<c>POST /api/files/{origin}</c>, multipart) with a progress bar, into -Destination (a folder, the
    /// root by default). An existing file is replaced only with -Force (OctoPrint's noOverwrite otherwise: 409).
    /// -Select selects it for printing, -Print starts printing it; -Wait waits for FileSelected / PrintStarted.
    /// Writes the uploaded file.
    /// </summary>
    [Cmdlet(VerbsCommunications.Send, "OctoPrintFile", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(OctoPrintFile))]
    public sealed class SendOctoPrintFileCommand : OctoPrintCmdlet
    {
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public OctoPrintConnection[] Connection { get; set; } = null!;

        /// <summary>Local files (wildcards allowed); binds FullName from Get-ChildItem.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = null!;

        /// <summary>The OctoPrint folder to upload into (created when missing).</summary>
        [Parameter]
        public string? Destination { get; set; }

        [Parameter]
        [ValidateSet("local", "sdcard")]
        public string Origin { get; set; } = "local";

        [Parameter]
        public SwitchParameter Select { get; set; }

        [Parameter]
        public SwitchParameter Print { get; set; }

        /// <summary>Replace a file of the same name.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        // Declared here, not inherited from OctoPrintRequestCmdlet: this cmdlet has no -PassThru (it always writes the file).
        [Parameter]
        public SwitchParameter Wait { get; set; }

        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int TimeoutSec { get; set; } = 60;

        protected override void ProcessRecord()
        {
            foreach (var local in ResolveFiles())
            {
                var info = new FileInfo(local);
                var destination = (Destination ?? string.Empty).Replace('\\', '/').Trim('/');
                var remote = OctoPrintRestClient.JoinPath(destination, info.Name);
                foreach (var connection in Connection)
                {
                    var action = $"Upload {info.Name} ({info.Length} bytes) to {Origin}/{remote}" + (Print ? " and print it" : Select ? " and select it" : string.Empty);
                    if (!ShouldProcess(Target(connection), action)) continue;
                    long mark = connection.EventMark;
                    var uploaded = Upload(connection, info, destination);
                    if (uploaded == null) continue;
                    var file = new OctoPrintFile(connection, uploaded.Origin, uploaded.Path, "machinecode", info.Length, DateTime.UtcNow);
                    if ((Print || Select) && !uploaded.EffectiveSelect)
                        WriteWarning($"{connection.Name}: the printer is not ready, so OctoPrint uploaded {uploaded.Path} without {(Print ? "printing" : "selecting")} it.");
                    if (Wait && Print && uploaded.EffectivePrint) AddEventWait(connection, EventWait.PrintStart, mark, () => file);
                    else if (Wait && Select && uploaded.EffectiveSelect) AddEventWait(connection, EventWait.FileSelect, mark, () => file);
                    else WriteObject(file);
                }
            }
        }

        protected override void EndProcessing() => RunWaits(TimeoutSec, "Waiting for uploaded files");

        private IEnumerable<string> ResolveFiles()
        {
            foreach (var path in Path)
            {
                System.Collections.ObjectModel.Collection<string> resolved;
                try
                {
                    resolved = GetResolvedProviderPathFromPSPath(path, out var provider);
                    if (provider.Name != "FileSystem") throw new ArgumentException($"'{path}' is not a file system path.");
                }
                catch (Exception e) when (e is ItemNotFoundException || e is ArgumentException || e is System.Management.Automation.DriveNotFoundException)
                {
                    WriteError(ErrorRecords.Create("OctoPrintLocalFileNotFound", ErrorCategory.ObjectNotFound, $"Cannot upload '{path}': {e.Message}", path, e));
                    continue;
                }
                foreach (var file in resolved)
                {
                    if (Directory.Exists(file))
                    {
                        WriteError(ErrorRecords.Create("OctoPrintLocalFileNotFound", ErrorCategory.InvalidArgument, $"Cannot upload '{file}': it is a directory.", file));
                        continue;
                    }
                    yield return file;
                }
            }
        }

        /// <summary>Runs the upload on the thread pool and shows its progress from this thread.</summary>
        private OctoPrintUploadResult? Upload(OctoPrintConnection connection, FileInfo info, string destination)
        {
            long sent = 0;
            using var signal = new ManualResetEventSlim(false);
            var task = connection.Rest.UploadFileAsync(Origin, info.Name, () => new FileStream(info.FullName, FileMode.Open, FileAccess.Read, FileShare.Read),
                info.Length, destination.Length == 0 ? null : destination, Select, Print, noOverwrite: !Force,
                bytes => { Interlocked.Exchange(ref sent, bytes); signal.Set(); }, StopToken);
            int activityId = Math.Abs(connection.Id % 1000) + 2000;
            var activity = $"Uploading {info.Name} to {connection.Name}";
            var lastShown = DateTime.MinValue;
            try
            {
                var handles = new[] { ((IAsyncResult)task).AsyncWaitHandle, signal.WaitHandle, StopToken.WaitHandle };
                while (!task.IsCompleted)
                {
                    WaitHandle.WaitAny(handles, 1000);
                    if (StopToken.IsCancellationRequested) throw new PipelineStoppedException();
                    signal.Reset();
                    if (DateTime.UtcNow - lastShown < TimeSpan.FromMilliseconds(100) && !task.IsCompleted) continue;
                    lastShown = DateTime.UtcNow;
                    long done = Interlocked.Read(ref sent);
                    WriteProgress(new ProgressRecord(activityId, activity, $"{done:N0} of {info.Length:N0} bytes")
                    {
                        PercentComplete = info.Length > 0 ? (int)Math.Min(100, done * 100 / info.Length) : 100,
                    });
                }
                return Await(task);
            }
            catch (Exception e) when (e is SocketIoException || e is TimeoutException || e is IOException || e is UnauthorizedAccessException)
            {
                WriteConnectionError(e, connection);
                return null;
            }
            finally
            {
                WriteProgress(new ProgressRecord(activityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
            }
        }
    }

    /// <summary>Selects a file for printing (<c>POST /api/files/{origin}/{path} select</c>); -Print starts it too.
    /// Takes Get-OctoPrintFile's output (Connection, Path, Origin by property name).</summary>
    [Cmdlet(VerbsCommon.Select, "OctoPrintFile", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(OctoPrintJob))]
    public sealed class SelectOctoPrintFileCommand : OctoPrintRequestCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public OctoPrintConnection[] Connection { get; set; } = null!;

        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = null!;

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateSet("local", "sdcard")]
        public string Origin { get; set; } = "local";

        [Parameter]
        public SwitchParameter Print { get; set; }

        protected override string WaitActivity => "Waiting for selected files";

        protected override void ProcessRecord()
        {
            var path = Path.Replace('\\', '/').Trim('/');
            foreach (var connection in Connection)
                Request(connection, (Print ? "Select and print " : "Select ") + $"{Origin}/{path}", t => connection.Rest.SelectFileAsync(Origin, path, Print, t),
                    Print ? EventWait.PrintStart : EventWait.FileSelect, () => JobOf(connection));
        }
    }

    /// <summary>Deletes files or folders (a folder with everything in it; <c>DELETE /api/files/{origin}/{path}</c>).
    /// Takes Get-OctoPrintFile's output. OctoPrint refuses (409) what the running job uses.</summary>
    [Cmdlet(VerbsCommon.Remove, "OctoPrintFile", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(void))]
    public sealed class RemoveOctoPrintFileCommand : OctoPrintCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public OctoPrintConnection[] Connection { get; set; } = null!;

        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = null!;

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateSet("local", "sdcard")]
        public string Origin { get; set; } = "local";

        protected override void ProcessRecord()
        {
            foreach (var connection in Connection)
                foreach (var raw in Path)
                {
                    var path = raw.Replace('\\', '/').Trim('/');
                    if (!ShouldProcess(Target(connection), $"Delete {Origin}/{path}")) continue;
                    TryRest(connection, t => connection.Rest.DeleteFileAsync(Origin, path, t));
                }
        }
    }

    /// <summary>Creates folders (<c>POST /api/files/local</c>, multipart foldername and path): <c>-Path parts/small</c>
    /// creates <c>small</c> in <c>parts</c>. An existing folder is not an error (OctoPrint answers it as created).</summary>
    [Cmdlet(VerbsCommon.New, "OctoPrintFolder", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(OctoPrintFile))]
    public sealed class NewOctoPrintFolderCommand : OctoPrintCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public OctoPrintConnection[] Connection { get; set; } = null!;

        [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = null!;

        protected override void ProcessRecord()
        {
            foreach (var raw in Path)
            {
                var path = raw.Replace('\\', '/').Trim('/');
                int slash = path.LastIndexOf('/');
                var parent = slash < 0 ? null : path.Substring(0, slash);
                var name = path.Substring(slash + 1);
                if (name.Length == 0)
                {
                    WriteError(ErrorRecords.Create("SocketIoParameterConflict", ErrorCategory.InvalidArgument, $"'{raw}' names no folder.", raw));
                    continue;
                }
                foreach (var connection in Connection)
                {
                    if (!ShouldProcess(Target(connection), $"Create folder local/{path}")) continue;
                    if (TryRest(connection, t => connection.Rest.CreateFolderAsync("local", name, parent, t), out var folder))
                        WriteObject(new OctoPrintFile(connection, folder.Origin, folder.Path, "folder", null, DateTime.UtcNow));
                }
            }
        }
    }
}
