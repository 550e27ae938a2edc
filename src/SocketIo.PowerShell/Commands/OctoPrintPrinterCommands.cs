using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using SocketIo.PowerShell.Errors;

namespace SocketIo.PowerShell.Commands
{
    /// <summary>Has OctoPrint open the printer's serial port (<c>POST /api/connection connect</c>); -Wait until the push
    /// API reports <c>Connected</c>. An already connected printer is left alone unless -Force (reconnecting resets
    /// most printer boards, which ends a running print).</summary>
    [Cmdlet(VerbsCommunications.Connect, "OctoPrintPrinter", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(OctoPrintStatus))]
    public sealed class ConnectOctoPrintPrinterCommand : OctoPrintRequestCmdlet
    {
        private static readonly EventWait Connected = new EventWait("the printer to connect", new[] { "Connected" }, new[] { "Error" });

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public OctoPrintConnection[] Connection { get; set; } = null!;

        /// <summary>The serial port (OctoPrint's default, or AUTO, when not given).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Port { get; set; }

        [Parameter]
        [ValidateRange(0, 10000000)]
        public int? BaudRate { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? PrinterProfile { get; set; }

        /// <summary>Reconnect a printer that is connected already.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override string WaitActivity => "Connecting printers";

        protected override void ProcessRecord()
        {
            foreach (var connection in Connection)
            {
                // Asked of OctoPrint, not read from the push status (which may lag a request just made).
                if (!Force)
                {
                    if (!TryRest(connection, t => connection.Rest.GetConnectionAsync(t), out var current)) continue;
                    if (current.IsConnected)
                    {
                        WriteVerbose($"{connection.Name}: the printer is connected already ({current.State} on {current.Port}); -Force reconnects it.");
                        if (PassThru) WriteObject(connection.Status);
                        continue;
                    }
                }
                var port = Port != null ? $" on {Port}" : string.Empty;
                Request(connection, $"Connect the printer{port}", t => connection.Rest.ConnectPrinterAsync(Port, BaudRate, PrinterProfile, t),
                    Connected, () => connection.Status);
            }
        }
    }

    /// <summary>Has OctoPrint close the printer's serial port (<c>POST /api/connection disconnect</c>); a printing or
    /// paused printer only with -Force (OctoPrint would fail the job).</summary>
    [Cmdlet(VerbsCommunications.Disconnect, "OctoPrintPrinter", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(OctoPrintStatus))]
    public sealed class DisconnectOctoPrintPrinterCommand : OctoPrintRequestCmdlet
    {
        private static readonly EventWait Disconnected = new EventWait("the printer to disconnect", new[] { "Disconnected" }, Array.Empty<string>());

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public OctoPrintConnection[] Connection { get; set; } = null!;

        /// <summary>Disconnect even while a job runs (it fails).</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override string WaitActivity => "Disconnecting printers";

        protected override void ProcessRecord()
        {
            foreach (var connection in Connection)
            {
                // Asked of OctoPrint, not read from the push status (which may lag a job just started).
                if (!Force)
                {
                    if (!TryRest(connection, t => connection.Rest.GetJobAsync(t), out var job)) continue;
                    if (IsActive(job.State))
                    {
                        WriteConnectionError("OctoPrintPrinterBusy", ErrorCategory.ResourceBusy,
                            $"the printer is {job.State.ToLowerInvariant()} {job.FileDisplay ?? job.FileName}: disconnecting it would fail the job. Use -Force to disconnect anyway.", connection);
                        continue;
                    }
                }
                Request(connection, "Disconnect the printer", t => connection.Rest.DisconnectPrinterAsync(t), Disconnected, () => connection.Status);
            }
        }

        /// <summary>OctoPrint's state texts while a job is active (Printing, Printing from SD, Paused, Pausing, ...).</summary>
        private static bool IsActive(string state) =>
            new[] { "Printing", "Paused", "Pausing", "Resuming", "Starting", "Cancelling", "Finishing" }
                .Any(s => state.StartsWith(s, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// Sets target temperatures: <c>-Tool 215</c> (tool0; <c>-Tool 215, 205</c> sets tool0 and tool1) and/or <c>-Bed 60</c>;
    /// 0 turns a heater off. -Wait waits, on the push API's temperature reports, until every heater set is within
    /// -Tolerance of its target (for 0: until the heater reports target 0; it does not wait for cooling).
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "OctoPrintTemperature", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(OctoPrintStatus))]
    public sealed class SetOctoPrintTemperatureCommand : OctoPrintCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public OctoPrintConnection[] Connection { get; set; } = null!;

        /// <summary>Target(s) in °C for tool0, tool1, ... in that order.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ValidateRange(0, 500)]
        public double[]? Tool { get; set; }

        /// <summary>The bed's target in °C.</summary>
        [Parameter]
        [ValidateRange(0, 200)]
        public double? Bed { get; set; }

        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>How close (°C) a heater must get to its target for -Wait.</summary>
        [Parameter]
        [ValidateRange(0.1, 50)]
        public double Tolerance { get; set; } = 2;

        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int TimeoutSec { get; set; } = 900;

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void BeginProcessing()
        {
            if (Tool == null && Bed == null) ThrowTerminatingError(ErrorRecords.ParameterConflict("Give -Tool, -Bed or both."));
        }

        protected override void ProcessRecord()
        {
            var targets = new List<KeyValuePair<string, double>>();
            if (Tool != null) for (int i = 0; i < Tool.Length; i++) targets.Add(new KeyValuePair<string, double>("tool" + i, Tool[i]));
            if (Bed != null) targets.Add(new KeyValuePair<string, double>("bed", Bed.Value));
            var description = string.Join(", ", targets.Select(t => $"{t.Key} {t.Value.ToString(CultureInfo.InvariantCulture)} °C"));
            foreach (var connection in Connection)
            {
                if (!ShouldProcess(Target(connection), "Set target temperatures: " + description)) continue;
                var sentAt = DateTime.UtcNow;
                var tools = targets.Where(t => t.Key != "bed").ToList();
                if (tools.Count > 0 && !TryRest(connection, t => connection.Rest.SetToolTargetsAsync(tools, t))) continue;
                if (Bed != null && !TryRest(connection, t => connection.Rest.SetBedTargetAsync(Bed.Value, t))) continue;
                if (Wait) AddWait(connection, "the target temperatures (" + description + ")", () => Reached(connection, targets, sentAt));
                else if (PassThru) WriteObject(connection.Status);
            }
        }

        protected override void EndProcessing() => RunWaits(TimeoutSec, "Waiting for temperatures");

        private WaitOutcome? Reached(OctoPrintConnection connection, List<KeyValuePair<string, double>> targets, DateTime sentAt)
        {
            var status = connection.Status;
            if (status?.TemperaturesUpdatedAt is not DateTime at || at < sentAt) return null;
            foreach (var target in targets)
            {
                if (!status.Temperatures.TryGetValue(target.Key, out var heater) || heater.Target is not double reported) return null;
                if (Math.Abs(reported - target.Value) > 0.01) return null; // the new target is not in the reports yet
                if (target.Value > 0 && (heater.Actual is not double actual || Math.Abs(actual - target.Value) > Tolerance)) return null;
            }
            return WaitOutcome.Done(PassThru ? status : null);
        }
    }

    /// <summary>Homes axes (<c>POST /api/printer/printhead home</c>): all three unless -Axis says which.
    /// OctoPrint refuses (409) while printing or not connected.</summary>
    [Cmdlet(VerbsLifecycle.Invoke, "OctoPrintHome", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(void))]
    public sealed class InvokeOctoPrintHomeCommand : OctoPrintCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public OctoPrintConnection[] Connection { get; set; } = null!;

        [Parameter(Position = 1)]
        [ValidateSet("x", "y", "z")]
        public string[] Axis { get; set; } = { "x", "y", "z" };

        protected override void ProcessRecord()
        {
            var axes = Axis.Select(a => a.ToLowerInvariant()).Distinct().ToList();
            foreach (var connection in Connection)
            {
                if (!ShouldProcess(Target(connection), "Home axes " + string.Join(", ", axes))) continue;
                TryRest(connection, t => connection.Rest.HomeAsync(axes, t));
            }
        }
    }

    /// <summary>Sends G-code lines (<c>POST /api/printer/command</c>), e.g. <c>Get-Content start.gcode | Send-OctoPrintGcode $c</c>:
    /// the lines of one call go to each printer in one request, in order; blank and comment-only lines are left out.</summary>
    [Cmdlet(VerbsCommunications.Send, "OctoPrintGcode", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(void))]
    public sealed class SendOctoPrintGcodeCommand : OctoPrintCmdlet
    {
        private readonly List<OctoPrintConnection> _order = new List<OctoPrintConnection>();
        private readonly Dictionary<OctoPrintConnection, List<string>> _lines = new Dictionary<OctoPrintConnection, List<string>>();

        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public OctoPrintConnection[] Connection { get; set; } = null!;

        [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true)]
        [AllowEmptyString]
        [Alias("Line")]
        public string[] Command { get; set; } = null!;

        protected override void ProcessRecord()
        {
            foreach (var connection in Connection)
            {
                if (!_lines.TryGetValue(connection, out var list))
                {
                    _lines[connection] = list = new List<string>();
                    _order.Add(connection);
                }
                foreach (var line in Command)
                {
                    var text = (line ?? string.Empty).Trim();
                    if (text.Length == 0 || text.StartsWith(";", StringComparison.Ordinal)) continue;
                    list.Add(text);
                }
            }
        }

        protected override void EndProcessing()
        {
            foreach (var connection in _order)
            {
                var lines = _lines[connection];
                if (lines.Count == 0) continue;
                var shown = string.Join(", ", lines.Take(5)) + (lines.Count > 5 ? ", …" : string.Empty);
                if (!ShouldProcess(Target(connection), $"Send {lines.Count} G-code line(s): {shown}")) continue;
                TryRest(connection, t => connection.Rest.SendCommandsAsync(lines, t));
            }
        }
    }
}
