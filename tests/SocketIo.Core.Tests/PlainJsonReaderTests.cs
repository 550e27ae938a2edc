using System;
using System.Collections.Specialized;
using System.Linq;
using System.Text;
using SocketIo.Core.Json;
using Xunit;

namespace SocketIo.Core.Tests
{
    /// <summary>
    /// The fast reader for plain arrays (what JSON.stringify sends for ASCII text) against the full Utf8JsonReader path:
    /// same values, same types, same refusals. <see cref="JsonValueReader.Read"/> always takes the full path.
    /// </summary>
    public class PlainJsonReaderTests
    {
        private static byte[] Bytes(string json) => Encoding.UTF8.GetBytes(json);

        private static object?[] Fast(string json) => JsonValueReader.ReadArray(Bytes(json), DefaultJsonValueFactory.Instance);

        private static object? Full(string json) => JsonValueReader.Read(Bytes(json), DefaultJsonValueFactory.Instance);

        [Theory]
        [InlineData("[\"e\",{\"i\":1,\"t\":1732547123.456789,\"p\":\"xxxx\"}]")]
        [InlineData("[0,-0,1,-1,2147483647,-2147483648,2147483648,-2147483649,9223372036854775807,-9223372036854775808]")]
        [InlineData("[9223372036854775808,-9223372036854775809,1e999,-1e999,1.5e-3,1E+2,1e2,0.0,-0.5,123.456e-7,5e-324]")]
        [InlineData("[true,false,null,\"\",[],{},[[]],{\"a\":{}}]")]
        [InlineData("[ 1 , { \"a\" : [ ] , \"b\" : \"c\" } , [ 2 , 3 ] ]  ")]
        [InlineData("  []")]
        [InlineData("[{\"a\":1,\"a\":2,\"b\":[1,{\"a\":null}]}]")]
        [InlineData("[\"\u007f~ !#$%&'()*+,-./:;<=>?@[]^_`{|}\"]")]
        [InlineData("[{\"a-very-long-property-name-that-is-over-sixty-four-bytes-long-so-not-cached\":1}]")]
        [InlineData("[\"\\u0041\\n\",\"é\",{\"ü\":1}]")] // not plain: the full reader
        public void ReadsWhatTheFullReaderReads(string json)
        {
            var fast = Fast(json);
            var full = Assert.IsType<object?[]>(Full(json));
            AssertSame(full, fast);
        }

        [Fact]
        public void DecimalsReadAsTheFullParserReadsThem()
        {
            // Short decimals take a fast path (digits / 10^n); it must give the same double, bit for bit, as the full
            // parser for every digit count and point position around its 15-digit limit, signs and zeros included.
            var random = new Random(20261207);
            var texts = new System.Collections.Generic.List<string> { "0.0", "-0.0", "0.1", "-0.000", "999999999999999.9", "0.000000000000001" };
            for (int n = 0; n < 20000; n++)
            {
                int digits = random.Next(2, 19);
                var text = new StringBuilder();
                if (random.Next(4) == 0) text.Append('-');
                int point = random.Next(1, digits);
                for (int d = 0; d < digits; d++)
                {
                    if (d == point) text.Append('.');
                    text.Append(d == 0 && point > 1 ? (char)('1' + random.Next(9)) : (char)('0' + random.Next(10)));
                }
                texts.Add(text.ToString());
            }
            foreach (var text in texts)
            {
                var fast = Assert.IsType<double>(Assert.Single(Fast("[" + text + "]")));
                var full = Assert.IsType<double>(Assert.Single(Assert.IsType<object?[]>(Full("[" + text + "]"))));
                Assert.True(BitConverter.DoubleToInt64Bits(full) == BitConverter.DoubleToInt64Bits(fast), $"{text}: {fast:R} vs {full:R}");
                Assert.Equal(double.Parse(text, System.Globalization.CultureInfo.InvariantCulture), fast);
            }
        }

        [Fact]
        public void DeepNestingFallsBackAndKeepsTheLimit()
        {
            string ok = new string('[', 100) + new string(']', 100);
            AssertSame(Assert.IsType<object?[]>(Full(ok)), Fast(ok));
            string tooDeep = new string('[', 200) + new string(']', 200);
            Assert.Throws<SocketIoProtocolException>(() => Fast(tooDeep));
        }

        [Theory]
        [InlineData("[1,]")]
        [InlineData("[,1]")]
        [InlineData("[01]")]
        [InlineData("[-01]")]
        [InlineData("[1.]")]
        [InlineData("[.5]")]
        [InlineData("[2.e3]")]
        [InlineData("[-]")]
        [InlineData("[1e]")]
        [InlineData("[1e+]")]
        [InlineData("[+1]")]
        [InlineData("[tru]")]
        [InlineData("[nul]")]
        [InlineData("[truex]")]
        [InlineData("[\"a]")]
        [InlineData("[1]x")]
        [InlineData("[1]]")]
        [InlineData("[1 2]")]
        [InlineData("[\"a\" \"b\"]")]
        [InlineData("[{\"a\" 1}]")]
        [InlineData("[{a:1}]")]
        [InlineData("[{\"a\":1,}]")]
        [InlineData("[{\"a\":1]")]
        [InlineData("[NaN]")]
        [InlineData("[Infinity]")]
        [InlineData("[")]
        [InlineData("")]
        [InlineData("['a']")]
        public void RefusesWhatTheFullReaderRefuses(string json)
        {
            Assert.Throws<SocketIoProtocolException>(() => Full(json));
            Assert.Throws<SocketIoProtocolException>(() => Fast(json));
        }

        [Theory]
        [InlineData("{\"a\":1}")]
        [InlineData("\"a\"")]
        [InlineData("1")]
        public void AnythingButAnArrayIsRefused(string json)
        {
            Assert.Throws<SocketIoProtocolException>(() => Fast(json));
        }

        [Fact]
        public void AFailedFastReadLeavesNothingBehind()
        {
            Assert.Throws<SocketIoProtocolException>(() => Fast("[{\"a\":[1,2,{\"b\":3}],\"c\":"));
            AssertSame(new object?[] { 1, 2 }, Fast("[1,2]"));
            var again = Assert.IsType<OrderedJsonObject>(Fast("[{\"x\":1}]")[0]);
            Assert.Equal(new object[] { "x" }, again.Keys.Cast<object>().ToArray());
        }

        [Fact]
        public void EventNamesAreSharedInstances()
        {
            var a = JsonValueReader.ReadEvent(Bytes("[\"tick\",1]"), DefaultJsonValueFactory.Instance, null, out bool emptyA, out var firstA);
            var b = JsonValueReader.ReadEvent(Bytes("[\"tick\",2]"), DefaultJsonValueFactory.Instance, null, out _, out var firstB);
            Assert.False(emptyA);
            Assert.Equal("tick", firstA);
            Assert.Same(firstA, firstB);
            Assert.Equal(new object?[] { 1 }, a);
            Assert.Equal(new object?[] { 2 }, b);
        }

        private static void AssertSame(object? expected, object? actual)
        {
            switch (expected)
            {
                case null:
                    Assert.Null(actual);
                    break;
                case object?[] items:
                    var actualItems = Assert.IsType<object?[]>(actual);
                    Assert.Equal(items.Length, actualItems.Length);
                    for (int i = 0; i < items.Length; i++) AssertSame(items[i], actualItems[i]);
                    break;
                case OrderedJsonObject map:
                    var actualMap = Assert.IsType<OrderedJsonObject>(actual);
                    Assert.Equal(map.Keys.Cast<object>().ToArray(), actualMap.Keys.Cast<object>().ToArray());
                    for (int i = 0; i < map.Count; i++) AssertSame(map.GetAt(i).Value, actualMap.GetAt(i).Value);
                    break;
                default:
                    Assert.IsType(expected.GetType(), actual);
                    Assert.Equal(expected, actual);
                    break;
            }
        }
    }
}
