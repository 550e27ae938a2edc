using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace SocketIo.Core.OctoPrint.Rest
{
    /// <summary>
    /// OctoPrint's REST API on the push connection's HTTP client: same cookies, same API key (<c>X-Api-Key</c> on every
    /// request), same base URL. For a credential login the requests ride on the login's session cookie; when one is
    /// answered with 403 (the session expired or was reaped), the client logs in again once and repeats the request.
    /// A status OctoPrint uses for refusals (400, 403, 404, 409, 415, ...) becomes an
    /// <see cref="OctoPrintRequestFailedException"/> with the status and OctoPrint's own message; no message ever
    /// contains the key, the password or a session token. This file: the printer's connection, the printer, the job;
    /// files are in OctoPrintRestClient.Files.cs, the requests themselves in <see cref="OctoPrintRestTransport"/>.
    /// </summary>
    public sealed partial class OctoPrintRestClient
    {
        private readonly OctoPrintClientOptions _options;
        private readonly OctoPrintRestTransport _transport;

        internal OctoPrintRestClient(HttpClient http, OctoPrintClientOptions options)
        {
            _options = options;
            _transport = new OctoPrintRestTransport(http, options);
        }

        /// <summary>How often a request met 403 and the client logged in again (credential logins only).</summary>
        public int Relogins => _transport.Relogins;

        // ---- connection (the printer's serial port) ----

        /// <summary><c>GET /api/connection</c>.</summary>
        public async Task<OctoPrintConnectionSettings> GetConnectionAsync(CancellationToken cancellationToken)
        {
            var root = await _transport.GetJsonAsync("api/connection", cancellationToken).ConfigureAwait(false);
            var current = RestJson.Get(root, "current") ?? default;
            var settings = new OctoPrintConnectionSettings
            {
                State = RestJson.String(current, "state") ?? "Unknown",
                Port = RestJson.String(current, "port"),
                BaudRate = RestJson.Int(current, "baudrate"),
                PrinterProfile = RestJson.String(current, "printerProfile"),
                Ports = RestJson.Strings(root, "options", "ports"),
                PortPreference = RestJson.String(root, "options", "portPreference"),
                BaudRatePreference = RestJson.Int(root, "options", "baudratePreference"),
                Autoconnect = RestJson.Bool(root, "options", "autoconnect"),
            };
            var rates = new List<int>();
            if (RestJson.Get(root, "options", "baudrates") is JsonElement b && b.ValueKind == JsonValueKind.Array)
                foreach (var rate in b.EnumerateArray())
                    if (rate.ValueKind == JsonValueKind.Number && rate.TryGetInt32(out int r)) rates.Add(r);
            settings.BaudRates = rates;
            var profiles = new List<string>();
            if (RestJson.Get(root, "options", "printerProfiles") is JsonElement p && p.ValueKind == JsonValueKind.Array)
                foreach (var profile in p.EnumerateArray())
                    if (RestJson.String(profile, "id") is string id) profiles.Add(id);
            settings.PrinterProfiles = profiles;
            return settings;
        }

        /// <summary><c>POST /api/connection {"command":"connect"}</c> with the optional port, baud rate and printer
        /// profile (OctoPrint's defaults otherwise). OctoPrint answers at once; the push API reports Connecting,
        /// Connected and the state changes.</summary>
        public Task ConnectPrinterAsync(string? port, int? baudRate, string? printerProfile, CancellationToken cancellationToken) =>
            _transport.PostJsonAsync("api/connection", w =>
            {
                w.WriteString("command", "connect");
                if (port != null) w.WriteString("port", port);
                if (baudRate != null) w.WriteNumber("baudrate", baudRate.Value);
                if (printerProfile != null) w.WriteString("printerProfile", printerProfile);
            }, cancellationToken);

        /// <summary><c>POST /api/connection {"command":"disconnect"}</c>.</summary>
        public Task DisconnectPrinterAsync(CancellationToken cancellationToken) =>
            _transport.PostJsonAsync("api/connection", w => w.WriteString("command", "disconnect"), cancellationToken);

        // ---- printer ----

        /// <summary><c>GET /api/printer</c> (409 "Printer is not operational" while the printer is not connected).</summary>
        public async Task<OctoPrintPrinterState> GetPrinterAsync(CancellationToken cancellationToken)
        {
            var root = await _transport.GetJsonAsync("api/printer", cancellationToken).ConfigureAwait(false);
            var state = new OctoPrintPrinterState
            {
                State = RestJson.String(root, "state", "text") ?? "Unknown",
                Operational = RestJson.Flag(root, "state", "flags", "operational"),
                Printing = RestJson.Flag(root, "state", "flags", "printing"),
                Paused = RestJson.Flag(root, "state", "flags", "paused"),
                Ready = RestJson.Flag(root, "state", "flags", "ready"),
                Error = RestJson.Flag(root, "state", "flags", "error"),
                ClosedOrError = RestJson.Flag(root, "state", "flags", "closedOrError"),
                ErrorText = RestJson.String(root, "state", "error"),
                SdReady = RestJson.Bool(root, "sd", "ready"),
            };
            var heaters = new List<OctoPrintHeater>();
            if (RestJson.Get(root, "temperature") is JsonElement temperature && temperature.ValueKind == JsonValueKind.Object)
                foreach (var heater in temperature.EnumerateObject())
                    if (heater.Name != "history" && heater.Value.ValueKind == JsonValueKind.Object)
                        heaters.Add(new OctoPrintHeater(heater.Name, RestJson.Number(heater.Value, "actual"),
                            RestJson.Number(heater.Value, "target"), RestJson.Number(heater.Value, "offset")));
            state.Heaters = heaters;
            return state;
        }

        /// <summary><c>POST /api/printer/tool {"command":"target","targets":{"tool0":215,...}}</c>.</summary>
        public Task SetToolTargetsAsync(IEnumerable<KeyValuePair<string, double>> targets, CancellationToken cancellationToken)
        {
            var list = targets?.ToList() ?? throw new ArgumentNullException(nameof(targets));
            if (list.Count == 0) throw new ArgumentException("Give at least one tool target.", nameof(targets));
            return _transport.PostJsonAsync("api/printer/tool", w =>
            {
                w.WriteString("command", "target");
                w.WriteStartObject("targets");
                foreach (var pair in list) w.WriteNumber(pair.Key, pair.Value);
                w.WriteEndObject();
            }, cancellationToken);
        }

        /// <summary><c>POST /api/printer/bed {"command":"target","target":60}</c>.</summary>
        public Task SetBedTargetAsync(double target, CancellationToken cancellationToken) =>
            _transport.PostJsonAsync("api/printer/bed", w =>
            {
                w.WriteString("command", "target");
                w.WriteNumber("target", target);
            }, cancellationToken);

        /// <summary><c>POST /api/printer/printhead {"command":"home","axes":["x","y","z"]}</c>
        /// (409 while printing or not connected).</summary>
        public Task HomeAsync(IEnumerable<string> axes, CancellationToken cancellationToken)
        {
            var list = axes?.ToList() ?? throw new ArgumentNullException(nameof(axes));
            return _transport.PostJsonAsync("api/printer/printhead", w =>
            {
                w.WriteString("command", "home");
                w.WriteStartArray("axes");
                foreach (var axis in list) w.WriteStringValue(axis);
                w.WriteEndArray();
            }, cancellationToken);
        }

        /// <summary><c>POST /api/printer/command {"commands":[...]}</c>: G-code lines, sent in order.</summary>
        public Task SendCommandsAsync(IEnumerable<string> commands, CancellationToken cancellationToken)
        {
            var list = commands?.ToList() ?? throw new ArgumentNullException(nameof(commands));
            if (list.Count == 0) throw new ArgumentException("Give at least one command.", nameof(commands));
            return _transport.PostJsonAsync("api/printer/command", w =>
            {
                w.WriteStartArray("commands");
                foreach (var command in list) w.WriteStringValue(command);
                w.WriteEndArray();
            }, cancellationToken);
        }

        // ---- job ----

        /// <summary><c>GET /api/job</c>.</summary>
        public async Task<OctoPrintJobInfo> GetJobAsync(CancellationToken cancellationToken)
        {
            var root = await _transport.GetJsonAsync("api/job", cancellationToken).ConfigureAwait(false);
            return new OctoPrintJobInfo
            {
                State = RestJson.String(root, "state") ?? "Unknown",
                FileName = RestJson.String(root, "job", "file", "name"),
                FileDisplay = RestJson.String(root, "job", "file", "display"),
                FilePath = RestJson.String(root, "job", "file", "path"),
                Origin = RestJson.String(root, "job", "file", "origin"),
                Size = RestJson.Long(root, "job", "file", "size"),
                FileDate = RestJson.UnixTime(root, "job", "file", "date"),
                EstimatedPrintTime = RestJson.Number(root, "job", "estimatedPrintTime"),
                AveragePrintTime = RestJson.Number(root, "job", "averagePrintTime"),
                LastPrintTime = RestJson.Number(root, "job", "lastPrintTime"),
                User = RestJson.String(root, "job", "user"),
                Completion = RestJson.Number(root, "progress", "completion"),
                FilePosition = RestJson.Long(root, "progress", "filepos"),
                PrintTime = RestJson.Number(root, "progress", "printTime"),
                PrintTimeLeft = RestJson.Number(root, "progress", "printTimeLeft"),
                PrintTimeLeftOrigin = RestJson.String(root, "progress", "printTimeLeftOrigin"),
                Error = RestJson.String(root, "error"),
            };
        }

        /// <summary><c>POST /api/job {"command":"start"}</c>. OctoPrint answers 204 but starts nothing when no file is
        /// selected; 409 when a job is active or the printer is not operational.</summary>
        public Task StartJobAsync(CancellationToken cancellationToken) => JobCommandAsync("start", null, cancellationToken);

        /// <summary><c>POST /api/job {"command":"pause","action":"pause"|"resume"|"toggle"}</c>.</summary>
        public Task PauseJobAsync(string action, CancellationToken cancellationToken)
        {
            if (action != "pause" && action != "resume" && action != "toggle")
                throw new ArgumentException("The action is pause, resume or toggle.", nameof(action));
            return JobCommandAsync("pause", action, cancellationToken);
        }

        /// <summary><c>POST /api/job {"command":"cancel"}</c>.</summary>
        public Task CancelJobAsync(CancellationToken cancellationToken) => JobCommandAsync("cancel", null, cancellationToken);

        /// <summary><c>POST /api/job {"command":"restart"}</c>: prints the paused job's file again from the start.</summary>
        public Task RestartJobAsync(CancellationToken cancellationToken) => JobCommandAsync("restart", null, cancellationToken);

        private Task JobCommandAsync(string command, string? action, CancellationToken cancellationToken) =>
            _transport.PostJsonAsync("api/job", w =>
            {
                w.WriteString("command", command);
                if (action != null) w.WriteString("action", action);
            }, cancellationToken);
    }
}
