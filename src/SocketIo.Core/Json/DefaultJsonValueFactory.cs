using System;
using System.Runtime.CompilerServices;
using System.Collections.Generic;
using System.Collections.Specialized;

namespace SocketIo.Core.Json
{
    /// <summary>Objects become <see cref="OrderedDictionary"/> (order kept, writable back as JSON), arrays object[].</summary>
    public sealed class DefaultJsonValueFactory : IJsonValueFactory
    {
        public static readonly DefaultJsonValueFactory Instance = new DefaultJsonValueFactory();

        // Pairwise comparison is cheaper than a second hash lookup per key up to here (names are mostly the same instances).
        private const int MaxPairwiseCheck = 16;

        [MethodImpl(HotPath.Optimize)]
        public object CreateObject(IReadOnlyList<KeyValuePair<string, object?>> properties)
        {
            // The readers pass a List: indexed directly, not through the interface (one call per property saved).
            if (properties is List<KeyValuePair<string, object?>> list) return CreateObject(list);
            var result = new OrderedDictionary(properties.Count);
            if (properties.Count <= MaxPairwiseCheck && !HasDuplicateKeys(properties))
            {
                // Add hashes each key once; the indexer looks it up first and then adds it.
                for (int i = 0; i < properties.Count; i++) result.Add(properties[i].Key, properties[i].Value);
                return result;
            }
            foreach (var property in properties) result[property.Key] = property.Value; // duplicate keys: last one wins, as in JSON.parse
            return result;
        }

        public object CreateArray(object?[] items) => items;

        [MethodImpl(HotPath.Optimize)]
        private static object CreateObject(List<KeyValuePair<string, object?>> properties)
        {
            var result = new OrderedDictionary(properties.Count);
            if (properties.Count <= MaxPairwiseCheck && !HasDuplicateKeys(properties))
            {
                for (int i = 0; i < properties.Count; i++) result.Add(properties[i].Key, properties[i].Value);
                return result;
            }
            foreach (var property in properties) result[property.Key] = property.Value;
            return result;
        }

        [MethodImpl(HotPath.Optimize)]
        private static bool HasDuplicateKeys(List<KeyValuePair<string, object?>> properties)
        {
            for (int i = 1; i < properties.Count; i++)
            {
                var key = properties[i].Key;
                for (int j = 0; j < i; j++)
                    if (string.Equals(key, properties[j].Key, StringComparison.Ordinal)) return true;
            }
            return false;
        }

        [MethodImpl(HotPath.Optimize)]
        private static bool HasDuplicateKeys(IReadOnlyList<KeyValuePair<string, object?>> properties)
        {
            for (int i = 1; i < properties.Count; i++)
            {
                var key = properties[i].Key;
                for (int j = 0; j < i; j++)
                    if (string.Equals(key, properties[j].Key, StringComparison.Ordinal)) return true;
            }
            return false;
        }
    }
}
