using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Linq;
using System.Text;
using SocketIo.Core.Json;
using Xunit;
using static SocketIo.Core.Tests.Infrastructure.Wire;

namespace SocketIo.Core.Tests
{
    /// <summary>JSON ↔ .NET values: the reader's number and object mapping, the writer's type rules and limits.</summary>
    public class JsonMappingTests
    {
        private static object? Read(string json) => JsonValueReader.Read(Encoding.UTF8.GetBytes(json), DefaultJsonValueFactory.Instance);

        // ---- reader ----

        [Theory]
        [InlineData("0", 0)]
        [InlineData("42", 42)]
        [InlineData("-5", -5)]
        [InlineData("2147483647", int.MaxValue)]
        [InlineData("-2147483648", int.MinValue)]
        public void SmallIntegersAreInt32(string json, int expected)
        {
            var value = Read(json);
            Assert.IsType<int>(value);
            Assert.Equal(expected, value);
        }

        [Theory]
        [InlineData("2147483648", 2147483648L)]
        [InlineData("-2147483649", -2147483649L)]
        [InlineData("9007199254740991", 9007199254740991L)]
        [InlineData("9223372036854775807", long.MaxValue)]
        public void LargeIntegersAreInt64(string json, long expected)
        {
            var value = Read(json);
            Assert.IsType<long>(value);
            Assert.Equal(expected, value);
        }

        [Theory]
        [InlineData("1.5", 1.5)]
        [InlineData("-0.25", -0.25)]
        [InlineData("1e+300", 1e300)]
        [InlineData("1E-7", 1e-7)]
        [InlineData("9223372036854775808", 9223372036854775808d)]
        public void OtherNumbersAreDouble(string json, double expected)
        {
            var value = Read(json);
            Assert.IsType<double>(value);
            Assert.Equal(expected, value);
        }

        [Fact]
        public void ScalarsMapToTheirDotNetTypes()
        {
            Assert.Equal(new object?[] { "s", true, false, null }, (object?[])Read("[\"s\",true,false,null]")!);
        }

        [Fact]
        public void ObjectsKeepPropertyOrderAndNest()
        {
            var value = Assert.IsType<OrderedJsonObject>(Read("{\"z\":1,\"a\":{\"b\":[1,{\"c\":null}]},\"m\":[]}"));

            Assert.Equal(new[] { "z", "a", "m" }, value.Keys.Cast<string>());
            var a = Assert.IsType<OrderedJsonObject>(value["a"]);
            var b = Assert.IsType<object?[]>(a["b"]);
            Assert.Equal(1, b[0]);
            Assert.True(Assert.IsType<OrderedJsonObject>(b[1]).ContainsKey("c"));
            Assert.Empty(Assert.IsType<object?[]>(value["m"]));
        }

        [Fact]
        public void DuplicateKeysKeepTheLastValueLikeJsonParse()
        {
            var value = Assert.IsType<OrderedJsonObject>(Read("{\"a\":1,\"a\":2}"));
            Assert.Equal(2, value["a"]);
            Assert.Single(value);
        }

        [Theory]
        [InlineData("\"café €\"")]                  // raw UTF-8 (node)
        [InlineData("\"caf\\u00e9 \\u20ac\"")]      // escaped (python)
        public void UnicodeTextIsIntact(string json)
        {
            Assert.Equal("café €", Read(json));
        }

        [Fact]
        public void SurrogatePairsAndEscapesDecode()
        {
            Assert.Equal("😀\n\"\\/", Read("\"\\ud83d\\ude00\\n\\\"\\\\\\/\""));
            Assert.Equal("😀", Read("\"😀\""));
        }

        [Theory]
        [InlineData("")]
        [InlineData("{")]
        [InlineData("[1,]")]
        [InlineData("1 2")]
        [InlineData("NaN")]
        [InlineData("'a'")]
        public void InvalidJsonIsAProtocolError(string json)
        {
            Assert.Throws<SocketIoProtocolException>(() => Read(json));
        }

        [Fact]
        public void IncomingDepthIsBounded()
        {
            var tooDeep = new string('[', 200) + new string(']', 200);
            Assert.Throws<SocketIoProtocolException>(() => Read(tooDeep));
        }

        // ---- writer ----

        [Fact]
        public void NumbersAndScalarsAreWrittenLikeJsonStringify()
        {
            Assert.Equal("[1,-2,9007199254740991,1.5,1E+300,true,false,null,\"s\",\"c\",3,4,5]",
                ToJson(new object?[] { 1, -2L, 9007199254740991L, 1.5, 1e300, true, false, null, "s", 'c', (byte)3, (short)4, 5m })
);
        }

        [Theory]
        [InlineData(double.NaN)]
        [InlineData(double.PositiveInfinity)]
        [InlineData(double.NegativeInfinity)]
        public void NonFiniteNumbersBecomeNull(double value)
        {
            Assert.Equal("[null,null]", ToJson(new object?[] { value, (float)value }));
        }

        [Fact]
        public void DatesAreIso8601RoundTrip()
        {
            var utc = new DateTime(2024, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc);
            var offset = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.FromHours(2));

            Assert.Equal("[\"2024-01-02T03:04:05.6780000Z\",\"2024-01-02T03:04:05.0000000+02:00\"]", ToJson(new object[] { utc, offset }));
        }

        [Fact]
        public void EnumsAreWrittenByName()
        {
            Assert.Equal("[\"Connected\",\"Friday\"]", ToJson(new object[] { ConnectionState.Connected, DayOfWeek.Friday }));
        }

        [Fact]
        public void DictionariesBecomeObjectsInTheirOwnOrder()
        {
            var ordered = Obj(("b", 1), ("a", 2), ("c", 3));
            var generic = new Dictionary<string, object?> { ["y"] = "1", ["x"] = null };
            var sorted = new SortedList { ["k2"] = 2, ["k1"] = 1 };

            Assert.Equal("[{\"b\":1,\"a\":2,\"c\":3},{\"y\":\"1\",\"x\":null},{\"k1\":1,\"k2\":2}]", ToJson(new object[] { ordered, generic, sorted }));
        }

        [Fact]
        public void NonStringKeysAreWrittenInvariant()
        {
            var previous = System.Globalization.CultureInfo.CurrentCulture;
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
            try
            {
                Assert.Equal("{\"1\":true,\"2.5\":false}", ToJson(new OrderedDictionary { { 1, true }, { 2.5, false } }));
            }
            finally
            {
                System.Globalization.CultureInfo.CurrentCulture = previous;
            }
        }

        [Fact]
        public void EnumerablesBecomeArrays()
        {
            Assert.Equal("[[1,2],[\"a\"],[3,4],[]]",
                ToJson(new object[] { new List<int> { 1, 2 }, new HashSet<string> { "a" }, Enumerable.Range(3, 2), new int[0] }));
        }

        [Fact]
        public void ByteArraysBecomePlaceholdersCollectedInOrder()
        {
            byte[] first = { 1 }, second = { 2 };
            var writer = new JsonValueWriter(null);

            var json = Write(writer, new object[] { first, Obj(("k", second)) });

            Assert.Equal("[{\"_placeholder\":true,\"num\":0},{\"k\":{\"_placeholder\":true,\"num\":1}}]", json);
            Assert.Equal(2, writer.Attachments.Count);
            Assert.Same(first, writer.Attachments[0]);
            Assert.Same(second, writer.Attachments[1]);
        }

        [Fact]
        public void CyclesAreRefused()
        {
            var list = new List<object?> { 1 };
            list.Add(list);
            var dictionary = new Hashtable();
            dictionary["self"] = new object[] { dictionary };

            Assert.Throws<SocketIoSerializationException>(() => ToJson(list));
            Assert.Throws<SocketIoSerializationException>(() => ToJson(dictionary));
        }

        [Fact]
        public void SharedButAcyclicValuesAreFine()
        {
            var shared = new object[] { 1 };
            Assert.Equal("[[1],[1]]", ToJson(new object[] { shared, shared }));
        }

        [Fact]
        public void SixtyFourLevelsWorkAndSixtyFiveFail()
        {
            Assert.Equal(new string('[', 64) + new string(']', 64), ToJson(Nest(64)));
            var e = Assert.Throws<SocketIoSerializationException>(() => ToJson(Nest(65)));
            Assert.Contains("64", e.Message);
        }

        [Fact]
        public void UnknownTypesAreRefused()
        {
            var e = Assert.Throws<SocketIoSerializationException>(() => ToJson(new object[] { new object() }));
            Assert.Contains("System.Object", e.Message);
        }

        [Fact]
        public void AnAdapterConvertsTheCallersOwnTypes()
        {
            var writer = new JsonValueWriter(new PointAdapter());

            Assert.Equal("[{\"x\":1,\"y\":2}]", Write(writer, new object[] { new Point(1, 2) }));
        }

        [Fact]
        public void AnAdapterThatNeverSettlesIsRefusedNotAStackOverflow()
        {
            var writer = new JsonValueWriter(new EndlessAdapter());

            Assert.Throws<SocketIoSerializationException>(() => Write(writer, new Point(0, 0)));
        }

        [Fact]
        public void AnAdapterReturningTheSameValueFallsBackToUnknownType()
        {
            var writer = new JsonValueWriter(new IdentityAdapter());

            var e = Assert.Throws<SocketIoSerializationException>(() => Write(writer, new Point(0, 0)));
            Assert.Contains(nameof(Point), e.Message);
        }

        [Fact]
        public void KnownTypesNeverReachTheAdapter()
        {
            var adapter = new CountingAdapter();

            Write(new JsonValueWriter(adapter), new object?[] { 1, "s", Obj(("k", new[] { 1.5 })), new byte[] { 1 }, DateTime.UnixEpoch });

            Assert.Equal(0, adapter.Calls);
        }

        [Fact]
        public void WrittenJsonReadsBackToEqualValues()
        {
            var value = Obj(("i", 1), ("l", 5000000000L), ("d", 0.1), ("s", "é€😀"), ("a", new object?[] { null, true }), ("o", Obj(("k", "v"))));

            var back = Read(ToJson(value));

            Assert.Equal(ToJson(value), ToJson(back));
            var o = Assert.IsType<OrderedJsonObject>(back);
            Assert.IsType<long>(o["l"]);
            Assert.Equal(0.1, o["d"]);
        }

        private static object Nest(int levels)
        {
            object value = new object[0];
            for (int i = 1; i < levels; i++) value = new object[] { value };
            return value;
        }

        private static string Write(JsonValueWriter writer, object? value)
        {
            using var stream = new System.IO.MemoryStream();
            using (var json = new System.Text.Json.Utf8JsonWriter(stream)) writer.Write(json, value);
            return Encoding.UTF8.GetString(stream.ToArray());
        }

        private sealed record Point(int X, int Y);

        private sealed class EndlessAdapter : IOutgoingValueAdapter
        {
            public bool TryAdapt(object value, out object? adapted)
            {
                adapted = value is Point p ? new Point(p.X + 1, p.Y) : null;
                return value is Point;
            }
        }

        private sealed class IdentityAdapter : IOutgoingValueAdapter
        {
            public bool TryAdapt(object value, out object? adapted)
            {
                adapted = value;
                return true;
            }
        }

        private sealed class CountingAdapter : IOutgoingValueAdapter
        {
            public int Calls { get; private set; }

            public bool TryAdapt(object value, out object? adapted)
            {
                Calls++;
                adapted = null;
                return false;
            }
        }

        private sealed class PointAdapter : IOutgoingValueAdapter
        {
            public bool TryAdapt(object value, out object? adapted)
            {
                adapted = value is Point p ? Obj(("x", p.X), ("y", p.Y)) : null;
                return value is Point;
            }
        }
    }
}
