using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.Json;

namespace SocketIo.Core.OctoPrint.Rest
{
    /// <summary>
    /// OctoPrint's REST API on the push connection's HTTP client: same cookies, same API key (<c>X-Api-Key</c> on every
    /// request), same base URL. For a credential login the requests ride on the login's session cookie; when one is
    /// answered with 403 (the session expired or was reaped), the client logs in again once and repeats the request.
    /// A status OctoPrint uses for refusals (400, 403, 404, 409, 415, ...) becomes an
    /// <see cref="OctoPrintRequestFailedException"/> with the status and OctoPrint's own message; no message ever
    /// contains the key, the password or a session token.
    /// </summary>
    public sealed class OctoPrintRestClient
    {
        private static readonly JsonWriterOptions WriterOptions = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

        private readonly HttpClient _http;
        private readonly OctoPrintClientOptions _options;
        private readonly SemaphoreSlim _loginLock = new SemaphoreSlim(1, 1);
        private int _loginGeneration;
        private int _relogins;

        internal OctoPrintRestClient(HttpClient http, OctoPrintClientOptions options)
        {
            _http = http;
            _options = options;
        }

        /// <summary>How often a request met 403 and the client logged in again (credential logins only).</summary>
        public int Relogins => Volatile.Read(ref _relogins);

        // ---- connection (the printer's serial port) ----

        /// <summary><c>GET /api/connection</c>.</summary>
        public async Task<OctoPrintConnectionSettings> GetConnectionAsync(CancellationToken cancellationToken)
        {
            var root = await GetJsonAsync("api/connection", cancellationToken).ConfigureAwait(false);
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
            PostJsonAsync("api/connection", w =>
            {
                w.WriteString("command", "connect");
                if (port != null) w.WriteString("port", port);
                if (baudRate != null) w.WriteNumber("baudrate", baudRate.Value);
                if (printerProfile != null) w.WriteString("printerProfile", printerProfile);
            }, cancellationToken);

        /// <summary><c>POST /api/connection {"command":"disconnect"}</c>.</summary>
        public Task DisconnectPrinterAsync(CancellationToken cancellationToken) =>
            PostJsonAsync("api/connection", w => w.WriteString("command", "disconnect"), cancellationToken);

        // ---- printer ----

        /// <summary><c>GET /api/printer</c> (409 "Printer is not operational" while the printer is not connected).</summary>
        public async Task<OctoPrintPrinterState> GetPrinterAsync(CancellationToken cancellationToken)
        {
            var root = await GetJsonAsync("api/printer", cancellationToken).ConfigureAwait(false);
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
            return PostJsonAsync("api/printer/tool", w =>
            {
                w.WriteString("command", "target");
                w.WriteStartObject("targets");
                foreach (var pair in list) w.WriteNumber(pair.Key, pair.Value);
                w.WriteEndObject();
            }, cancellationToken);
        }

        /// <summary><c>POST /api/printer/bed {"command":"target","target":60}</c>.</summary>
        public Task SetBedTargetAsync(double target, CancellationToken cancellationToken) =>
            PostJsonAsync("api/printer/bed", w =>
            {
                w.WriteString("command", "target");
                w.WriteNumber("target", target);
            }, cancellationToken);

        /// <summary><c>POST /api/printer/printhead {"command":"home","axes":["x","y","z"]}</c>
        /// (409 while printing or not connected).</summary>
        public Task HomeAsync(IEnumerable<string> axes, CancellationToken cancellationToken)
        {
            var list = axes?.ToList() ?? throw new ArgumentNullException(nameof(axes));
            return PostJsonAsync("api/printer/printhead", w =>
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
            return PostJsonAsync("api/printer/command", w =>
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
            var root = await GetJsonAsync("api/job", cancellationToken).ConfigureAwait(false);
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
            PostJsonAsync("api/job", w =>
            {
                w.WriteString("command", command);
                if (action != null) w.WriteString("action", action);
            }, cancellationToken);

        // ---- files ----

        /// <summary><c>GET /api/files[/location]?recursive=true</c>: the top-level entries; folders hold their children.</summary>
        public async Task<IReadOnlyList<OctoPrintFileInfo>> GetFilesAsync(string? location, bool recursive, CancellationToken cancellationToken)
        {
            var relative = (location == null ? "api/files" : "api/files/" + Uri.EscapeDataString(location)) + (recursive ? "?recursive=true" : string.Empty);
            var (_, body, _) = await SendAsync(HttpMethod.Get, relative, null, null, cancellationToken).ConfigureAwait(false);
            using var document = Parse(body, relative);
            var list = new List<OctoPrintFileInfo>();
            if (RestJson.Get(document.RootElement, "files") is JsonElement entries && entries.ValueKind == JsonValueKind.Array)
                foreach (var entry in entries.EnumerateArray())
                    list.Add(ReadFile(entry, location ?? "local"));
            return list;
        }

        /// <summary>
        /// Uploads a file (<c>POST /api/files/{location}</c>, multipart) into <paramref name="folder"/> (null: the root).
        /// <paramref name="open"/> is called for each attempt (a 403 for an expired session is repeated once after a
        /// new login); <paramref name="progress"/> gets the bytes sent so far. With <paramref name="noOverwrite"/>
        /// OctoPrint answers 409 instead of replacing an existing file.
        /// </summary>
        public async Task<OctoPrintUploadResult> UploadFileAsync(string location, string fileName, Func<Stream> open, long length,
            string? folder, bool select, bool print, bool noOverwrite, Action<long>? progress, CancellationToken cancellationToken)
        {
            if (string.IsNullOrEmpty(fileName)) throw new ArgumentException("The upload needs a file name.", nameof(fileName));
            if (open == null) throw new ArgumentNullException(nameof(open));
            var relative = "api/files/" + Uri.EscapeDataString(location);
            HttpContent Content()
            {
                var form = new MultipartFormDataContent();
                var file = new ProgressStreamContent(open, length, progress);
                file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                form.Add(file, "file", fileName);
                if (!string.IsNullOrEmpty(folder)) form.Add(new StringContent(folder!), "path");
                if (select) form.Add(new StringContent("true"), "select");
                if (print) form.Add(new StringContent("true"), "print");
                if (noOverwrite) form.Add(new StringContent("true"), "noOverwrite");
                return form;
            }
            var (_, body, locationHeader) = await SendAsync(HttpMethod.Post, relative, Content, _options.UploadTimeout, cancellationToken).ConfigureAwait(false);
            using var document = Parse(body, relative, "POST");
            var root = document.RootElement;
            var files = RestJson.Get(root, "files");
            var entry = files is JsonElement f ? (RestJson.Get(f, location) ?? RestJson.Get(f, "local")) : null;
            return new OctoPrintUploadResult
            {
                Name = (entry is JsonElement e1 ? RestJson.String(e1, "name") : null) ?? fileName,
                Path = (entry is JsonElement e2 ? RestJson.String(e2, "path") : null) ?? JoinPath(folder, fileName),
                Origin = (entry is JsonElement e3 ? RestJson.String(e3, "origin") : null) ?? location,
                Done = RestJson.Bool(root, "done") ?? true,
                EffectiveSelect = RestJson.Flag(root, "effectiveSelect"),
                EffectivePrint = RestJson.Flag(root, "effectivePrint"),
                Location = locationHeader,
            };
        }

        /// <summary>Creates a folder (<c>POST /api/files/local</c>, multipart <c>foldername</c> and <c>path</c>);
        /// OctoPrint creates only on <c>local</c> and answers an existing folder as created.</summary>
        public async Task<OctoPrintFolderResult> CreateFolderAsync(string location, string name, string? parent, CancellationToken cancellationToken)
        {
            if (string.IsNullOrEmpty(name)) throw new ArgumentException("The folder needs a name.", nameof(name));
            var relative = "api/files/" + Uri.EscapeDataString(location);
            HttpContent Content()
            {
                var form = new MultipartFormDataContent();
                form.Add(new StringContent(name), "foldername");
                if (!string.IsNullOrEmpty(parent)) form.Add(new StringContent(parent!), "path");
                return form;
            }
            var (_, body, locationHeader) = await SendAsync(HttpMethod.Post, relative, Content, null, cancellationToken).ConfigureAwait(false);
            using var document = Parse(body, relative, "POST");
            var folder = RestJson.Get(document.RootElement, "folder") ?? default;
            return new OctoPrintFolderResult
            {
                Name = RestJson.String(folder, "name") ?? name,
                Path = RestJson.String(folder, "path") ?? JoinPath(parent, name),
                Origin = RestJson.String(folder, "origin") ?? location,
                Location = locationHeader,
            };
        }

        /// <summary><c>POST /api/files/{location}/{path} {"command":"select","print":bool}</c>
        /// (404 unknown file, 409 printer busy or not operational, 415 not machine code).</summary>
        public Task SelectFileAsync(string location, string path, bool print, CancellationToken cancellationToken) =>
            PostJsonAsync(FileResource(location, path), w =>
            {
                w.WriteString("command", "select");
                w.WriteBoolean("print", print);
            }, cancellationToken);

        /// <summary><c>DELETE /api/files/{location}/{path}</c>: a file, or a folder with everything in it
        /// (404 unknown, 409 in use by the running job).</summary>
        public async Task DeleteFileAsync(string location, string path, CancellationToken cancellationToken) =>
            await SendAsync(HttpMethod.Delete, FileResource(location, path), null, null, cancellationToken).ConfigureAwait(false);

        /// <summary>OctoPrint's path of <paramref name="name"/> in <paramref name="folder"/>.</summary>
        public static string JoinPath(string? folder, string name)
        {
            var parent = (folder ?? string.Empty).Trim('/');
            return parent.Length == 0 ? name : parent + "/" + name;
        }

        private static string FileResource(string location, string path)
        {
            if (string.IsNullOrEmpty(location)) throw new ArgumentException("A file needs a location (local or sdcard).", nameof(location));
            var segments = (path ?? string.Empty).Split(new[] { '/' }, StringSplitOptions.RemoveEmptyEntries);
            if (segments.Length == 0) throw new ArgumentException("A file needs a path.", nameof(path));
            return "api/files/" + Uri.EscapeDataString(location) + "/" + string.Join("/", segments.Select(Uri.EscapeDataString));
        }

        private OctoPrintFileInfo ReadFile(JsonElement entry, string location)
        {
            var children = new List<OctoPrintFileInfo>();
            if (RestJson.Get(entry, "children") is JsonElement kids && kids.ValueKind == JsonValueKind.Array)
                foreach (var child in kids.EnumerateArray()) children.Add(ReadFile(child, location));
            var name = RestJson.String(entry, "name") ?? string.Empty;
            return new OctoPrintFileInfo
            {
                Name = name,
                Display = RestJson.String(entry, "display"),
                Path = RestJson.String(entry, "path") ?? name,
                Origin = RestJson.String(entry, "origin") ?? location,
                Type = RestJson.String(entry, "type") ?? string.Empty,
                TypePath = RestJson.Strings(entry, "typePath"),
                Size = RestJson.Long(entry, "size"),
                Date = RestJson.UnixTime(entry, "date"),
                Hash = RestJson.String(entry, "hash"),
                EstimatedPrintTime = RestJson.Number(entry, "gcodeAnalysis", "estimatedPrintTime"),
                PrintSuccesses = RestJson.Int(entry, "prints", "success"),
                PrintFailures = RestJson.Int(entry, "prints", "failure"),
                LastPrintSucceeded = RestJson.Bool(entry, "prints", "last", "success"),
                Children = children,
                Raw = JsonValueReader.Read(Encoding.UTF8.GetBytes(entry.GetRawText()), _options.ValueFactory),
            };
        }

        // ---- plumbing ----

        private async Task<JsonElement> GetJsonAsync(string relative, CancellationToken cancellationToken)
        {
            var (_, body, _) = await SendAsync(HttpMethod.Get, relative, null, null, cancellationToken).ConfigureAwait(false);
            using var document = Parse(body, relative);
            return document.RootElement.Clone();
        }

        private async Task PostJsonAsync(string relative, Action<Utf8JsonWriter> write, CancellationToken cancellationToken)
        {
            var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            {
                writer.WriteStartObject();
                write(writer);
                writer.WriteEndObject();
            }
            var bytes = buffer.ToArray();
            HttpContent Content()
            {
                var content = new ByteArrayContent(bytes);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                return content;
            }
            await SendAsync(HttpMethod.Post, relative, Content, null, cancellationToken).ConfigureAwait(false);
        }

        private static JsonDocument Parse(byte[] body, string relative, string method = "GET")
        {
            try
            {
                return JsonDocument.Parse(body);
            }
            catch (JsonException)
            {
                throw new OctoPrintRequestFailedException(200, "the response is not JSON", method + " /" + StripQuery(relative));
            }
        }

        private static string StripQuery(string relative)
        {
            int q = relative.IndexOf('?');
            return q < 0 ? relative : relative.Substring(0, q);
        }

        /// <summary>Sends one request (a second one after a re-login when a credential session met 403) and returns
        /// the status, the body and the Location header; anything but 2xx throws.</summary>
        private async Task<(int Status, byte[] Body, Uri? Location)> SendAsync(HttpMethod method, string relative, Func<HttpContent>? content,
            TimeSpan? timeout, CancellationToken cancellationToken)
        {
            var baseUri = _options.NormalizedBaseUri();
            var endpoint = new Uri(baseUri, relative);
            var display = $"{method.Method} /{StripQuery(relative)}";
            var limit = timeout ?? _options.RequestTimeout;
            for (int attempt = 0; ; attempt++)
            {
                int generation = Volatile.Read(ref _loginGeneration);
                using var request = new HttpRequestMessage(method, endpoint) { Content = content?.Invoke() };
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                foreach (var header in _options.Headers) request.Headers.TryAddWithoutValidation(header.Key, header.Value);
                if (_options.ApiKey != null) request.Headers.TryAddWithoutValidation(OctoPrintLogin.ApiKeyHeader, _options.ApiKey);
                else if (method != HttpMethod.Get && CsrfToken(baseUri) is string csrf) request.Headers.TryAddWithoutValidation("X-CSRF-Token", csrf);

                using var timer = new CancellationTokenSource(limit);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
                HttpResponseMessage response;
                byte[] body;
                try
                {
                    response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, linked.Token).ConfigureAwait(false);
                    body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException($"OctoPrint did not answer {display} within {limit.TotalSeconds:0.###} s.");
                }
                catch (Exception e) when ((e is HttpRequestException || e is IOException) && !cancellationToken.IsCancellationRequested)
                {
                    var cause = e.InnerException?.Message is string inner && inner != e.Message ? $"{e.Message} ({inner})" : e.Message;
                    throw new SocketIoConnectFailedException($"Could not reach OctoPrint for {display} at {baseUri}: {cause}", e);
                }

                using (response)
                {
                    int status = (int)response.StatusCode;
                    if (status >= 200 && status <= 299) return (status, body, response.Headers.Location);
                    if (status == 403 && _options.UserName != null && attempt == 0)
                    {
                        // A credential login's session expired (or the server restarted): log in again, repeat once.
                        await ReloginAsync(generation, cancellationToken).ConfigureAwait(false);
                        continue;
                    }
                    throw new OctoPrintRequestFailedException(status, OctoPrintLogin.ServerMessage(body, response), display);
                }
            }
        }

        private async Task ReloginAsync(int seenGeneration, CancellationToken cancellationToken)
        {
            await _loginLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (Volatile.Read(ref _loginGeneration) != seenGeneration) return; // another request logged in meanwhile
                using var timer = new CancellationTokenSource(_options.ConnectTimeout);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
                try
                {
                    await OctoPrintLogin.LoginAsync(_http, _options, linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException($"Logging in to OctoPrint again did not complete within {_options.ConnectTimeout.TotalSeconds:0.###} s.");
                }
                Interlocked.Increment(ref _loginGeneration);
                Interlocked.Increment(ref _relogins);
            }
            finally
            {
                _loginLock.Release();
            }
        }

        /// <summary>OctoPrint 1.8+ wants the CSRF cookie's value echoed on cookie-authenticated POSTs.</summary>
        private string? CsrfToken(Uri baseUri)
        {
            foreach (Cookie cookie in _options.Cookies.GetCookies(baseUri))
                if (cookie.Name.StartsWith("csrf_token", StringComparison.Ordinal)) return cookie.Value;
            return null;
        }

        /// <summary>A stream's bytes as request content, reporting the bytes written so far.</summary>
        private sealed class ProgressStreamContent : HttpContent
        {
            private const int ChunkSize = 64 * 1024;
            private readonly Func<Stream> _open;
            private readonly long _length;
            private readonly Action<long>? _progress;

            public ProgressStreamContent(Func<Stream> open, long length, Action<long>? progress)
            {
                _open = open;
                _length = length;
                _progress = progress;
            }

            protected override async Task SerializeToStreamAsync(Stream stream, TransportContext context)
            {
                using var source = _open();
                var buffer = new byte[ChunkSize];
                long sent = 0;
                int read;
                _progress?.Invoke(0);
                while ((read = await source.ReadAsync(buffer, 0, buffer.Length).ConfigureAwait(false)) > 0)
                {
                    await stream.WriteAsync(buffer, 0, read).ConfigureAwait(false);
                    sent += read;
                    _progress?.Invoke(sent);
                }
            }

            protected override bool TryComputeLength(out long length)
            {
                length = _length;
                return _length >= 0;
            }
        }
    }
}
