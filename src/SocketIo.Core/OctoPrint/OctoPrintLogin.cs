using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace SocketIo.Core.OctoPrint
{
    /// <summary>A successful login: the user name and the session token the push socket's <c>auth</c> needs.</summary>
    internal sealed class OctoPrintLoginResult
    {
        public OctoPrintLoginResult(string name, string session)
        {
            Name = name;
            Session = session;
        }

        public string Name { get; }

        /// <summary>Secret: a login session token.</summary>
        public string Session { get; }

        public override string ToString() => "OctoPrint login of " + Name;
    }

    /// <summary>
    /// <c>POST {base}api/login</c>: passive with the API key in <c>X-Api-Key</c> (<c>{"passive":true}</c>), or
    /// <c>{"user","pass"}</c>. A response without <c>session</c> is a failed login (OctoPrint answers a bad key
    /// with an anonymous record and 200). No message ever contains the key, the password or the session.
    /// </summary>
    internal static class OctoPrintLogin
    {
        public const string ApiKeyHeader = "X-Api-Key";

        private const int MaxServerMessage = 300;

        public static async Task<OctoPrintLoginResult> LoginAsync(HttpClient http, OctoPrintClientOptions options, CancellationToken cancellationToken)
        {
            var endpoint = new Uri(options.NormalizedBaseUri(), "api/login");
            bool withKey = options.UserName == null;
            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = Body(options) };
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            foreach (var header in options.Headers) request.Headers.TryAddWithoutValidation(header.Key, header.Value);
            if (options.ApiKey != null) request.Headers.TryAddWithoutValidation(ApiKeyHeader, options.ApiKey);

            HttpResponseMessage response;
            byte[] body;
            try
            {
                response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
                body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
            }
            catch (Exception e) when ((e is HttpRequestException || e is IOException) && !cancellationToken.IsCancellationRequested)
            {
                var cause = e.InnerException?.Message is string inner && inner != e.Message ? $"{e.Message} ({inner})" : e.Message;
                throw new SocketIoConnectFailedException($"Could not reach OctoPrint at {endpoint}: {cause}", e);
            }

            using (response)
            {
                int status = (int)response.StatusCode;
                string what = withKey ? "the API key" : "the user name or password";
                if (status == 401 || status == 403)
                    throw new OctoPrintLoginFailedException(
                        $"OctoPrint rejected {what} (HTTP {status}{Detail(ServerMessage(body, response))}).", status);
                if (status == 429)
                    throw new OctoPrintLoginFailedException(
                        $"OctoPrint refused the login: too many failed logins, try again later (HTTP 429).", status);
                if (status < 200 || status > 299)
                    throw new OctoPrintRequestFailedException(status, ServerMessage(body, response), "POST /api/login");

                var (name, session) = ReadUser(body, status);
                if (session == null || name == null)
                    throw new OctoPrintLoginFailedException(
                        $"OctoPrint did not accept {what}: the login came back anonymous (no session).", status);
                if (name.IndexOf(':') >= 0)
                    throw new OctoPrintLoginFailedException("The OctoPrint user name contains ':', which the push socket's auth message cannot carry.", status);
                return new OctoPrintLoginResult(name, session);
            }
        }

        private static HttpContent Body(OctoPrintClientOptions options)
        {
            var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                if (options.UserName != null)
                {
                    writer.WriteString("user", options.UserName);
                    writer.WriteString("pass", options.Password);
                }
                else
                {
                    writer.WriteBoolean("passive", true);
                }
                writer.WriteEndObject();
            }
            var content = new ByteArrayContent(buffer.ToArray());
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            return content;
        }

        private static (string? Name, string? Session) ReadUser(byte[] body, int status)
        {
            try
            {
                using var document = JsonDocument.Parse(body);
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object) return (null, null);
                string? name = root.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
                string? session = root.TryGetProperty("session", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
                return (name, string.IsNullOrEmpty(session) ? null : session);
            }
            catch (JsonException)
            {
                throw new OctoPrintRequestFailedException(status, "the login response is not JSON", "POST /api/login");
            }
        }

        /// <summary>OctoPrint's <c>error</c> field (1.8+ answers API errors as <c>{"error": "..."}</c>), else a short text
        /// body (older versions answer <c>make_response("Printer is not operational", 409)</c>, served as text/html;
        /// Werkzeug's own error pages put the description in a paragraph), else the status text.</summary>
        internal static string ServerMessage(byte[] body, HttpResponseMessage response)
        {
            try
            {
                using var document = JsonDocument.Parse(body);
                if (document.RootElement.ValueKind == JsonValueKind.Object
                    && document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String)
                    return Shorten(error.GetString() ?? string.Empty);
            }
            catch (JsonException)
            {
                var mediaType = response.Content.Headers.ContentType?.MediaType;
                if ((mediaType == "text/plain" || mediaType == "text/html") && body.Length > 0 && body.Length <= 4 * MaxServerMessage)
                {
                    var text = Encoding.UTF8.GetString(body).Trim();
                    if (text.IndexOf('<') >= 0)
                    {
                        // Markup: only Werkzeug's error page says something (its <p>); a proxy's page does not.
                        var paragraph = System.Text.RegularExpressions.Regex.Match(text, "<p>(.*?)</p>", System.Text.RegularExpressions.RegexOptions.Singleline);
                        text = paragraph.Success
                            ? System.Net.WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Replace(paragraph.Groups[1].Value, "<[^>]*>", " ")).Trim()
                            : string.Empty;
                        text = System.Text.RegularExpressions.Regex.Replace(text, "\\s+", " ");
                    }
                    if (text.Length > 0 && text.Length <= MaxServerMessage * 2) return Shorten(text);
                }
            }
            return response.ReasonPhrase ?? string.Empty;
        }

        private static string Detail(string message) => string.IsNullOrEmpty(message) ? string.Empty : ": " + message;

        private static string Shorten(string text) =>
            text.Length <= MaxServerMessage ? text : text.Substring(0, MaxServerMessage) + "…";
    }
}
