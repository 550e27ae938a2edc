using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using SocketIo.Core.Json;

namespace SocketIo.Core.SocketIo.MsgPack
{
    /// <summary>
    /// Writes .NET values as MessagePack with the rules of <see cref="JsonValueWriter"/>: dictionaries become maps,
    /// other enumerables arrays, byte[] bin (in place: MessagePack needs no attachments), dates ISO 8601 strings, enums
    /// their name, other types through the <see cref="IOutgoingValueAdapter"/>. Differences that come from the format:
    /// NaN and infinities are sent as float 64 (JSON has to send null), and whole doubles go out as integers, as
    /// notepack.io does. A cycle, a nesting deeper than <see cref="MaxDepth"/> or an unknown type is a
    /// <see cref="SocketIoSerializationException"/>.
    /// </summary>
    internal sealed class MsgPackValueWriter
    {
        public const int MaxDepth = JsonValueWriter.MaxDepth;

        private readonly MsgPackWriter _writer;
        private readonly IOutgoingValueAdapter? _adapter;
        private readonly List<object> _path = new List<object>(); // the containers being written, for cycle detection
        private int _depth;

        public MsgPackValueWriter(MsgPackWriter writer, IOutgoingValueAdapter? adapter)
        {
            _writer = writer;
            _adapter = adapter;
        }

        public void Write(object? value)
        {
            var w = _writer;
            switch (value)
            {
                case null: w.WriteNil(); return;
                case string s: w.WriteString(s); return;
                case bool b: w.WriteBoolean(b); return;
                case int i: w.WriteInteger(i); return;
                case long l: w.WriteInteger(l); return;
                case double d: w.WriteDouble(d); return;
                case float f: w.WriteDouble(f); return;
                case decimal m: w.WriteDouble((double)m); return;
                case short sh: w.WriteInteger(sh); return;
                case byte by: w.WriteInteger(by); return;
                case sbyte sb: w.WriteInteger(sb); return;
                case ushort us: w.WriteInteger(us); return;
                case uint ui: w.WriteInteger(ui); return;
                case ulong ul: w.WriteUnsigned(ul); return;
                case char c: w.WriteString(c.ToString()); return;
                case byte[] bytes: w.WriteBinary(bytes); return;
                case Enum e: w.WriteString(e.ToString()); return;
                case DateTime dt: w.WriteString(dt.ToString("o", CultureInfo.InvariantCulture)); return;
                case DateTimeOffset dto: w.WriteString(dto.ToString("o", CultureInfo.InvariantCulture)); return;
                case Guid g: w.WriteString(g.ToString()); return;
                case Uri u: w.WriteString(u.OriginalString); return;
                case TimeSpan ts: w.WriteString(ts.ToString("c", CultureInfo.InvariantCulture)); return;
            }

            switch (value)
            {
                case IDictionary dictionary:
                {
                    Enter(value, isContainer: true);
                    // The count goes first: take the entries once, so a dictionary that lies about its Count (or
                    // changes meanwhile) cannot make the header disagree with what follows.
                    var entries = new List<DictionaryEntry>();
                    foreach (DictionaryEntry entry in dictionary) entries.Add(entry);
                    w.WriteMapHeader(entries.Count);
                    foreach (var entry in entries)
                    {
                        w.WriteString(Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty);
                        Write(entry.Value);
                    }
                    Leave(isContainer: true);
                    return;
                }
                case IEnumerable sequence:
                {
                    Enter(value, isContainer: true);
                    var items = new List<object?>();
                    foreach (var item in sequence) items.Add(item);
                    w.WriteArrayHeader(items.Count);
                    foreach (var item in items) Write(item);
                    Leave(isContainer: true);
                    return;
                }
            }

            if (_adapter != null && _adapter.TryAdapt(value, out var adapted) && !ReferenceEquals(adapted, value))
            {
                Enter(value, isContainer: false); // cycle detection, and a bound on chains of adaptations
                Write(adapted);
                Leave(isContainer: false);
                return;
            }

            throw new SocketIoSerializationException(
                $"A value of type '{value.GetType().FullName}' cannot be sent as MessagePack; pass a hashtable, an object with properties, an array or a scalar.");
        }

        private void Enter(object container, bool isContainer)
        {
            foreach (var outer in _path)
                if (ReferenceEquals(outer, container))
                    throw new SocketIoSerializationException(
                        $"The data contains a reference cycle (a '{container.GetType().Name}' contains itself); MessagePack cannot express it.");
            if (isContainer ? ++_depth > MaxDepth : _path.Count >= 3 * MaxDepth)
                throw new SocketIoSerializationException($"The data is nested more than {MaxDepth} levels deep.");
            _path.Add(container);
        }

        private void Leave(bool isContainer)
        {
            _path.RemoveAt(_path.Count - 1);
            if (isContainer) _depth--;
        }
    }
}
