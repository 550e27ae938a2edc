using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Linq;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CsCheck;
using SocketIo.Core.Json;
using SocketIo.Core.SocketIo;

namespace SocketIo.Core.Tests.Fuzz
{
    /// <summary>
    /// Generators shared by the fuzz and round-trip properties: well-formed values (JSON trees, texts, packets) and
    /// mutations of valid encodings — truncations, wrong counts, bad JSON, huge numbers, deep nesting, invalid UTF-8.
    /// </summary>
    public static class FuzzGen
    {
        // ---- well-formed values ----------------------------------------------------------------------------------

        /// <summary>Well-formed UTF-16 text: ASCII, controls, JSON's special characters, BMP letters, surrogate pairs.</summary>
        public static readonly Gen<string> Text =
            Gen.Frequency(
                (8, Gen.Char[' ', '~'].Select(c => c.ToString())),
                (1, Gen.Char['\0', '\x1f'].Select(c => c.ToString())),
                (2, Gen.OneOf("\"", "\\", "/", "\u2028", "\u2029", "\x7f", "\x1e", ",", "-", "[", "{", "é", "€", "\uFEFF", "\uFFFD")),
                (2, Gen.Char['\u00a0', '\ud7ff'].Select(c => c.ToString())),
                (1, Gen.Int[0x10000, 0x10FFFF].Select(char.ConvertFromUtf32)))
            .Array[0, 12].Select(parts => string.Concat(parts));

        public static readonly Gen<string> ShortText = Gen.Char['a', 'z'].Array[1, 6].Select(c => new string(c));

        public static readonly Gen<double> Double =
            Gen.Frequency(
                (4, Gen.Double.Where(double.IsFinite)),
                (1, Gen.OneOf(0.1, -0.0, 1e300, -1e300, 5e-324, 9007199254740992.0, 9007199254740993.0, 1.5, 2.0, -5.0)));

        public static readonly Gen<object?> Scalar =
            Gen.Frequency(
                (1, Gen.Const(() => (object?)null)),
                (1, Gen.Bool.Select(b => (object?)b)),
                (3, Gen.Int.Select(i => (object?)i)),
                (1, Gen.Long.Select(l => (object?)l)),
                (2, Double.Select(d => (object?)d)),
                (4, Text.Select(s => (object?)s)));

        public static readonly Gen<byte[]> Binary = Gen.Byte.Array[0, 24];

        /// <summary>A JSON tree as the reader returns it: null, bool, int/long/double, string, object?[], OrderedJsonObject.</summary>
        public static Gen<object?> Json(bool withBinary = false, int maxDepth = 4) =>
            Gen.Recursive<object?>((depth, self) =>
            {
                var leaf = withBinary ? Gen.Frequency((6, Scalar), (1, Binary.Select(b => (object?)b))) : Scalar;
                if (depth >= maxDepth) return leaf;
                return Gen.Frequency(
                    (5, leaf),
                    (1, self.Array[0, 5].Select(items => (object?)items)),
                    (1, Gen.Select(Text, self).Array[0, 5].Select(pairs => (object?)Object(pairs))));
            });

        public static OrderedJsonObject Object(IEnumerable<(string Key, object? Value)> pairs)
        {
            var result = new OrderedJsonObject();
            foreach (var (key, value) in pairs)
                if (!result.ContainsKey(key)) result.Add(key, value);
            return result;
        }

        /// <summary>A namespace as a client may name it: "/" or "/" and text without a comma.</summary>
        public static readonly Gen<string> Namespace =
            Gen.Frequency(
                (3, Gen.Const("/")),
                (1, Gen.OneOf("/admin", "/chat/room-1", "/ü")),
                (1, Text.Select(t => "/" + t.Replace(",", string.Empty))));

        public static readonly Gen<string> EventName =
            Gen.Frequency((3, ShortText), (1, Text)).Where(name => !ReservedEventNames.Contains(name));

        public static readonly Gen<long?> AckId =
            Gen.Frequency(
                (2, Gen.Const(() => (long?)null)),
                (2, Gen.Long[0, 1000].Select(i => (long?)i)),
                (1, Gen.Long[0, 999_999_999_999_999_999].Select(i => (long?)i)));

        /// <summary>The same arguments with at most <paramref name="max"/> byte[] values (later ones become null): what
        /// the encoder accepts in one packet.</summary>
        public static object?[] CapBinary(object?[] arguments, int max = SioPacketEncoder.MaxAttachments)
        {
            int left = max;
            var capped = new object?[arguments.Length];
            for (int i = 0; i < arguments.Length; i++) capped[i] = Cap(arguments[i], ref left);
            return capped;
        }

        private static object? Cap(object? value, ref int left)
        {
            switch (value)
            {
                case byte[] _:
                    return left-- > 0 ? value : null;
                case object?[] items:
                    var copy = new object?[items.Length];
                    for (int i = 0; i < items.Length; i++) copy[i] = Cap(items[i], ref left);
                    return copy;
                case OrderedJsonObject properties:
                    var result = new OrderedJsonObject();
                    foreach (var entry in properties) result.Add(entry.Key, Cap(entry.Value, ref left));
                    return result;
                default:
                    return value;
            }
        }

        /// <summary>Writes a value the way the encoder does (JSON.stringify's escaping).</summary>
        public static byte[] ToJson(object? value)
        {
            var buffer = new System.IO.MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
                new JsonValueWriter(null).Write(writer, value);
            return buffer.ToArray();
        }

        // ---- hostile inputs --------------------------------------------------------------------------------------

        /// <summary>Numbers that do not fit: beyond double, long, int, and odd forms JSON allows.</summary>
        public static readonly string[] HugeNumbers =
        {
            "1e999", "-1e999", "1E+400", "99999999999999999999999999999", "18446744073709551616", "9223372036854775808",
            "-9223372036854775809", "9223372036854775807", "2147483648", "-2147483649", "1.7976931348623157e308",
            "1.8e308", "4.9e-324", "1e-999", "-0", "0.0000000000000000000000000001", "1" + new string('0', 400),
            "0." + new string('1', 400), "-1", "10", "11", "100", "12", "-2",
        };

        /// <summary>Byte sequences that are not UTF-8, and JSON escapes that are not well-formed UTF-16.</summary>
        public static readonly byte[][] InvalidUtf8 =
        {
            new byte[] { 0xff }, new byte[] { 0xc0, 0x80 }, new byte[] { 0xc3, 0x28 }, new byte[] { 0xed, 0xa0, 0x80 },
            new byte[] { 0xf4, 0x90, 0x80, 0x80 }, new byte[] { 0x80 }, new byte[] { 0xe2, 0x82 }, new byte[] { 0xf0, 0x9f, 0x98 },
            new byte[] { 0xfe, 0xff }, new byte[] { 0 },
            Encoding.ASCII.GetBytes("\\ud800"), Encoding.ASCII.GetBytes("\\udc00x"), Encoding.ASCII.GetBytes("\\uZZZZ"),
            Encoding.ASCII.GetBytes("\"\\ud83d\""), Encoding.ASCII.GetBytes("\\"),
        };

        /// <summary>Tokens every JSON-based grammar shares.</summary>
        public static readonly string[] JsonTokens =
        {
            "[", "]", "{", "}", ",", ":", "\"", "\"\"", "\"a\"", "null", "true", "false", "0", "1", "-1", "1.5", "1e5",
            "\\", "\\\"", "\\u0000", " ", "\n", "\"_placeholder\"", "\"num\"", "{\"_placeholder\":true,\"num\":0}",
            "{\"_placeholder\":true,\"num\":1}", "{\"_placeholder\":true}", "{\"_placeholder\":true,\"num\":\"0\"}",
            "{\"_placeholder\":true,\"num\":1.5}", "{\"_placeholder\":false,\"num\":0}", "NaN", "Infinity", "undefined",
        };

        public static Gen<byte[]> Tokens(string[] grammar, int maxTokens = 24, byte[][]? rawTokens = null)
        {
            var all = grammar.Concat(JsonTokens).Concat(HugeNumbers).Select(Encoding.UTF8.GetBytes).Concat(InvalidUtf8).Concat(rawTokens ?? Array.Empty<byte[]>()).ToArray();
            return Gen.Int[0, all.Length - 1].Array[0, maxTokens].Select(indexes => indexes.SelectMany(i => all[i]).ToArray());
        }

        /// <summary>A valid input with one to four mutations; <paramref name="grammar"/> adds the format's own tokens.</summary>
        public static Gen<byte[]> Mutated(Gen<byte[]> valid, string[] grammar, byte[][]? rawTokens = null)
        {
            var tokens = grammar.Concat(JsonTokens).Select(Encoding.UTF8.GetBytes).Concat(rawTokens ?? Array.Empty<byte[]>()).ToArray();
            var mutation = Gen.Select(Gen.Int[0, 11], Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue], (kind, a, b) => new Mutation(kind, a, b));
            return Gen.Select(valid, mutation.Array[1, 4], (bytes, mutations) =>
            {
                var current = new List<byte>(bytes);
                foreach (var m in mutations) m.Apply(current, tokens);
                return current.ToArray();
            });
        }

        /// <summary>Random bytes, token soup, mutations and the valid inputs themselves, in a mix.</summary>
        public static Gen<byte[]> Input(Gen<byte[]> valid, string[] grammar, byte[][]? rawTokens = null) =>
            Gen.Frequency(
                (1, Gen.Byte.Array[0, 48]),
                (2, Tokens(grammar, rawTokens: rawTokens)),
                (6, Mutated(valid, grammar, rawTokens)),
                (2, valid));

        private readonly struct Mutation
        {
            private readonly int _kind;
            private readonly int _a;
            private readonly int _b;

            public Mutation(int kind, int a, int b)
            {
                _kind = kind;
                _a = a;
                _b = b;
            }

            public void Apply(List<byte> bytes, byte[][] tokens)
            {
                int position = _a % (bytes.Count + 1);
                switch (_kind)
                {
                    case 0: // truncate
                        bytes.RemoveRange(position, bytes.Count - position);
                        break;
                    case 1: // overwrite one byte
                        if (bytes.Count > 0) bytes[_a % bytes.Count] = (byte)_b;
                        break;
                    case 2: // insert a token of the format
                        bytes.InsertRange(position, tokens[_b % tokens.Length]);
                        break;
                    case 3: // delete a few bytes
                        bytes.RemoveRange(position, Math.Min(bytes.Count - position, 1 + _b % 8));
                        break;
                    case 4: // duplicate a slice
                        {
                            int length = Math.Min(bytes.Count - position, 1 + _b % 32);
                            bytes.InsertRange(position, bytes.GetRange(position, length));
                        }
                        break;
                    case 5: // a number that lies: the next run of digits becomes another number (counts, ids, placeholders)
                        ReplaceDigits(bytes, position, _b);
                        break;
                    case 6: // invalid UTF-8 or a broken escape
                        bytes.InsertRange(position, InvalidUtf8[_b % InvalidUtf8.Length]);
                        break;
                    case 7: // deep nesting around the rest of the input, past the readers' depth limit
                        {
                            int depth = 100 + _b % 200;
                            bool objects = (_b & 1) == 1;
                            var open = objects ? Encoding.ASCII.GetBytes("{\"a\":") : new[] { (byte)'[' };
                            var tail = bytes.GetRange(position, bytes.Count - position);
                            bytes.RemoveRange(position, bytes.Count - position);
                            for (int i = 0; i < depth; i++) bytes.AddRange(open);
                            bytes.AddRange(tail.Count > 0 ? tail : new[] { (byte)'1' });
                            if ((_b & 2) == 0) for (int i = 0; i < depth; i++) bytes.Add(objects ? (byte)'}' : (byte)']');
                        }
                        break;
                    case 8: // swap two bytes
                        if (bytes.Count > 1)
                        {
                            int other = _b % bytes.Count, here = _a % bytes.Count;
                            (bytes[here], bytes[other]) = (bytes[other], bytes[here]);
                        }
                        break;
                    case 9: // a structural character where it does not belong
                        if (bytes.Count > 0) bytes[_a % bytes.Count] = (byte)"\"[]{},:-/\\0 "[_b % 12];
                        break;
                    case 10: // a huge number inserted
                        bytes.InsertRange(position, Encoding.ASCII.GetBytes(HugeNumbers[_b % HugeNumbers.Length]));
                        break;
                    default: // a slice repeated many times (long inputs)
                        {
                            int length = Math.Min(bytes.Count - position, 1 + _b % 8);
                            var slice = bytes.GetRange(position, length);
                            for (int i = 0; i < 1 + _b % 200; i++) bytes.InsertRange(position, slice);
                        }
                        break;
                }
            }

            private static void ReplaceDigits(List<byte> bytes, int from, int choice)
            {
                int start = -1;
                for (int i = 0; i < bytes.Count; i++)
                {
                    int at = (from + i) % bytes.Count;
                    if (bytes[at] >= '0' && bytes[at] <= '9') { start = at; break; }
                }
                if (start < 0) return;
                int end = start;
                while (end < bytes.Count && bytes[end] >= '0' && bytes[end] <= '9') end++;
                bytes.RemoveRange(start, end - start);
                var replacement = choice % 3 == 0 ? HugeNumbers[choice / 3 % HugeNumbers.Length] : (choice % 23 - 3).ToString(System.Globalization.CultureInfo.InvariantCulture);
                bytes.InsertRange(start, Encoding.ASCII.GetBytes(replacement));
            }
        }

        // ---- frame sequences (Socket.IO over WebSocket) ----------------------------------------------------------

        /// <summary>Mutates a sequence of frames: bytes of one frame, or frames dropped, repeated, added or swapped.</summary>
        public static Gen<Frame[]> MutatedFrames(Gen<Frame[]> valid, string[] grammar)
        {
            var tokens = grammar.Concat(JsonTokens).Select(Encoding.UTF8.GetBytes).ToArray();
            var mutation = Gen.Select(Gen.Int[0, 5], Gen.Int[0, int.MaxValue], Mutated(Gen.Byte.Array[0, 8], grammar), Gen.Byte.Array[0, 8],
                (kind, at, junk, binary) => (Kind: kind, At: at, Junk: junk, Binary: binary));
            return Gen.Select(valid, mutation.Array[1, 3], Gen.Select(Gen.Int[0, 11], Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue]).Array[1, 3],
                (frames, structural, byteMutations) =>
                {
                    var list = frames.ToList();
                    foreach (var m in structural)
                    {
                        int at = list.Count == 0 ? 0 : m.At % list.Count;
                        switch (m.Kind)
                        {
                            case 0 when list.Count > 0: // mutate one frame's bytes
                                var data = new List<byte>(list[at].Data);
                                foreach (var (kind, a, b) in byteMutations) new Mutation(kind, a, b).Apply(data, tokens);
                                list[at] = new Frame(list[at].IsBinary, data.ToArray());
                                break;
                            case 1 when list.Count > 0: list.RemoveAt(at); break;
                            case 2 when list.Count > 0: list.Insert(at, list[at]); break;
                            case 3: list.Insert(at, new Frame(true, m.Binary)); break;
                            case 4: list.Insert(at, new Frame(false, m.Junk)); break;
                            default:
                                if (list.Count > 1) (list[0], list[at]) = (list[at], list[0]);
                                break;
                        }
                    }
                    return list.ToArray();
                });
        }
    }
}
