using System;
using System.Collections;
using System.Collections.Specialized;
using System.Globalization;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using SocketIo.Core.Json;

namespace SocketIo.Core.Tests.Fuzz
{
    /// <summary>Prints fuzz inputs readably: bytes as text with \xNN escapes, frames one per line, JSON-ish trees.</summary>
    public static class Printer
    {
        public static string Print(object? value)
        {
            switch (value)
            {
                case null: return "null";
                case string s: return Quote(s);
                case byte[] bytes: return Bytes(bytes);
                case Frame frame: return frame.ToString();
                case Frame[] frames: return string.Join(" | ", frames.Select(f => f.ToString()));
                case bool b: return b ? "true" : "false";
                case double d: return d.ToString("R", CultureInfo.InvariantCulture) + "d";
                case long l: return l.ToString(CultureInfo.InvariantCulture) + "L";
                case IFormattable f: return f.ToString(null, CultureInfo.InvariantCulture);
                case IDictionary o:
                    return "{" + string.Join(",", o.Cast<DictionaryEntry>().Select(e => Quote((string)e.Key) + ":" + Print(e.Value))) + "}";
                case IEnumerable items:
                    return "[" + string.Join(",", items.Cast<object?>().Select(Print)) + "]";
                case ITuple tuple:
                    return "(" + string.Join(", ", Enumerable.Range(0, tuple.Length).Select(i => Print(tuple[i]))) + ")";
                default: return value.ToString() ?? value.GetType().Name;
            }
        }

        /// <summary>Printable ASCII as is; everything else as \xNN.</summary>
        public static string Bytes(byte[] bytes)
        {
            var text = new StringBuilder(bytes.Length + 2).Append('\'');
            foreach (var b in bytes)
            {
                if (b >= 0x20 && b < 0x7f && b != '\\' && b != '\'') text.Append((char)b);
                else text.Append("\\x").Append(b.ToString("x2", CultureInfo.InvariantCulture));
            }
            return text.Append('\'').ToString();
        }

        public static string Quote(string s)
        {
            var text = new StringBuilder(s.Length + 2).Append('"');
            foreach (var c in s)
            {
                if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') text.Append(c);
                else text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            return text.Append('"').ToString();
        }
    }

    /// <summary>One WebSocket message as a decoder sees it.</summary>
    public sealed class Frame
    {
        public Frame(bool isBinary, byte[] data)
        {
            IsBinary = isBinary;
            Data = data;
        }

        public bool IsBinary { get; }
        public byte[] Data { get; }

        public override string ToString() => (IsBinary ? "bin " : "text ") + Printer.Bytes(Data);
    }
}
