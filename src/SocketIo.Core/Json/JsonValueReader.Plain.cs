using System;
using System.Buffers.Text;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace SocketIo.Core.Json
{
    public static partial class JsonValueReader
    {
        /// <summary>
        /// What JSON.stringify sends for ASCII text: printable ASCII only, no escapes, no whitespace but spaces. Checked
        /// first so that anything else (non-ASCII, escapes, control bytes) takes the full reader without the fast one
        /// having called the factory.
        /// </summary>
        [MethodImpl(HotPath.Optimize)]
        private static bool IsPlain(ReadOnlySpan<byte> utf8)
        {
            for (int i = 0; i < utf8.Length; i++)
            {
                byte b = utf8[i];
                if (b < 0x20 || b >= 0x80 || b == (byte)'\\') return false;
            }
            return true;
        }

        /// <summary>
        /// A strict reader for plain JSON (see <see cref="IsPlain"/>), same results as the Utf8JsonReader path, without
        /// its per-token overhead (and, in a fresh process, without its tier-0 vectorized string search). It gives up
        /// (returns false) on anything it does not expect, and the full reader then reads it again and words the error.
        /// </summary>
        private ref struct PlainReader
        {
            private const int MaxPlainDepth = 64; // deeper: the full reader, which knows the real limit
            private readonly ReadOnlySpan<byte> _json;
            private readonly IJsonValueFactory _factory;
            private readonly Scratch _scratch;
            private int _at;

            public PlainReader(ReadOnlySpan<byte> json, IJsonValueFactory factory, Scratch scratch)
            {
                _json = json;
                _factory = factory;
                _scratch = scratch;
                _at = 0;
            }

            private byte Peek => _at < _json.Length ? _json[_at] : (byte)0;

            [MethodImpl(HotPath.Optimize)]
            public bool TryTopArray(bool splitFirst, out object?[] result, out bool empty, out object? first)
            {
                result = Array.Empty<object?>();
                empty = true;
                first = null;
                SkipSpaces();
                if (Peek != (byte)'[') return false;
                _at++;
                if (!TryItems(0, cacheFirstString: true, splitFirst, out result, out empty, out first)) return false;
                SkipSpaces();
                return _at == _json.Length;
            }

            [MethodImpl(HotPath.Optimize)]
            private bool TryItems(int depth, bool cacheFirstString, bool splitFirst, out object?[] result, out bool empty, out object? first)
            {
                result = Array.Empty<object?>();
                empty = true;
                first = null;
                var items = _scratch.ItemsAt(depth);
                SkipSpaces();
                if (Peek == (byte)']') _at++;
                else
                {
                    while (true)
                    {
                        object? value;
                        if (cacheFirstString && items.Count == 0 && Peek == (byte)'"')
                        {
                            if (!TryString(isName: true, out var name)) return false;
                            value = name; // an event's name: the same few strings over and over
                        }
                        else if (!TryValue(depth, out value)) return false;
                        items.Add(value);
                        SkipSpaces();
                        byte next = Peek;
                        _at++;
                        if (next == (byte)',') { SkipSpaces(); continue; }
                        if (next == (byte)']') break;
                        return false;
                    }
                }
                empty = items.Count == 0;
                first = empty ? null : items[0];
                int skip = splitFirst && !empty ? 1 : 0;
                result = items.Count == skip ? Array.Empty<object?>() : new object?[items.Count - skip];
                items.CopyTo(skip, result, 0, result.Length);
                items.Clear();
                return true;
            }

            [MethodImpl(HotPath.Optimize)]
            private bool TryObject(int depth, out object? result)
            {
                result = null;
                var properties = _scratch.PropertiesAt(depth);
                SkipSpaces();
                if (Peek == (byte)'}') _at++;
                else
                {
                    while (true)
                    {
                        if (Peek != (byte)'"' || !TryString(isName: true, out var name)) return false;
                        SkipSpaces();
                        if (Peek != (byte)':') return false;
                        _at++;
                        SkipSpaces();
                        if (!TryValue(depth, out var value)) return false;
                        properties.Add(new KeyValuePair<string, object?>(name, value));
                        SkipSpaces();
                        byte next = Peek;
                        _at++;
                        if (next == (byte)',') { SkipSpaces(); continue; }
                        if (next == (byte)'}') break;
                        return false;
                    }
                }
                result = _factory.CreateObject(properties);
                properties.Clear();
                return true;
            }

            /// <summary>A value inside a container at <paramref name="depth"/>.</summary>
            [MethodImpl(HotPath.Optimize)]
            private bool TryValue(int depth, out object? value)
            {
                value = null;
                switch (Peek)
                {
                    case (byte)'{':
                        if (depth + 1 >= MaxPlainDepth) return false;
                        _at++;
                        return TryObject(depth + 1, out value);
                    case (byte)'[':
                        if (depth + 1 >= MaxPlainDepth) return false;
                        _at++;
                        if (!TryItems(depth + 1, cacheFirstString: false, splitFirst: false, out var items, out _, out _)) return false;
                        value = _factory.CreateArray(items);
                        return true;
                    case (byte)'"':
                        if (!TryString(isName: false, out var text)) return false;
                        value = text;
                        return true;
                    case (byte)'t': value = true; return TryLiteral("true");
                    case (byte)'f': value = false; return TryLiteral("false");
                    case (byte)'n': return TryLiteral("null");
                    default: return TryNumber(out value);
                }
            }

            private bool TryLiteral(string literal)
            {
                if (_json.Length - _at < literal.Length) return false;
                for (int i = 0; i < literal.Length; i++)
                    if (_json[_at + i] != (byte)literal[i]) return false;
                _at += literal.Length;
                return true;
            }

            [MethodImpl(HotPath.Optimize)]
            private bool TryString(bool isName, out string text)
            {
                text = string.Empty;
                int start = ++_at; // past the opening quote; plain JSON has no escapes, so the next quote closes it
                int length = _json.Slice(start).IndexOf((byte)'"');
                if (length < 0) return false;
                _at = start + length + 1;
                var bytes = _json.Slice(start, length);
                text = isName ? _scratch.GetName(bytes) : _scratch.Ascii(bytes);
                return true;
            }

            /// <summary>JSON's number grammar exactly; then Int32, Int64 or Double as <see cref="ReadNumber"/> does.</summary>
            [MethodImpl(HotPath.Optimize)]
            private bool TryNumber(out object? value)
            {
                value = null;
                int start = _at;
                if (Peek == (byte)'-') _at++;
                if (Peek == (byte)'0') _at++;
                else if (IsDigit(Peek)) SkipDigits();
                else return false;
                bool integral = true;
                if (Peek == (byte)'.')
                {
                    _at++;
                    integral = false;
                    if (!IsDigit(Peek)) return false;
                    SkipDigits();
                }
                if (Peek == (byte)'e' || Peek == (byte)'E')
                {
                    _at++;
                    integral = false;
                    if (Peek == (byte)'+' || Peek == (byte)'-') _at++;
                    if (!IsDigit(Peek)) return false;
                    SkipDigits();
                }
                var span = _json.Slice(start, _at - start);
                if (integral && span.Length <= 10)
                {
                    // Up to 9 digits and a sign always fit an Int32: no parser call for the common small integers.
                    int digitsAt = span[0] == (byte)'-' ? 1 : 0;
                    if (span.Length - digitsAt <= 9)
                    {
                        int n = 0;
                        for (int k = digitsAt; k < span.Length; k++) n = n * 10 + (span[k] - '0');
                        value = digitsAt == 1 ? -n : n;
                        return true;
                    }
                }
                if (!integral && TryShortDecimal(span, out double shortDecimal))
                {
                    value = shortDecimal;
                    return true;
                }
                if (integral)
                {
                    if (Utf8Parser.TryParse(span, out int i, out int used) && used == span.Length) { value = i; return true; }
                    if (Utf8Parser.TryParse(span, out long l, out used) && used == span.Length) { value = l; return true; }
                }
                if (Utf8Parser.TryParse(span, out double d, out int consumed) && consumed == span.Length && !double.IsInfinity(d) && !double.IsNaN(d))
                    value = d;
                else
                    value = span[0] == (byte)'-' ? double.NegativeInfinity : double.PositiveInfinity; // beyond double's range, as JSON.parse
                return true;
            }

            /// <summary>
            /// A number with a fraction, no exponent and at most 15 digits (a timestamp such as 2116451.721386): its digits
            /// as an integer and 10^(fraction digits) are both exact doubles, so one division gives the correctly rounded
            /// value (Clinger's fast path), as JSON.parse and the full parser do, at a fraction of the full parser's cost.
            /// </summary>
            [MethodImpl(HotPath.Optimize)]
            private static bool TryShortDecimal(ReadOnlySpan<byte> number, out double value)
            {
                value = 0;
                int at = number[0] == (byte)'-' ? 1 : 0;
                long digits = 0;
                int count = 0, fraction = -1;
                for (; at < number.Length; at++)
                {
                    byte b = number[at];
                    if (b == (byte)'.') { fraction = 0; continue; }
                    if (b < (byte)'0' || b > (byte)'9' || ++count > 15) return false; // an exponent, or too many digits
                    digits = digits * 10 + (b - '0');
                    if (fraction >= 0) fraction++;
                }
                if (fraction <= 0) return false;
                double magnitude = digits / PowersOfTen[fraction];
                value = number[0] == (byte)'-' ? -magnitude : magnitude;
                return true;
            }

            private static readonly double[] PowersOfTen =
            {
                1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
            };

            private void SkipDigits()
            {
                while (IsDigit(Peek)) _at++;
            }

            private void SkipSpaces()
            {
                while (_at < _json.Length && _json[_at] == (byte)' ') _at++;
            }

            private static bool IsDigit(byte b) => b >= (byte)'0' && b <= (byte)'9';
        }
    }
}
