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
                double maxPayload = ReadNumber(root, "maxPayload", 0);
                return new EngineHandshake(
                    sid.GetString()!,
                    upgrades,
                    ReadMilliseconds(root, "pingInterval", 25000),
                    ReadMilliseconds(root, "pingTimeout", 20000),
                    maxPayload >= long.MaxValue ? long.MaxValue : (long)maxPayload);
            }
            catch (JsonException e)
            {
                throw new SocketIoProtocolException("The Engine.IO open packet is not valid JSON.", e);
            }
            catch (InvalidOperationException e)
            {
                throw new SocketIoProtocolException("The Engine.IO open packet holds a string that is not valid UTF-8/UTF-16.", e);
            }
        }

        /// <summary>A timer value; beyond int.MaxValue ms (24.8 days) no timer can be armed with it, and no server means it.</summary>
        private static TimeSpan ReadMilliseconds(JsonElement root, string name, double fallback)
        {
            double value = ReadNumber(root, name, fallback);
            if (value > int.MaxValue)
                throw new SocketIoProtocolException($"The Engine.IO open packet's '{name}' ({value} ms) is out of range.");
            return TimeSpan.FromMilliseconds(value);
        }

        /// <summary>A non-negative number, or the fallback when the property is missing, not a number, negative or not finite.</summary>
        private static double ReadNumber(JsonElement root, string name, double fallback) =>
            root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            && value.TryGetDouble(out double number) && number >= 0 && !double.IsInfinity(number)
                ? number
                : fallback;
    }
}
