using System;
using System.Collections.Generic;
using System.Text.Json;

namespace SocketIo.Core.OctoPrint.Rest
{
    /// <summary><c>GET /api/connection</c>: the printer's serial connection and the choices OctoPrint offers.</summary>
    public sealed class OctoPrintConnectionSettings
    {
        /// <summary>OctoPrint's connection state text: <c>Closed</c>, <c>Opening serial connection</c>, <c>Connecting</c>,
        /// <c>Operational</c>, <c>Printing</c>, <c>Error</c>... (the state text while connected).</summary>
        public string State { get; internal set; } = "Unknown";
        public string? Port { get; internal set; }
        public int? BaudRate { get; internal set; }
        public string? PrinterProfile { get; internal set; }
        public IReadOnlyList<string> Ports { get; internal set; } = Array.Empty<string>();
        public IReadOnlyList<int> BaudRates { get; internal set; } = Array.Empty<int>();
        public IReadOnlyList<string> PrinterProfiles { get; internal set; } = Array.Empty<string>();
        public string? PortPreference { get; internal set; }
        public int? BaudRatePreference { get; internal set; }
        public bool? Autoconnect { get; internal set; }

        /// <summary>True unless the state is <c>Closed</c> (or an error state that closed the port).</summary>
        public bool IsConnected => !string.Equals(State, "Closed", StringComparison.OrdinalIgnoreCase)
            && State.IndexOf("Offline", StringComparison.OrdinalIgnoreCase) < 0;
    }

    /// <summary>One heater's temperatures from <c>GET /api/printer</c>.</summary>
    public sealed class OctoPrintHeater
    {
        internal OctoPrintHeater(string name, double? actual, double? target, double? offset)
        {
            Name = name;
            Actual = actual;
            Target = target;
            Offset = offset;
        }

        /// <summary><c>tool0</c>…<c>toolN</c>, <c>bed</c>, <c>chamber</c>, or a plugin's heater id.</summary>
        public string Name { get; }
        public double? Actual { get; }
        public double? Target { get; }
        public double? Offset { get; }

        public override string ToString() => $"{Name} {Actual}/{Target}";
    }

    /// <summary><c>GET /api/printer</c> (OctoPrint answers 409 while the printer is not connected).</summary>
    public sealed class OctoPrintPrinterState
    {
        public string State { get; internal set; } = "Unknown";
        public bool Operational { get; internal set; }
        public bool Printing { get; internal set; }
        public bool Paused { get; internal set; }
        public bool Ready { get; internal set; }
        public bool Error { get; internal set; }
        public bool ClosedOrError { get; internal set; }
        public string? ErrorText { get; internal set; }
        public bool? SdReady { get; internal set; }
        public IReadOnlyList<OctoPrintHeater> Heaters { get; internal set; } = Array.Empty<OctoPrintHeater>();
    }

    /// <summary><c>GET /api/job</c>: the selected file and the progress of its print (a string state, unlike the push API).</summary>
    public sealed class OctoPrintJobInfo
    {
        public string State { get; internal set; } = "Unknown";
        public string? FileName { get; internal set; }
        public string? FileDisplay { get; internal set; }
        public string? FilePath { get; internal set; }
        public string? Origin { get; internal set; }
        public long? Size { get; internal set; }
        public DateTime? FileDate { get; internal set; }
        public double? EstimatedPrintTime { get; internal set; }
        public double? AveragePrintTime { get; internal set; }
        public double? LastPrintTime { get; internal set; }
        public string? User { get; internal set; }
        /// <summary>Percent, 0–100.</summary>
        public double? Completion { get; internal set; }
        public long? FilePosition { get; internal set; }
        public double? PrintTime { get; internal set; }
        public double? PrintTimeLeft { get; internal set; }
        public string? PrintTimeLeftOrigin { get; internal set; }
        public string? Error { get; internal set; }

        /// <summary>A file is selected (OctoPrint silently ignores a job start without one).</summary>
        public bool HasFile => !string.IsNullOrEmpty(FilePath) || !string.IsNullOrEmpty(FileName);
    }

    /// <summary>One file or folder from <c>GET /api/files</c> (folders carry their children when listed recursively).</summary>
    public sealed class OctoPrintFileInfo
    {
        public string Name { get; internal set; } = string.Empty;
        public string? Display { get; internal set; }
        /// <summary>The path inside the location, with <c>/</c> between folders (OctoPrint's <c>path</c>).</summary>
        public string Path { get; internal set; } = string.Empty;
        /// <summary><c>local</c> or <c>sdcard</c>.</summary>
        public string Origin { get; internal set; } = "local";
        /// <summary>OctoPrint's type: <c>machinecode</c>, <c>model</c> or <c>folder</c>.</summary>
        public string Type { get; internal set; } = string.Empty;
        public IReadOnlyList<string> TypePath { get; internal set; } = Array.Empty<string>();
        public long? Size { get; internal set; }
        public DateTime? Date { get; internal set; }
        public string? Hash { get; internal set; }
        public double? EstimatedPrintTime { get; internal set; }
        public int? PrintSuccesses { get; internal set; }
        public int? PrintFailures { get; internal set; }
        public bool? LastPrintSucceeded { get; internal set; }
        public IReadOnlyList<OctoPrintFileInfo> Children { get; internal set; } = Array.Empty<OctoPrintFileInfo>();
        /// <summary>The whole entry, built by the connection's value factory (children included).</summary>
        public object? Raw { get; internal set; }

        public bool IsFolder => Type == "folder";

        /// <summary>This entry and everything below it, depth first, parents before their children.</summary>
        public IEnumerable<OctoPrintFileInfo> Flatten()
        {
            yield return this;
            foreach (var child in Children)
                foreach (var entry in child.Flatten())
                    yield return entry;
        }

        public override string ToString() => $"{Origin}/{Path}";
    }

    /// <summary>The answer to an upload (<c>POST /api/files/{location}</c> with a file).</summary>
    public sealed class OctoPrintUploadResult
    {
        public string Name { get; internal set; } = string.Empty;
        public string Path { get; internal set; } = string.Empty;
        public string Origin { get; internal set; } = "local";
        /// <summary>False while a file still streams to the SD card.</summary>
        public bool Done { get; internal set; }
        /// <summary>Whether OctoPrint really selected / started the file (false when the printer was not ready).</summary>
        public bool EffectiveSelect { get; internal set; }
        public bool EffectivePrint { get; internal set; }
        public Uri? Location { get; internal set; }
    }

    /// <summary>The answer to a folder creation (<c>POST /api/files/local</c> with <c>foldername</c>).</summary>
    public sealed class OctoPrintFolderResult
    {
        public string Name { get; internal set; } = string.Empty;
        public string Path { get; internal set; } = string.Empty;
        public string Origin { get; internal set; } = "local";
        public Uri? Location { get; internal set; }
    }

    /// <summary>Reads OctoPrint's JSON shapes leniently: every field optional, numbers as ints or floats.</summary>
    internal static class RestJson
    {
        public static JsonElement? Get(JsonElement element, params string[] path)
        {
            foreach (var name in path)
            {
                if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var next)) return null;
                element = next;
            }
            return element;
        }

        public static string? String(JsonElement element, params string[] path) =>
            Get(element, path) is JsonElement e && e.ValueKind == JsonValueKind.String ? e.GetString() : null;

        public static double? Number(JsonElement element, params string[] path) =>
            Get(element, path) is JsonElement e && e.ValueKind == JsonValueKind.Number ? e.GetDouble() : (double?)null;

        public static long? Long(JsonElement element, params string[] path) =>
            Number(element, path) is double d && d >= long.MinValue && d <= long.MaxValue ? (long)Math.Round(d) : (long?)null;

        public static int? Int(JsonElement element, params string[] path) =>
            Number(element, path) is double d && d >= int.MinValue && d <= int.MaxValue ? (int)Math.Round(d) : (int?)null;

        public static bool? Bool(JsonElement element, params string[] path) =>
            Get(element, path) is JsonElement e && (e.ValueKind == JsonValueKind.True || e.ValueKind == JsonValueKind.False) ? e.GetBoolean() : (bool?)null;

        public static bool Flag(JsonElement element, params string[] path) => Bool(element, path) == true;

        public static DateTime? UnixTime(JsonElement element, params string[] path) =>
            Number(element, path) is double seconds && seconds > 0 && seconds < 253402300799
                ? new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(seconds)
                : (DateTime?)null;

        public static IReadOnlyList<string> Strings(JsonElement element, params string[] path)
        {
            var list = new List<string>();
            if (Get(element, path) is JsonElement e && e.ValueKind == JsonValueKind.Array)
                foreach (var item in e.EnumerateArray())
                    if (item.ValueKind == JsonValueKind.String) list.Add(item.GetString()!);
            return list;
        }
    }
}
