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

        private static readonly string[] NoUpgrades = new string[0];

        /// <summary>Parses the open packet's JSON in one pass with a reader (no document per connect). As with a JSON
        /// document, the whole text must be valid and a repeated property's last value counts.</summary>
        public static EngineHandshake Parse(ReadOnlyMemory<byte> json)
        {
            try
            {
                var reader = new Utf8JsonReader(json.Span);
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                {
                    if (reader.TokenType != JsonTokenType.None) reader.Skip();
                    while (reader.Read()) { } // invalid JSON stays a JSON error, as a document would report it
                    throw new SocketIoProtocolException("The Engine.IO open packet is not a JSON object.");
                }
                string? sid = null;
                bool sidIsString = false;
                List<string>? upgrades = null;
                double pingInterval = 25000, pingTimeout = 20000, maxPayload = 0;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("sid"))
                    {
                        reader.Read();
                        sidIsString = reader.TokenType == JsonTokenType.String;
                        sid = sidIsString ? reader.GetString() : null;
                        reader.Skip();
                    }
                    else if (reader.ValueTextEquals("upgrades"))
                    {
                        reader.Read();
                        upgrades = null;
                        if (reader.TokenType != JsonTokenType.StartArray) reader.Skip();
                        else
                            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                            {
                                if (reader.TokenType == JsonTokenType.String) (upgrades ??= new List<string>(1)).Add(reader.GetString()!);
                                else reader.Skip();
                            }
                    }
                    else if (reader.ValueTextEquals("pingInterval")) pingInterval = ReadNumber(ref reader, 25000);
                    else if (reader.ValueTextEquals("pingTimeout")) pingTimeout = ReadNumber(ref reader, 20000);
                    else if (reader.ValueTextEquals("maxPayload")) maxPayload = ReadNumber(ref reader, 0);
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
                while (reader.Read()) { } // nothing but white space may follow the object
                if (!sidIsString) throw new SocketIoProtocolException("The Engine.IO open packet has no 'sid'.");
                return new EngineHandshake(
                    sid!,
                    upgrades ?? (IReadOnlyList<string>)NoUpgrades,
                    Milliseconds("pingInterval", pingInterval),
                    Milliseconds("pingTimeout", pingTimeout),
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
        private static TimeSpan Milliseconds(string name, double value)
        {
            if (value > int.MaxValue)
                throw new SocketIoProtocolException($"The Engine.IO open packet's '{name}' ({value} ms) is out of range.");
            return TimeSpan.FromMilliseconds(value);
        }

        /// <summary>The property's value when it is a non-negative finite number, else the fallback (not a number,
        /// negative or not finite); the reader ends on the value.</summary>
        private static double ReadNumber(ref Utf8JsonReader reader, double fallback)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out double number) && number >= 0 && !double.IsInfinity(number))
                return number;
            reader.Skip();
            return fallback;
        }
    }
}
