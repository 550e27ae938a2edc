using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.OctoPrint;
using SocketIo.Core.OctoPrint.Rest;
using Xunit;

namespace SocketIo.Core.Tests.OctoPrint
{
    /// <summary>The REST client (OctoPrintClient.Rest) against octoprint-sim.js: every endpoint, the push events the
    /// requests cause, OctoPrint's refusals (400/403/404/409) and the re-login of a credential session.</summary>
    public class OctoPrintRestTests
    {
        private static readonly CancellationToken None = CancellationToken.None;

        private static async Task<string> PrinterConnectionAsync(OctoPrintSimulator sim) =>
            (await sim.StateAsync()).GetProperty("printer").GetProperty("connection").GetString()!;

        private static async Task<List<string>> GcodeAsync(OctoPrintSimulator sim) =>
            (await sim.StateAsync()).GetProperty("printer").GetProperty("gcode").EnumerateArray().Select(e => e.GetString()!).ToList();

        private static object? P(OctoPrintMessage message, string key) => ((System.Collections.IDictionary)message.EventPayload!)[key];

        private static Task<OctoPrintMessage> EventAsync(OctoPrintTestClient client, string type, int count = 1) =>
            client.WaitForMessageAsync(m => m.EventType == type, "event " + type, count);

        [Fact]
        public async Task ConnectionDisconnectAndConnectDriveTheSerialStateMachine()
        {
            using var sim = await OctoPrintSimulator.StartAsync();
            using var client = await OctoPrintTestClient.ConnectAsync(sim);
            var rest = client.Client.Rest;

            var settings = await rest.GetConnectionAsync(None);
            Assert.Equal("Operational", settings.State);
            Assert.True(settings.IsConnected);
            Assert.Equal("/dev/ttyACM0", settings.Port);
            Assert.Equal(115200, settings.BaudRate);
            Assert.Contains("VIRTUAL", settings.Ports);
            Assert.Contains(250000, settings.BaudRates);
            Assert.Equal(new[] { "_default" }, settings.PrinterProfiles);

            await rest.DisconnectPrinterAsync(None);
            await EventAsync(client, "Disconnected");
            Assert.Equal("Closed", (await rest.GetConnectionAsync(None)).State);
            Assert.False((await rest.GetConnectionAsync(None)).IsConnected);

            // The printer endpoints refuse while the port is closed, with OctoPrint's status and text.
            var refused = await Assert.ThrowsAsync<OctoPrintRequestFailedException>(() => rest.GetPrinterAsync(None));
            Assert.Equal(409, refused.StatusCode);
            Assert.Equal("Printer is not operational", refused.ServerMessage);
            Assert.Contains("GET /api/printer", refused.Message);
            Assert.Contains("409", refused.Message);
            var start = await Assert.ThrowsAsync<OctoPrintRequestFailedException>(() => rest.StartJobAsync(None));
            Assert.Equal(409, start.StatusCode);

            await rest.ConnectPrinterAsync("VIRTUAL", 250000, "_default", None);
            var connected = await EventAsync(client, "Connected");
            var payload = (System.Collections.IDictionary)connected.EventPayload!;
            Assert.Equal("VIRTUAL", payload["port"]);
            Assert.Equal(250000, Convert.ToInt32(payload["baudrate"]));
            Assert.True(client.Count(m => m.EventType == "Connecting") >= 1);
            settings = await rest.GetConnectionAsync(None);
            Assert.Equal("Operational", settings.State);
            Assert.Equal("VIRTUAL", settings.Port);
            Assert.True((await rest.GetPrinterAsync(None)).Operational);
        }

        [Fact]
        public async Task ConnectWithAnUnknownPortIsA400WithOctoPrintsMessage()
        {
            using var sim = await OctoPrintSimulator.StartAsync("--printer-offline");
            using var client = new OctoPrintTestClient(sim);
            var error = await Assert.ThrowsAsync<OctoPrintRequestFailedException>(() => client.Client.Rest.ConnectPrinterAsync("/dev/nope", null, null, None));
            Assert.Equal(400, error.StatusCode);
            Assert.Equal("Invalid port: /dev/nope", error.ServerMessage);
            Assert.Equal("Closed", await PrinterConnectionAsync(sim));
        }

        [Fact]
        public async Task TemperaturesHomeAndGcodeReachThePrinter()
        {
            using var sim = await OctoPrintSimulator.StartAsync();
            using var client = new OctoPrintTestClient(sim);
            var rest = client.Client.Rest;

            await rest.SetToolTargetsAsync(new[] { new KeyValuePair<string, double>("tool0", 215) }, None);
            await rest.SetBedTargetAsync(60, None);
            var printer = await rest.GetPrinterAsync(None);
            Assert.Equal(215, printer.Heaters.Single(h => h.Name == "tool0").Target);
            Assert.Equal(60, printer.Heaters.Single(h => h.Name == "bed").Target);
            Assert.Equal("Operational", printer.State);
            Assert.True(printer.Ready);

            await rest.HomeAsync(new[] { "x", "y" }, None);
            await rest.SendCommandsAsync(new[] { "M117 hello", "G1 X10" }, None);
            var gcode = await GcodeAsync(sim);
            Assert.Equal(new[] { "M104 T0 S215", "M140 S60", "G28 X0 Y0", "M117 hello", "G1 X10" }, gcode);
            Assert.Equal(1, (await sim.StateAsync()).GetProperty("printer").GetProperty("homeCount").GetInt32());

            var badAxis = await Assert.ThrowsAsync<OctoPrintRequestFailedException>(() => rest.HomeAsync(new[] { "q" }, None));
            Assert.Equal(400, badAxis.StatusCode);
            Assert.Equal("Invalid axis: q", badAxis.ServerMessage);
            var badTool = await Assert.ThrowsAsync<OctoPrintRequestFailedException>(() =>
                rest.SetToolTargetsAsync(new[] { new KeyValuePair<string, double>("hotend", 200) }, None));
            Assert.Equal(400, badTool.StatusCode);
        }

        [Fact]
        public async Task JobCommandsFollowOctoPrintsStateMachineAndRaiseTheirEvents()
        {
            using var sim = await OctoPrintSimulator.StartAsync("--print-seconds", "30");
            using var client = await OctoPrintTestClient.ConnectAsync(sim);
            var rest = client.Client.Rest;

            var idle = await rest.GetJobAsync(None);
            Assert.Equal("Operational", idle.State);
            Assert.False(idle.HasFile);
            // Without a selected file OctoPrint answers 204 and starts nothing.
            await rest.StartJobAsync(None);
            Assert.Equal(0, (await sim.StateAsync()).GetProperty("print").GetProperty("printsStarted").GetInt32());

            await rest.SelectFileAsync("local", "benchy.gcode", print: false, None);
            await EventAsync(client, "FileSelected");
            var selected = await rest.GetJobAsync(None);
            Assert.True(selected.HasFile);
            Assert.Equal("benchy.gcode", selected.FilePath);
            Assert.Equal("local", selected.Origin);
            Assert.Equal(1468987, selected.Size);

            await rest.StartJobAsync(None);
            await EventAsync(client, "PrintStarted");
            var running = await rest.GetJobAsync(None);
            Assert.Equal("Printing", running.State);
            Assert.NotNull(running.Completion);
            var again = await Assert.ThrowsAsync<OctoPrintRequestFailedException>(() => rest.StartJobAsync(None));
            Assert.Equal(409, again.StatusCode);
            Assert.Equal("Printer already has an active print job, did you mean 'restart'?", again.ServerMessage);
            var restartWhilePrinting = await Assert.ThrowsAsync<OctoPrintRequestFailedException>(() => rest.RestartJobAsync(None));
            Assert.Equal(409, restartWhilePrinting.StatusCode);

            await rest.PauseJobAsync("pause", None);
            await EventAsync(client, "PrintPaused");
            await rest.PauseJobAsync("resume", None);
            await EventAsync(client, "PrintResumed");
            await rest.PauseJobAsync("pause", None);
            await EventAsync(client, "PrintPaused", 2);
            await rest.RestartJobAsync(None);
            await EventAsync(client, "PrintStarted", 2);

            await rest.CancelJobAsync(None);
            var failed = await EventAsync(client, "PrintFailed");
            Assert.Equal("cancelled", P(failed, "reason"));
            var cancelIdle = await Assert.ThrowsAsync<OctoPrintRequestFailedException>(() => rest.CancelJobAsync(None));
            Assert.Equal(409, cancelIdle.StatusCode);
            Assert.Equal("Printer is neither printing nor paused, 'cancel' command cannot be performed", cancelIdle.ServerMessage);
            await Assert.ThrowsAsync<ArgumentException>(() => rest.PauseJobAsync("sideways", None));
        }

        [Fact]
        public async Task FilesUploadListSelectDeleteAndFolders()
        {
            using var sim = await OctoPrintSimulator.StartAsync("--print-seconds", "30");
            using var client = await OctoPrintTestClient.ConnectAsync(sim);
            var rest = client.Client.Rest;

            var content = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("G1 X10 Y10 E0.5\n", 20000)));
            var reported = new List<long>();
            var upload = await rest.UploadFileAsync("local", "cube.gcode", () => new MemoryStream(content), content.Length,
                "parts/small", select: true, print: false, noOverwrite: true, sent => { lock (reported) reported.Add(sent); }, None);
            Assert.Equal("cube.gcode", upload.Name);
            Assert.Equal("parts/small/cube.gcode", upload.Path);
            Assert.Equal("local", upload.Origin);
            Assert.True(upload.Done);
            Assert.True(upload.EffectiveSelect);
            Assert.False(upload.EffectivePrint);
            Assert.EndsWith("/api/files/local/parts/small/cube.gcode", upload.Location!.ToString());
            lock (reported)
            {
                Assert.True(reported.Count >= 3, "progress reported in chunks");
                Assert.Equal(content.Length, reported[reported.Count - 1]);
            }
            await EventAsync(client, "Upload");
            var order = client.Messages.Where(m => m.EventType != null && m.EventType != "ZChange" && m.EventType != "ClientAuthed")
                .Select(m => m.EventType).ToList();
            Assert.Equal(new[] { "FolderAdded", "FolderAdded", "FileAdded", "UpdatedFiles", "FileSelected", "Upload" },
                order.SkipWhile(t => t != "FolderAdded").Take(6));

            var duplicate = await Assert.ThrowsAsync<OctoPrintRequestFailedException>(() => rest.UploadFileAsync("local", "cube.gcode",
                () => new MemoryStream(content), content.Length, "parts/small", false, false, noOverwrite: true, null, None));
            Assert.Equal(409, duplicate.StatusCode);
            Assert.Equal("File already exists and noOverwrite was set", duplicate.ServerMessage);
            var wrongType = await Assert.ThrowsAsync<OctoPrintRequestFailedException>(() => rest.UploadFileAsync("local", "notes.txt",
                () => new MemoryStream(content), content.Length, null, false, false, false, null, None));
            Assert.Equal(415, wrongType.StatusCode);

            var folder = await rest.CreateFolderAsync("local", "empty", "parts", None);
            Assert.Equal("parts/empty", folder.Path);
            await EventAsync(client, "FolderAdded", 3);

            var top = await rest.GetFilesAsync(null, recursive: true, None);
            var all = top.SelectMany(e => e.Flatten()).ToList();
            Assert.Equal(new[] { "benchy.gcode", "parts", "parts/empty", "parts/small", "parts/small/cube.gcode" },
                all.Select(e => e.Path).OrderBy(p => p, StringComparer.Ordinal));
            var cube = all.Single(e => e.Path == "parts/small/cube.gcode");
            Assert.Equal("cube.gcode", cube.Name);
            Assert.False(cube.IsFolder);
            Assert.Equal("machinecode", cube.Type);
            Assert.Equal(content.Length, cube.Size);
            Assert.NotNull(cube.Date);
            Assert.Equal("local", cube.Origin);
            Assert.NotNull(cube.Raw);
            Assert.True(all.Single(e => e.Path == "parts").IsFolder);
            Assert.Equal(2, all.Single(e => e.Path == "parts").Children.Count);

            // Print from the selected file; the file in use cannot be deleted.
            await rest.StartJobAsync(None);
            var started = await EventAsync(client, "PrintStarted");
            Assert.Equal("parts/small/cube.gcode", P(started, "path"));
            var inUse = await Assert.ThrowsAsync<OctoPrintRequestFailedException>(() => rest.DeleteFileAsync("local", "parts/small/cube.gcode", None));
            Assert.Equal(409, inUse.StatusCode);
            Assert.Equal("Trying to delete a file that is currently in use", inUse.ServerMessage);
            var busySelect = await Assert.ThrowsAsync<OctoPrintRequestFailedException>(() => rest.SelectFileAsync("local", "benchy.gcode", false, None));
            Assert.Equal(409, busySelect.StatusCode);
            await rest.CancelJobAsync(None);
            await EventAsync(client, "PrintFailed");

            await rest.DeleteFileAsync("local", "parts/small/cube.gcode", None);
            var removed = await EventAsync(client, "FileRemoved");
            Assert.Equal("parts/small/cube.gcode", P(removed, "path"));
            await EventAsync(client, "FileDeselected");
            var missing = await Assert.ThrowsAsync<OctoPrintRequestFailedException>(() => rest.DeleteFileAsync("local", "parts/small/cube.gcode", None));
            Assert.Equal(404, missing.StatusCode);
            var missingSelect = await Assert.ThrowsAsync<OctoPrintRequestFailedException>(() => rest.SelectFileAsync("local", "nope.gcode", true, None));
            Assert.Equal(404, missingSelect.StatusCode);
            await rest.DeleteFileAsync("local", "parts", None);
            await EventAsync(client, "FolderRemoved");
            Assert.Equal(new[] { "benchy.gcode" }, (await rest.GetFilesAsync("local", true, None)).SelectMany(e => e.Flatten()).Select(e => e.Path));
        }

        [Fact]
        public async Task UploadWithPrintStartsThePrint()
        {
            using var sim = await OctoPrintSimulator.StartAsync("--print-seconds", "30");
            using var client = await OctoPrintTestClient.ConnectAsync(sim);
            var bytes = Encoding.ASCII.GetBytes("G28\nG1 X1\n");
            var upload = await client.Client.Rest.UploadFileAsync("local", "quick print.gcode", () => new MemoryStream(bytes), bytes.Length,
                null, select: false, print: true, noOverwrite: false, null, None);
            Assert.True(upload.EffectivePrint);
            Assert.True(upload.EffectiveSelect);
            Assert.Equal("quick_print.gcode", upload.Path); // OctoPrint's file name sanitizing
            var started = await EventAsync(client, "PrintStarted");
            Assert.Equal("quick_print.gcode", P(started, "path"));
        }

        [Fact]
        public async Task ARotatedApiKeyIsA403WithoutTheKeyInTheMessage()
        {
            using var sim = await OctoPrintSimulator.StartAsync();
            using var client = new OctoPrintTestClient(sim);
            Assert.Equal("Operational", (await client.Client.Rest.GetJobAsync(None)).State);
            await sim.PostAsync("test/api-key?key=rotated-key-71c2");
            var error = await Assert.ThrowsAsync<OctoPrintRequestFailedException>(() => client.Client.Rest.GetJobAsync(None));
            Assert.Equal(403, error.StatusCode);
            Assert.Contains("permission", error.ServerMessage);
            Assert.Equal(0, client.Client.Rest.Relogins); // an API key is not a session: no re-login
            Assert.DoesNotContain(OctoPrintSimulator.ApiKey, error.ToString());
        }

        [Fact]
        public async Task ACredentialSessionThatExpiredIsRenewedOnce()
        {
            using var sim = await OctoPrintSimulator.StartAsync();
            using var client = await OctoPrintTestClient.ConnectAsync(sim, o =>
            {
                o.ApiKey = null;
                o.UserName = OctoPrintSimulator.User;
                o.Password = "secret";
            });
            var rest = client.Client.Rest;
            Assert.Equal("Operational", (await rest.GetJobAsync(None)).State);
            Assert.Equal(0, rest.Relogins);

            await sim.PostAsync("test/expire-sessions");
            await rest.SetBedTargetAsync(55, None);   // 403 → login → repeated
            Assert.Equal(1, rest.Relogins);
            Assert.Equal(55, (await sim.StateAsync()).GetProperty("printer").GetProperty("bedTarget").GetDouble());
            Assert.Equal(1, rest.Relogins);
            // A multipart body is rebuilt for the repeated request.
            await sim.PostAsync("test/expire-sessions");
            var bytes = Encoding.ASCII.GetBytes("G28\n");
            var upload = await rest.UploadFileAsync("local", "again.gcode", () => new MemoryStream(bytes), bytes.Length, null, false, false, false, null, None);
            Assert.Equal("again.gcode", upload.Path);
            Assert.Equal(2, rest.Relogins);
        }

        [Fact]
        public async Task AnUnreachableServerIsAConnectFailure()
        {
            using var sim = await OctoPrintSimulator.StartAsync();
            var port = sim.Port;
            sim.Dispose();
            var options = new OctoPrintClientOptions { BaseUri = new Uri($"http://127.0.0.1:{port}/"), ApiKey = "k" };
            using var client = new OctoPrintClient(options);
            var error = await Assert.ThrowsAsync<SocketIoConnectFailedException>(() => client.Rest.GetJobAsync(None));
            Assert.Contains("GET /api/job", error.Message);
        }

        [Theory]
        [InlineData("application/json", "{\"error\":\"Printer is not operational\"}", "Printer is not operational")]
        [InlineData("text/html", "Printer is not operational", "Printer is not operational")]
        [InlineData("text/html", "<!doctype html>\n<title>409 Conflict</title>\n<h1>Conflict</h1>\n<p>Printer is &quot;busy&quot;</p>\n", "Printer is \"busy\"")]
        [InlineData("text/plain", "", "Conflict")]
        public void ServerMessagesAreReadFromJsonTextAndWerkzeugPages(string mediaType, string body, string expected)
        {
            using var response = new HttpResponseMessage(HttpStatusCode.Conflict) { Content = new StringContent(body, Encoding.UTF8, mediaType) };
            Assert.Equal(expected, OctoPrintLogin.ServerMessage(Encoding.UTF8.GetBytes(body), response));
        }
    }
}
