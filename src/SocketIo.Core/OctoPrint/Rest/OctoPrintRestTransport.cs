using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace SocketIo.Core.OctoPrint.Rest
{
    /// <summary>
    /// The requests of <see cref="OctoPrintRestClient"/>: headers (API key, or the CSRF token for a cookie login),
    /// timeouts, one repeat after a new login when a credential session meets 403, and failures turned into the
    /// core's exceptions (never with the key, the password or a session token in the message).
    /// </summary>
    internal sealed class OctoPrintRestTransport
    {
        private static readonly JsonWriterOptions WriterOptions = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

        private readonly HttpClient _http;
        private readonly OctoPrintClientOptions _options;
        private readonly SemaphoreSlim _loginLock = new SemaphoreSlim(1, 1);
        private int _loginGeneration;
        private int _relogins;

        public OctoPrintRestTransport(HttpClient http, OctoPrintClientOptions options)
        {
            _http = http;
            _options = options;
        }

        /// <summary>How often a request met 403 and the client logged in again.</summary>
        public int Relogins => Volatile.Read(ref _relogins);

        /// <summary>GET, answered with a JSON body (anything else is an <see cref="OctoPrintRequestFailedException"/>).</summary>
        public async Task<JsonElement> GetJsonAsync(string relative, CancellationToken cancellationToken)
        {
            var (_, body, _) = await SendAsync(HttpMethod.Get, relative, null, null, cancellationToken).ConfigureAwait(false);
            using var document = Parse(body, relative);
            return document.RootElement.Clone();
        }

        /// <summary>POST of the JSON object <paramref name="write"/> fills in; the answer's body is not read.</summary>
        public async Task PostJsonAsync(string relative, Action<Utf8JsonWriter> write, CancellationToken cancellationToken)
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

        /// <summary>The body as JSON; not JSON is a failed request (OctoPrint's API always answers JSON).</summary>
        public static JsonDocument Parse(byte[] body, string relative, string method = "GET")
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
        public async Task<(int Status, byte[] Body, Uri? Location)> SendAsync(HttpMethod method, string relative, Func<HttpContent>? content,
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
    }
}
