using System;
using System.Collections.Generic;
using SocketIo.PowerShell.OctoPrint;

namespace SocketIo
{
    /// <summary>A printer's latest state, as the push API last reported it (history, then each current).</summary>
    public sealed class OctoPrintStatus
    {
        internal OctoPrintStatus(OctoPrintConnection connection, object? payload, DateTime updatedAt, OctoPrintStatus? previous)
        {
            Connection = connection;
            Name = connection.Name;
            UpdatedAt = updatedAt;
            State = PSValue.String(payload, "state", "text") ?? "Unknown";
            Printing = PSValue.Flag(payload, "state", "flags", "printing");
            Paused = PSValue.Flag(payload, "state", "flags", "paused");
            Operational = PSValue.Flag(payload, "state", "flags", "operational");
            Error = PSValue.Flag(payload, "state", "flags", "error") ? PSValue.String(payload, "state", "error") : null;
            File = PSValue.String(payload, "job", "file", "display") ?? PSValue.String(payload, "job", "file", "name");
            Progress = PSValue.Number(payload, "progress", "completion");
            PrintTime = PSValue.Seconds(payload, "progress", "printTime");
            PrintTimeLeft = PSValue.Seconds(payload, "progress", "printTimeLeft");
            CurrentZ = PSValue.Number(payload, "currentZ");

            // "current" carries only the temperature points since the last message: keep the last known ones.
            var temps = PSValue.Get(payload, "temps") as object?[];
            var latest = temps != null && temps.Length > 0 ? temps[temps.Length - 1] : null;
            ToolActual = latest != null ? PSValue.Number(latest, "tool0", "actual") : previous?.ToolActual;
            ToolTarget = latest != null ? PSValue.Number(latest, "tool0", "target") : previous?.ToolTarget;
            BedActual = latest != null ? PSValue.Number(latest, "bed", "actual") : previous?.BedActual;
            BedTarget = latest != null ? PSValue.Number(latest, "bed", "target") : previous?.BedTarget;
            var heaters = new Dictionary<string, OctoPrintTemperature>(StringComparer.OrdinalIgnoreCase);
            if (latest != null)
            {
                foreach (var name in PSValue.Names(latest))
                    if (name != "time" && PSValue.Get(latest, name) != null)
                        heaters[name] = new OctoPrintTemperature(name, PSValue.Number(latest, name, "actual"), PSValue.Number(latest, name, "target"));
                TemperaturesUpdatedAt = updatedAt;
            }
            else if (previous != null)
            {
                foreach (var pair in previous.Temperatures) heaters[pair.Key] = pair.Value;
                TemperaturesUpdatedAt = previous.TemperaturesUpdatedAt;
            }
            Temperatures = heaters;
            Raw = payload;
        }

        public string Name { get; }
        public string State { get; }
        public bool Printing { get; }
        public bool Paused { get; }
        public bool Operational { get; }
        public string? Error { get; }
        /// <summary>The selected or printing file.</summary>
        public string? File { get; }
        /// <summary>Job completion in percent (0-100), or null when idle.</summary>
        public double? Progress { get; }
        public TimeSpan? PrintTime { get; }
        public TimeSpan? PrintTimeLeft { get; }
        public double? CurrentZ { get; }
        public double? ToolActual { get; }
        public double? ToolTarget { get; }
        public double? BedActual { get; }
        public double? BedTarget { get; }
        /// <summary>Every heater of the latest temperature point (tool0…toolN, bed, chamber...), by name.</summary>
        public IReadOnlyDictionary<string, OctoPrintTemperature> Temperatures { get; }
        /// <summary>When the latest temperature point arrived (UTC), or null before the first one.</summary>
        public DateTime? TemperaturesUpdatedAt { get; }
        public DateTime UpdatedAt { get; }
        public OctoPrintConnection Connection { get; }
        /// <summary>The whole payload of the message this status was read from.</summary>
        public object? Raw { get; }

        public override string ToString() => $"{Name}: {State}" + (Progress != null ? $" {Progress:0.0}%" : string.Empty);
    }

    /// <summary>One heater's actual and target temperature (°C).</summary>
    public sealed class OctoPrintTemperature
    {
        internal OctoPrintTemperature(string heater, double? actual, double? target)
        {
            Heater = heater;
            Actual = actual;
            Target = target;
        }

        public string Heater { get; }
        public double? Actual { get; }
        public double? Target { get; }

        public override string ToString() => $"{Heater} {PSValue.Format(Actual)}/{PSValue.Format(Target)}";
    }
}
