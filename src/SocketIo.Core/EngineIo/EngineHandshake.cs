using System;
using System.Collections.Generic;
using System.Text.Json;

namespace SocketIo.Core.EngineIo
{
    /// <summary>The server's open packet: session id, timers and limits.</summary>
    public sealed class EngineHandshake
    {
        public EngineHandshake(string sid, IReadOnlyList<string> upgrades, TimeSpan pingInterval, TimeSpan pingTimeout, long maxPayload)
        {
            Sid = sid;
            Upgrades = upgrades;
            PingInterval = pingInterval;
            PingTimeout = pingTimeout;
            MaxPayload = maxPayload;
        }

        /// <summary>Engine.IO session id: confidential (it lets anyone speak for this session), never printed.</summary>
        public string Sid { get; }
        public IReadOnlyList<string> Upgrades { get; }
        public TimeSpan PingInterval { get; }
        public TimeSpan PingTimeout { get; }
        /// <summary>Bytes the server accepts per message (node's maxHttpBufferSize). 0 when the server did not say.</summary>
        public long MaxPayload { get; }

        public static EngineHandshake Parse(ReadOnlyMemory<byte> json)
        {
            try
            {
                using var document = JsonDocument.Parse(json);
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object) throw new SocketIoProtocolException("The Engine.IO open packet is not a JSON object.");
                if (!root.TryGetProperty("sid", out var sid) || sid.ValueKind != JsonValueKind.String)
                    throw new SocketIoProtocolException("The Engine.IO open packet has no 'sid'.");
                var upgrades = new List<string>();
                if (root.TryGetProperty("upgrades", out var list) && list.ValueKind == JsonValueKind.Array)
                    foreach (var item in list.EnumerateArray())
                        if (item.ValueKind == JsonValueKind.String) upgrades.Add(item.GetString()!);
                return new EngineHandshake(
                    sid.GetString()!,
                    upgrades,
                    TimeSpan.FromMilliseconds(ReadNumber(root, "pingInterval", 25000)),
                    TimeSpan.FromMilliseconds(ReadNumber(root, "pingTimeout", 20000)),
                    (long)ReadNumber(root, "maxPayload", 0));
            }
            catch (JsonException e)
            {
                throw new SocketIoProtocolException("The Engine.IO open packet is not valid JSON.", e);
            }
        }

        private static double ReadNumber(JsonElement root, string name, double fallback) =>
            root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.GetDouble() >= 0
                ? value.GetDouble()
                : fallback;
    }
}
