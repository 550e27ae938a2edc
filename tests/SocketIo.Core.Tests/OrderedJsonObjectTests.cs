using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using SocketIo.Core.Json;
using Xunit;

namespace SocketIo.Core.Tests
{
    /// <summary>The core's JSON object: JSON.parse's order and duplicate rules, and the dictionary interfaces callers use.</summary>
    public class OrderedJsonObjectTests
    {
        private static OrderedJsonObject Read(string json) =>
            Assert.IsType<OrderedJsonObject>(JsonValueReader.Read(Encoding.UTF8.GetBytes(json), DefaultJsonValueFactory.Instance));

        private static string Json(object value) => Infrastructure.Wire.ToJson(value);

        // Small objects compare keys in turn, large ones use a hash index: both must behave the same.
        public static IEnumerable<object[]> Sizes() => new[] { new object[] { 3 }, new object[] { 8 }, new object[] { 9 }, new object[] { 40 } };

        private static string Keys(int count, Func<int, string> value) =>
            "{" + string.Join(",", Enumerable.Range(0, count).Select(i => $"\"k{i}\":{value(i)}")) + "}";

        [Theory]
        [MemberData(nameof(Sizes))]
        public void DuplicateKeysKeepTheFirstPositionAndTheLastValue(int count)
        {
            var json = Keys(count, i => i.ToString()).TrimEnd('}') + ",\"k0\":\"last\",\"k1\":\"again\"}";
            var value = Read(json);

            Assert.Equal(count, value.Count);
            Assert.Equal(Enumerable.Range(0, count).Select(i => "k" + i), value.Keys);
            Assert.Equal("last", value["k0"]);
            Assert.Equal("again", value["k1"]);
            Assert.Equal(count - 1, value["k" + (count - 1)]);
            Assert.Equal(JsonParseOrder(json), Json(value));
        }

        [Theory]
        [MemberData(nameof(Sizes))]
        public void LookupsAddsAndRemovesKeepOrderAndIndexInStep(int count)
        {
            var value = Read(Keys(count, i => i.ToString()));

            Assert.True(value.Remove("k1"));
            Assert.False(value.Remove("k1"));
            value["new"] = "n";
            value["k0"] = "changed";
            value.Add("added", true);
            Assert.Throws<ArgumentException>(() => value.Add("k2", 0));

            var expected = new List<string> { "k0" };
            expected.AddRange(Enumerable.Range(2, count - 2).Select(i => "k" + i));
            expected.Add("new");
            expected.Add("added");
            Assert.Equal(expected, value.Keys);
            Assert.Equal("changed", value["k0"]);
            for (int i = 2; i < count; i++) Assert.Equal(i, value["k" + i]);
            Assert.Null(value["k1"]);
            Assert.False(value.ContainsKey("k1"));
            Assert.True(value.TryGetValue("added", out var added) && (bool)added!);
            Assert.Equal(expected.Count, value.Count);
            for (int i = 0; i < value.Count; i++) Assert.Equal(expected[i], value.GetAt(i).Key);

            value.Clear();
            Assert.Empty(value);
            Assert.Null(value["k0"]);
        }

        [Fact]
        public void IsANonGenericDictionaryAsOrderedDictionaryWas()
        {
            IDictionary value = Read("{\"b\":1,\"a\":[2],\"c\":null}");

            Assert.Equal(1, value["b"]);
            Assert.Null(value["missing"]);
            Assert.Null(value[42]); // not a string: never a key
            Assert.True(value.Contains("a"));
            Assert.False(value.Contains(42));
            Assert.Equal(new object[] { "b", "a", "c" }, value.Keys.Cast<object>());
            Assert.Equal(3, value.Values.Count);
            Assert.Equal(new[] { "b", "a", "c" }, value.Cast<DictionaryEntry>().Select(e => (string)e.Key));
            var entries = new DictionaryEntry[3];
            value.CopyTo(entries, 0);
            Assert.Equal("c", entries[2].Key);
            Assert.False(value.IsReadOnly);
            Assert.False(value.IsFixedSize);

            value["d"] = 4;
            value.Remove("b");
            Assert.Equal("{\"a\":[2],\"c\":null,\"d\":4}", Json(value));
            Assert.Throws<ArgumentException>(() => value[1] = "x");
            Assert.Throws<ArgumentNullException>(() => value[null!]);
        }

        [Fact]
        public void IsAGenericAndReadOnlyDictionary()
        {
            var value = Read("{\"x\":1,\"y\":\"two\"}");
            IDictionary<string, object?> generic = value;
            IReadOnlyDictionary<string, object?> readOnly = value;

            Assert.Equal(new[] { new KeyValuePair<string, object?>("x", 1), new KeyValuePair<string, object?>("y", "two") }, generic);
            Assert.Equal(new object?[] { 1, "two" }, readOnly.Values);
            Assert.True(generic.Contains(new KeyValuePair<string, object?>("x", 1)));
            Assert.False(generic.Contains(new KeyValuePair<string, object?>("x", 2)));
            Assert.Throws<KeyNotFoundException>(() => readOnly["missing"]);
            Assert.Throws<NotSupportedException>(() => generic.Keys.Add("z"));
            var pairs = new List<string>();
            foreach (var pair in value) pairs.Add(pair.Key + "=" + pair.Value);
            Assert.Equal(new[] { "x=1", "y=two" }, pairs);
        }

        [Fact]
        public void ChangingTheObjectWhileEnumeratingItFails()
        {
            var value = Read("{\"x\":1,\"y\":2}");
            Assert.Throws<InvalidOperationException>(() => { foreach (var pair in value) value["z"] = 3; });
            Assert.Throws<InvalidOperationException>(() => { foreach (var key in value.Keys) value.Remove(key); });
        }

        /// <summary>What JSON.parse then JSON.stringify make of an object whose keys are all "kN" (no integer-like
        /// keys, so node keeps insertion order): the reader's result must print the same.</summary>
        private static string JsonParseOrder(string json)
        {
            var order = new List<string>();
            var values = new Dictionary<string, string>();
            foreach (var part in json.Trim('{', '}').Split(','))
            {
                var colon = part.IndexOf(':');
                var key = part.Substring(0, colon);
                if (!values.ContainsKey(key)) order.Add(key);
                values[key] = part.Substring(colon + 1);
            }
            return "{" + string.Join(",", order.Select(k => k + ":" + values[k])) + "}";
        }
    }
}
