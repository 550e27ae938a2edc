using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SocketIo.Core.EngineIo.WebSockets
{
    /// <summary>
    /// The client side of the RFC 6455 opening handshake: the upgrade request (user headers, user agent, the cookies
    /// shared with polling) and the check of the server's answer (101, Upgrade, Connection, Sec-WebSocket-Accept), with
    /// the answer's Set-Cookie stored back into the shared container.
    /// </summary>
    internal static class WebSocketHandshake
    {
        /// <summary>An answer head larger than this is refused rather than buffered.</summary>
        public const int MaxResponseHeadBytes = 16 * 1024;
        private const int MaxBodyExcerptBytes = 1024;
        private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

        // Set by the handshake itself: a user value would break it.
        private static readonly HashSet<string> Reserved = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "Host", "Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Extensions", "Content-Length", "Transfer-Encoding",
        };

        // Shared: GetBytes is thread-safe. A SHA-1 per thread: each instance holds a native context with a finalizer, and
        // a finalizable object per connect survives a collection (the connect storm's garbage would linger a GC longer).
        private static readonly RandomNumberGenerator Random = RandomNumberGenerator.Create();
        [ThreadStatic] private static SHA1? _sha1;

        public static string NewKey()
        {
            var nonce = new byte[16];
            Random.GetBytes(nonce);
            return Convert.ToBase64String(nonce);
        }

        public static string AcceptFor(string key)
        {
            var sha1 = _sha1 ??= SHA1.Create();
            var input = new byte[Encoding.ASCII.GetByteCount(key) + AcceptGuid.Length];
            int length = Encoding.ASCII.GetBytes(key, 0, key.Length, input, 0);
            Encoding.ASCII.GetBytes(AcceptGuid, 0, AcceptGuid.Length, input, length);
            return Convert.ToBase64String(sha1.ComputeHash(input));
        }

        /// <summary>Scheme, host, port and path: how errors name the server (the query may carry tokens).</summary>
        public static string Endpoint(Uri uri) => uri.GetLeftPart(UriPartial.Path);

        /// <summary>The cookie container's key for a WebSocket URI: its http(s) twin, as polling requests use.</summary>
        public static Uri CookieUri(Uri uri) =>
            new UriBuilder(uri.Scheme == "wss" ? "https" : "http", uri.Host, uri.Port, uri.AbsolutePath).Uri;

        [ThreadStatic] private static StringBuilder? _requestText;

        public static byte[] BuildRequest(Uri uri, EngineOptions options, string key)
        {
            // One builder per thread, reused: a request is built synchronously, and a new one per connect is 1 KB of garbage.
            var text = _requestText ??= new StringBuilder(512);
            text.Clear();
            text.Append("GET ").Append(uri.PathAndQuery).Append(" HTTP/1.1\r\n");
            text.Append("Host: ").Append(uri.Authority).Append("\r\n");
            text.Append("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n");
            text.Append("Sec-WebSocket-Key: ").Append(key).Append("\r\n");
            bool userAgentGiven = false;
            foreach (var header in options.Headers)
            {
                CheckHeader(header.Key, header.Value);
                if (Reserved.Contains(header.Key)) continue;
                userAgentGiven |= string.Equals(header.Key, "User-Agent", StringComparison.OrdinalIgnoreCase);
                text.Append(header.Key).Append(": ").Append(header.Value).Append("\r\n");
            }
            if (!userAgentGiven) text.Append("User-Agent: ").Append(options.EffectiveUserAgent).Append("\r\n");
            // No container yet, or an empty one: no cookie to send, and no cookie URI to build.
            var container = options.CookiesIfCreated;
            if (container != null && container.Count > 0)
            {
                var cookies = container.GetCookieHeader(CookieUri(uri));
                if (!string.IsNullOrEmpty(cookies)) text.Append("Cookie: ").Append(cookies).Append("\r\n");
            }
            text.Append("\r\n");
            var chars = ArrayPool<char>.Shared.Rent(text.Length);
            try
            {
                text.CopyTo(0, chars, 0, text.Length);
                var request = Encoding.UTF8.GetBytes(chars, 0, text.Length);
                if (text.Capacity > 4096) _requestText = null; // a huge header is not kept for the thread's lifetime
                return request;
            }
            finally
            {
                ArrayPool<char>.Shared.Return(chars);
            }
        }

        /// <summary>Refuses what would split the request (CR, LF) or is no HTTP header name; never echoes the value.</summary>
        public static void CheckHeader(string name, string? value)
        {
            bool badName = string.IsNullOrEmpty(name);
            foreach (char c in name ?? "") badName |= c <= ' ' || c >= 0x7f || c == ':' || c == '(' || c == ')' || c == ',' || c == ';' || c == '"';
            if (badName) throw new SocketIoConnectFailedException($"The header name '{Printable(name)}' is not a valid HTTP header name; the WebSocket request was not sent.");
            foreach (char c in value ?? "")
                if (c == '\r' || c == '\n' || c == '\0')
                    throw new SocketIoConnectFailedException($"The value of the header '{name}' contains a line break or NUL; the WebSocket request was not sent.");
        }

        /// <summary>Reads the answer head (bounded); returns it, and how many bytes after it (frames) the buffer holds at
        /// <c>head.BodyOffset</c>.</summary>
        /// <remarks>The head's buffer is rented: <see cref="ResponseHead.Dispose"/> gives it back.</remarks>
        public static async Task<ResponseHead> ReadHeadAsync(Stream stream, CancellationToken cancellationToken)
        {
            // Wait for the answer without a buffer where the runtime allows it: connects that wait for their server
            // would each hold one, and the pool keeps every array it got back (a connect storm's worth).
            if (WebSocketConnection.ZeroByteReads) await StreamReads.ReadAsync(stream, Array.Empty<byte>(), 0, 0, cancellationToken).ConfigureAwait(false);
            var buffer = ArrayPool<byte>.Shared.Rent(4096);
            int count = 0;
            try
            {
                while (true)
                {
                    int end = IndexOfEnd(buffer, count);
                    if (end >= 0) return Parse(buffer, end, count);
                    if (count == buffer.Length)
                    {
                        if (buffer.Length >= MaxResponseHeadBytes)
                            throw new SocketIoProtocolException($"The server's answer to the WebSocket upgrade has a head larger than {MaxResponseHeadBytes} bytes.");
                        var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        Buffer.BlockCopy(buffer, 0, larger, 0, count);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }
                    int read = await StreamReads.ReadAsync(stream, buffer, count, buffer.Length - count, cancellationToken).ConfigureAwait(false);
                    if (read == 0) throw new IOException("The server closed the connection before answering the WebSocket upgrade.");
                    count += read;
                }
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(buffer);
                throw;
            }
        }

        /// <summary>Parses a head ending at <paramref name="headEnd"/> (just past the blank line), line by line in the
        /// buffer: only the reason and the header names and values become strings.</summary>
        public static ResponseHead Parse(byte[] buffer, int headEnd, int count)
        {
            int lineEnd = LineEnd(buffer, 0, headEnd);
            // "HTTP/1.x SSS[ reason]"
            bool valid = lineEnd >= 12 && StartsWithHttp1(buffer) && buffer[8] == ' ' && (lineEnd == 12 || buffer[12] == ' ');
            int code = 0;
            for (int i = 9; valid && i < 12; i++)
            {
                valid = buffer[i] >= '0' && buffer[i] <= '9';
                code = code * 10 + buffer[i] - '0';
            }
            if (!valid) throw new SocketIoProtocolException("The server's answer to the WebSocket upgrade is not HTTP/1.1.");
            string reason = code != 101 && lineEnd > 13 ? Encoding.UTF8.GetString(buffer, 13, lineEnd - 13) : ""; // only errors quote it
            var headers = new List<KeyValuePair<string, string>>();
            for (int start = lineEnd + 2; start < headEnd; start = lineEnd + 2)
            {
                lineEnd = LineEnd(buffer, start, headEnd);
                if (lineEnd == start) continue;
                int colon = Array.IndexOf(buffer, (byte)':', start, lineEnd - start);
                if (colon <= start) throw new SocketIoProtocolException("The server's answer to the WebSocket upgrade has a malformed header line.");
                headers.Add(new KeyValuePair<string, string>(Trimmed(buffer, start, colon), Trimmed(buffer, colon + 1, lineEnd)));
            }
            return new ResponseHead(code, reason, headers, buffer, headEnd, count - headEnd);
        }

        private static bool StartsWithHttp1(byte[] buffer) =>
            buffer[0] == 'H' && buffer[1] == 'T' && buffer[2] == 'T' && buffer[3] == 'P' && buffer[4] == '/' && buffer[5] == '1' && buffer[6] == '.';

        /// <summary>Where the line starting at <paramref name="start"/> ends (its CR), or <paramref name="end"/>.</summary>
        private static int LineEnd(byte[] buffer, int start, int end)
        {
            for (int i = start; i + 1 < end; i++)
                if (buffer[i] == '\r' && buffer[i + 1] == '\n') return i;
            return end;
        }

        /// <summary>The text of bytes [start, end) without surrounding white space (as string.Trim).</summary>
        private static string Trimmed(byte[] buffer, int start, int end)
        {
            while (start < end && IsWhiteSpace(buffer[start])) start++;
            while (end > start && IsWhiteSpace(buffer[end - 1])) end--;
            foreach (var known in KnownTexts)
                if (Matches(buffer, start, end, known)) return known;
            return Encoding.UTF8.GetString(buffer, start, end - start);
        }

        /// <summary>The header names and values every 101 carries: the same strings each time, not new ones per connect.</summary>
        private static readonly string[] KnownTexts = { "Upgrade", "websocket", "Connection", "Sec-WebSocket-Accept" };

        private static bool Matches(byte[] buffer, int start, int end, string text)
        {
            if (end - start != text.Length) return false;
            for (int i = 0; i < text.Length; i++)
                if (buffer[start + i] != text[i]) return false;
            return true;
        }

        private static bool IsWhiteSpace(byte b) => b == ' ' || b == '\t' || b == '\r' || b == '\n' || b == '\v' || b == '\f';

        /// <summary>Stores the answer's cookies, then checks it is an accepted upgrade for <paramref name="key"/>;
        /// otherwise throws <see cref="SocketIoConnectFailedException"/> naming the endpoint (<see cref="Endpoint"/>, made
        /// only for a failure) and the status.</summary>
        public static async Task AcceptAsync(ResponseHead head, Stream stream, Uri uri, EngineOptions options, string key, CancellationToken cancellationToken)
        {
            // The cookie URI only when a cookie comes (a Uri per connect otherwise).
            Uri? cookieUri = null;
            foreach (var header in head.Headers)
            {
                if (!string.Equals(header.Key, "Set-Cookie", StringComparison.OrdinalIgnoreCase)) continue;
                try { options.Cookies.SetCookies(cookieUri ??= CookieUri(uri), header.Value); }
                catch (CookieException) { /* a cookie the container refuses is dropped, as HttpClient does */ }
            }
            if (head.Status != 101)
            {
                var body = await ReadBodyExcerptAsync(head, stream, cancellationToken).ConfigureAwait(false);
                throw new SocketIoConnectFailedException(
                    $"Could not open a WebSocket to {Endpoint(uri)}: the server refused the upgrade with {EngineHttpError.Describe((HttpStatusCode)head.Status, head.Reason, body)}");
            }
            if (!string.Equals(head.First("Upgrade"), "websocket", StringComparison.OrdinalIgnoreCase)
                || (head.First("Connection") ?? "").IndexOf("upgrade", StringComparison.OrdinalIgnoreCase) < 0)
                throw new SocketIoConnectFailedException($"The server at {Endpoint(uri)} answered 101 without upgrading to WebSocket.");
            if (head.First("Sec-WebSocket-Accept") != AcceptFor(key))
                throw new SocketIoConnectFailedException($"The server at {Endpoint(uri)} answered the WebSocket upgrade with a wrong Sec-WebSocket-Accept.");
            if (!string.IsNullOrEmpty(head.First("Sec-WebSocket-Extensions")))
                throw new SocketIoConnectFailedException($"The server at {Endpoint(uri)} accepted a WebSocket extension nobody asked for.");
        }

        private static async Task<string> ReadBodyExcerptAsync(ResponseHead head, Stream stream, CancellationToken cancellationToken)
        {
            if (!int.TryParse(head.First("Content-Length"), NumberStyles.None, CultureInfo.InvariantCulture, out int length)) length = head.Extra;
            length = Math.Min(length, MaxBodyExcerptBytes);
            var body = new byte[Math.Max(length, head.Extra)];
            Buffer.BlockCopy(head.Buffer, head.BodyOffset, body, 0, head.Extra);
            int count = head.Extra;
            try
            {
                while (count < length)
                {
                    int read = await stream.ReadAsync(body, count, length - count, cancellationToken).ConfigureAwait(false);
                    if (read == 0) break;
                    count += read;
                }
            }
            catch (IOException) { /* the excerpt is a courtesy */ }
            return Encoding.UTF8.GetString(body, 0, Math.Min(count, MaxBodyExcerptBytes));
        }

        private static int IndexOfEnd(byte[] buffer, int count)
        {
            for (int i = 3; i < count; i++)
                if (buffer[i] == '\n' && buffer[i - 1] == '\r' && buffer[i - 2] == '\n' && buffer[i - 3] == '\r') return i + 1;
            return -1;
        }

        private static string Printable(string? text)
        {
            var builder = new StringBuilder();
            foreach (char c in text ?? "") builder.Append(c < ' ' || c == 0x7f ? '?' : c);
            return builder.ToString();
        }

        /// <summary>The status line and headers of the answer, and the bytes read past them.</summary>
        internal sealed class ResponseHead : IDisposable
        {
            private byte[]? _buffer;

            public ResponseHead(int status, string reason, List<KeyValuePair<string, string>> headers, byte[] buffer, int bodyOffset, int extra)
            {
                Status = status;
                Reason = reason;
                Headers = headers;
                _buffer = buffer;
                BodyOffset = bodyOffset;
                Extra = extra;
            }

            public int Status { get; }
            public string Reason { get; }
            public List<KeyValuePair<string, string>> Headers { get; }
            /// <summary>The (rented) buffer the head was read into; the bytes after it start at <see cref="BodyOffset"/>.</summary>
            public byte[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(ResponseHead));
            public int BodyOffset { get; }
            public int Extra { get; }

            public string? First(string name)
            {
                foreach (var header in Headers)
                    if (string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase)) return header.Value;
                return null;
            }

            /// <summary>Gives the buffer back to the pool (once); <see cref="Buffer"/> is gone after it.</summary>
            public void Dispose()
            {
                var buffer = Interlocked.Exchange(ref _buffer, null);
                if (buffer != null) ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
