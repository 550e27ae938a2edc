using System;
using System.Net;
using System.Text;
using System.Text.Json;

namespace SocketIo.Core.EngineIo
{
    /// <summary>
    /// Reads an Engine.IO server's HTTP error reply: node answers <c>{"code":n,"message":"..."}</c> (400, or 403 for
    /// code 4), python-engineio a JSON string (400/401) or nothing. Never strict: any body gives some description.
    /// </summary>
    internal static class EngineHttpError
    {
        public const int UnknownTransport = 0;
        public const int UnknownSession = 1;
        public const int UnsupportedProtocolVersion = 5;

        /// <summary>The node error code, when the body is node's error object.</summary>
        public static int? Code(string body) => Parse(body).Code;

        /// <summary>A one-line description: "HTTP 400: Engine.IO error 1 "Session ID unknown"".</summary>
        public static string Describe(HttpStatusCode status, string? reason, string body)
        {
            var parsed = Parse(body);
            var text = new StringBuilder("HTTP ").Append((int)status);
            if (!string.IsNullOrEmpty(reason)) text.Append(' ').Append(reason);
            if (parsed.Code != null)
            {
                text.Append(": Engine.IO error ").Append(parsed.Code.Value);
                if (parsed.Message != null) text.Append(" \"").Append(parsed.Message).Append('"');
                switch (parsed.Code.Value)
                {
                    case UnsupportedProtocolVersion:
                        text.Append(". The server does not accept Engine.IO protocol version 4, the only one this client speaks (Socket.IO 3 and 4 servers do; a Socket.IO 2 server needs Engine.IO 3)");
                        break;
                    case UnknownTransport:
                        text.Append(". The server does not accept this transport (it may allow only WebSocket, or only polling)");
                        break;
                }
            }
            else if (parsed.Message != null)
            {
                text.Append(": ").Append(parsed.Message);
            }
            return text.ToString();
        }

        private static (int? Code, string? Message) Parse(string body)
        {
            var trimmed = body.Trim();
            if (trimmed.Length == 0) return (null, null);
            try
            {
                using var document = JsonDocument.Parse(trimmed);
                var root = document.RootElement;
                if (root.ValueKind == JsonValueKind.String) return (null, Clip(root.GetString()));
                if (root.ValueKind == JsonValueKind.Object)
                {
                    int? code = root.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number && c.TryGetInt32(out var n) ? n : (int?)null;
                    string? message = root.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? Clip(m.GetString()) : null;
                    if (code != null || message != null) return (code, message);
                }
            }
            catch (JsonException)
            {
                // not JSON: fall through to the raw text
            }
            return (null, Clip(trimmed));
        }

        private static string? Clip(string? text)
        {
            if (text == null) return null;
            var builder = new StringBuilder();
            foreach (var ch in text)
            {
                if (builder.Length >= 200) { builder.Append('…'); break; }
                builder.Append(char.IsControl(ch) ? ' ' : ch);
            }
            return builder.ToString();
        }
    }
}
