using System;
using SocketIo.Core.OctoPrint.Rest;

namespace SocketIo
{
    /// <summary>A file or folder on an OctoPrint server (Get-OctoPrintFile, Send-OctoPrintFile, New-OctoPrintFolder).
    /// Connection, Path and Origin bind by property name to Select-OctoPrintFile and Remove-OctoPrintFile.</summary>
    public sealed class OctoPrintFile
    {
        internal OctoPrintFile(OctoPrintConnection connection, OctoPrintFileInfo info)
        {
            Connection = connection;
            Printer = connection.Name;
            Origin = info.Origin;
            Path = info.Path;
            Name = info.Name;
            Display = info.Display ?? info.Name;
            Type = info.Type;
            Size = info.Size;
            Date = info.Date;
            EstimatedPrintTime = info.EstimatedPrintTime is double seconds && seconds >= 0 ? TimeSpan.FromSeconds(Math.Round(seconds)) : (TimeSpan?)null;
            PrintSuccesses = info.PrintSuccesses;
            PrintFailures = info.PrintFailures;
            LastPrintSucceeded = info.LastPrintSucceeded;
            Raw = info.Raw;
        }

        internal OctoPrintFile(OctoPrintConnection connection, string origin, string path, string type, long? size, DateTime? date)
        {
            Connection = connection;
            Printer = connection.Name;
            Origin = origin;
            Path = path;
            Name = path.Substring(path.LastIndexOf('/') + 1);
            Display = Name;
            Type = type;
            Size = size;
            Date = date;
        }

        /// <summary>The printer's name (its connection's Name).</summary>
        public string Printer { get; }
        /// <summary><c>local</c> (OctoPrint's uploads folder) or <c>sdcard</c>.</summary>
        public string Origin { get; }
        /// <summary>The path inside the origin, folders separated by <c>/</c>.</summary>
        public string Path { get; }
        public string Name { get; }
        public string Display { get; }
        /// <summary>OctoPrint's type: <c>machinecode</c>, <c>model</c> or <c>folder</c>.</summary>
        public string Type { get; }
        public bool IsFolder => Type == "folder";
        /// <summary>Bytes (a folder: everything in it).</summary>
        public long? Size { get; }
        /// <summary>Upload time (UTC).</summary>
        public DateTime? Date { get; }
        public TimeSpan? EstimatedPrintTime { get; }
        public int? PrintSuccesses { get; }
        public int? PrintFailures { get; }
        public bool? LastPrintSucceeded { get; }
        public OctoPrintConnection Connection { get; }
        /// <summary>OctoPrint's whole entry (for a folder listed recursively, with its children).</summary>
        public object? Raw { get; }

        public override string ToString() => $"{Printer}:{Origin}/{Path}";
    }

    /// <summary>A printer's current job as <c>GET /api/job</c> reports it (Get-OctoPrintJob, -PassThru of the job cmdlets).</summary>
    public sealed class OctoPrintJob
    {
        internal OctoPrintJob(OctoPrintConnection connection, OctoPrintJobInfo info)
        {
            Connection = connection;
            Name = connection.Name;
            State = info.State;
            File = info.FileDisplay ?? info.FileName;
            Path = info.FilePath;
            Origin = info.Origin;
            Size = info.Size;
            Progress = info.Completion;
            PrintTime = Seconds(info.PrintTime);
            PrintTimeLeft = Seconds(info.PrintTimeLeft);
            EstimatedPrintTime = Seconds(info.EstimatedPrintTime);
            User = info.User;
            Error = string.IsNullOrEmpty(info.Error) ? null : info.Error;
        }

        /// <summary>The printer's name (its connection's Name).</summary>
        public string Name { get; }
        /// <summary>OctoPrint's state text: Operational, Printing, Paused, Cancelling, Offline...</summary>
        public string State { get; }
        /// <summary>The selected file, or null when none is.</summary>
        public string? File { get; }
        public string? Path { get; }
        public string? Origin { get; }
        public long? Size { get; }
        /// <summary>Percent, 0–100.</summary>
        public double? Progress { get; }
        public TimeSpan? PrintTime { get; }
        public TimeSpan? PrintTimeLeft { get; }
        public TimeSpan? EstimatedPrintTime { get; }
        public string? User { get; }
        public string? Error { get; }
        public OctoPrintConnection Connection { get; }

        private static TimeSpan? Seconds(double? value) =>
            value is double seconds && seconds >= 0 && seconds < TimeSpan.MaxValue.TotalSeconds ? TimeSpan.FromSeconds(Math.Round(seconds)) : (TimeSpan?)null;

        public override string ToString() => $"{Name}: {State} {File}";
    }
}
