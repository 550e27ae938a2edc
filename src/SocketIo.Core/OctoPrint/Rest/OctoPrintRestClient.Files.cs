using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.Json;

namespace SocketIo.Core.OctoPrint.Rest
{
    /// <summary>OctoPrint's files API: listing, upload, folders, select, delete.</summary>
    public sealed partial class OctoPrintRestClient
    {
        // ---- files ----

        /// <summary><c>GET /api/files[/location]?recursive=true</c>: the top-level entries; folders hold their children.</summary>
        public async Task<IReadOnlyList<OctoPrintFileInfo>> GetFilesAsync(string? location, bool recursive, CancellationToken cancellationToken)
        {
            var relative = (location == null ? "api/files" : "api/files/" + Uri.EscapeDataString(location)) + (recursive ? "?recursive=true" : string.Empty);
            var (_, body, _) = await _transport.SendAsync(HttpMethod.Get, relative, null, null, cancellationToken).ConfigureAwait(false);
            using var document = OctoPrintRestTransport.Parse(body, relative);
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
            var (_, body, locationHeader) = await _transport.SendAsync(HttpMethod.Post, relative, Content, _options.UploadTimeout, cancellationToken).ConfigureAwait(false);
            using var document = OctoPrintRestTransport.Parse(body, relative, "POST");
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
            var (_, body, locationHeader) = await _transport.SendAsync(HttpMethod.Post, relative, Content, null, cancellationToken).ConfigureAwait(false);
            using var document = OctoPrintRestTransport.Parse(body, relative, "POST");
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
            _transport.PostJsonAsync(FileResource(location, path), w =>
            {
                w.WriteString("command", "select");
                w.WriteBoolean("print", print);
            }, cancellationToken);

        /// <summary><c>DELETE /api/files/{location}/{path}</c>: a file, or a folder with everything in it
        /// (404 unknown, 409 in use by the running job).</summary>
        public async Task DeleteFileAsync(string location, string path, CancellationToken cancellationToken) =>
            await _transport.SendAsync(HttpMethod.Delete, FileResource(location, path), null, null, cancellationToken).ConfigureAwait(false);

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
    }
}
