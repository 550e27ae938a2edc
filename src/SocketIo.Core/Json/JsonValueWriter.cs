using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace SocketIo.Core.Json
{
    /// <summary>
    /// Writes .NET values as JSON the way socket.io expects them: byte[] become binary placeholders collected in
    /// <see cref="Attachments"/>; dictionaries become objects, other enumerables arrays; dates ISO 8601; enums their
    /// name. A cycle, a nesting deeper than <see cref="MaxDepth"/> or an unknown type is a
    /// <see cref="SocketIoSerializationException"/>, never a silent truncation.
    /// </summary>
    public sealed class JsonValueWriter
    {
        public const int MaxDepth = 64;

        private IOutgoingValueAdapter? _adapter;
        private readonly List<object> _path = new List<object>(); // the containers being written, for cycle detection
        private int _depth;

        public JsonValueWriter(IOutgoingValueAdapter? adapter) => _adapter = adapter;

        public List<byte[]> Attachments { get; } = new List<byte[]>();

        /// <summary>Makes a writer that finished (or failed) usable for the next value, so encoders can keep one.</summary>
        [MethodImpl(HotPath.Optimize)]
        internal void Reset(IOutgoingValueAdapter? adapter)
        {
            _adapter = adapter;
            _path.Clear();
            _depth = 0;
            Attachments.Clear();
        }

        [MethodImpl(HotPath.Optimize)]
        public void Write(Utf8JsonWriter writer, object? value)
        {
            switch (value)
            {
                case null: writer.WriteNullValue(); return;
                case string s: writer.WriteStringValue(s); return;
                case bool b: writer.WriteBooleanValue(b); return;
                case int i: writer.WriteNumberValue(i); return;
                case long l: writer.WriteNumberValue(l); return;
                case double d: WriteDouble(writer, d); return;
                case float f: WriteDouble(writer, f); return;
                case decimal m: writer.WriteNumberValue(m); return;
                case short sh: writer.WriteNumberValue(sh); return;
                case byte by: writer.WriteNumberValue(by); return;
                case sbyte sb: writer.WriteNumberValue(sb); return;
                case ushort us: writer.WriteNumberValue(us); return;
                case uint ui: writer.WriteNumberValue(ui); return;
                case ulong ul: writer.WriteNumberValue(ul); return;
                case char c: writer.WriteStringValue(c.ToString()); return;
                case byte[] bytes: WritePlaceholder(writer, bytes); return;
                case Enum e: writer.WriteStringValue(e.ToString()); return;
                case DateTime dt: writer.WriteStringValue(dt.ToString("o", CultureInfo.InvariantCulture)); return;
                case DateTimeOffset dto: writer.WriteStringValue(dto.ToString("o", CultureInfo.InvariantCulture)); return;
                case Guid g: writer.WriteStringValue(g.ToString()); return;
                case Uri u: writer.WriteStringValue(u.OriginalString); return;
                case TimeSpan ts: writer.WriteStringValue(ts.ToString("c", CultureInfo.InvariantCulture)); return;
            }

            switch (value)
            {
                case Dictionary<string, object?> map: // the common shape from C#: its struct enumerator allocates nothing
                    Enter(value, isContainer: true);
                    writer.WriteStartObject();
                    foreach (var pair in map)
                    {
                        writer.WritePropertyName(pair.Key);
                        Write(writer, pair.Value);
                    }
                    writer.WriteEndObject();
                    Leave(isContainer: true);
                    return;
                case object?[] items: // likewise: no enumerator
                    Enter(value, isContainer: true);
                    writer.WriteStartArray();
                    for (int i = 0; i < items.Length; i++) Write(writer, items[i]);
                    writer.WriteEndArray();
                    Leave(isContainer: true);
                    return;
                case IDictionary dictionary:
                    Enter(value, isContainer: true);
                    writer.WriteStartObject();
                    foreach (DictionaryEntry entry in dictionary)
                    {
                        writer.WritePropertyName(Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty);
                        Write(writer, entry.Value);
                    }
                    writer.WriteEndObject();
                    Leave(isContainer: true);
                    return;
                case IEnumerable sequence:
                    Enter(value, isContainer: true);
                    writer.WriteStartArray();
                    foreach (var item in sequence) Write(writer, item);
                    writer.WriteEndArray();
                    Leave(isContainer: true);
                    return;
            }

            if (_adapter != null && _adapter.TryAdapt(value, out var adapted) && !ReferenceEquals(adapted, value))
            {
                Enter(value, isContainer: false); // cycle detection, and a bound on chains of adaptations
                Write(writer, adapted);
                Leave(isContainer: false);
                return;
            }

            throw new SocketIoSerializationException(
                $"A value of type '{value.GetType().FullName}' cannot be sent as JSON; pass a hashtable, an object with properties, an array or a scalar.");
        }

        private static void WriteDouble(Utf8JsonWriter writer, double d)
        {
            // JSON has no NaN or infinity; JSON.stringify writes null for them, and so do we.
            if (double.IsNaN(d) || double.IsInfinity(d)) writer.WriteNullValue();
            else writer.WriteNumberValue(d);
        }

        private void WritePlaceholder(Utf8JsonWriter writer, byte[] bytes)
        {
            writer.WriteStartObject();
            writer.WriteBoolean("_placeholder", true);
            writer.WriteNumber("num", Attachments.Count);
            writer.WriteEndObject();
            Attachments.Add(bytes);
        }

        [MethodImpl(HotPath.Optimize)]
        private void Enter(object container, bool isContainer)
        {
            for (int i = 0; i < _path.Count; i++)
                if (ReferenceEquals(_path[i], container))
                    throw new SocketIoSerializationException(
                        $"The data contains a reference cycle (a '{container.GetType().Name}' contains itself); JSON cannot express it.");
            if (isContainer ? ++_depth > MaxDepth : _path.Count >= 3 * MaxDepth)
                throw new SocketIoSerializationException($"The data is nested more than {MaxDepth} levels deep.");
            _path.Add(container);
        }

        [MethodImpl(HotPath.Optimize)]
        private void Leave(bool isContainer)
        {
            _path.RemoveAt(_path.Count - 1);
            if (isContainer) _depth--;
        }
    }
}
