using System;
using System.Collections;
using System.Collections.Generic;

namespace SocketIo.Core.Json
{
    // The collection interfaces: non-generic IDictionary as OrderedDictionary offers it (DictionaryEntry items; a key
    // that is not a string is simply absent), and the generic string-keyed dictionaries.
    public sealed partial class OrderedJsonObject : IDictionary, IDictionary<string, object?>, IReadOnlyDictionary<string, object?>
    {
        /// <summary>The keys in document order (a live view).</summary>
        public KeyCollection Keys => new KeyCollection(this);

        /// <summary>The values in document order (a live view).</summary>
        public ValueCollection Values => new ValueCollection(this);

        bool IDictionary.IsFixedSize => false;
        bool IDictionary.IsReadOnly => false;
        bool ICollection<KeyValuePair<string, object?>>.IsReadOnly => false;
        bool ICollection.IsSynchronized => false;
        object ICollection.SyncRoot => this;

        ICollection IDictionary.Keys => Keys;
        ICollection IDictionary.Values => Values;
        ICollection<string> IDictionary<string, object?>.Keys => Keys;
        ICollection<object?> IDictionary<string, object?>.Values => Values;
        IEnumerable<string> IReadOnlyDictionary<string, object?>.Keys => Keys;
        IEnumerable<object?> IReadOnlyDictionary<string, object?>.Values => Values;

        // The generic dictionaries' contract: a missing key throws (the public indexer and IDictionary's return null).
        object? IDictionary<string, object?>.this[string key]
        {
            get => ValueOrThrow(key);
            set => this[key] = value;
        }

        object? IReadOnlyDictionary<string, object?>.this[string key] => ValueOrThrow(key);

        private object? ValueOrThrow(string key) =>
            TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"The key '{key}' is not in the object.");

        object? IDictionary.this[object key]
        {
            get => key is string name ? this[name] : KeyOrNull(key);
            set => this[AsKey(key)] = value;
        }

        void IDictionary.Add(object key, object? value) => Add(AsKey(key), value);
        bool IDictionary.Contains(object key) => key is string name ? ContainsKey(name) : KeyOrNull(key) != null;
        void IDictionary.Remove(object key)
        {
            if (key is string name) Remove(name);
            else KeyOrNull(key);
        }

        IDictionaryEnumerator IDictionary.GetEnumerator() => new Enumerator(this, dictionaryEntries: true);
        IEnumerator<KeyValuePair<string, object?>> IEnumerable<KeyValuePair<string, object?>>.GetEnumerator() => new Enumerator(this);
        IEnumerator IEnumerable.GetEnumerator() => new Enumerator(this, dictionaryEntries: true);

        void ICollection<KeyValuePair<string, object?>>.Add(KeyValuePair<string, object?> item) => Add(item.Key, item.Value);

        bool ICollection<KeyValuePair<string, object?>>.Contains(KeyValuePair<string, object?> item) =>
            TryGetValue(item.Key, out var value) && Equals(value, item.Value);

        bool ICollection<KeyValuePair<string, object?>>.Remove(KeyValuePair<string, object?> item) =>
            TryGetValue(item.Key, out var value) && Equals(value, item.Value) && Remove(item.Key);

        void ICollection<KeyValuePair<string, object?>>.CopyTo(KeyValuePair<string, object?>[] array, int arrayIndex)
        {
            CheckCopyTarget(array, arrayIndex);
            Array.Copy(_entries, 0, array, arrayIndex, _count);
        }

        /// <summary>As Hashtable and OrderedDictionary: DictionaryEntry items (or KeyValuePair ones into such an array).</summary>
        void ICollection.CopyTo(Array array, int index)
        {
            CheckCopyTarget(array, index);
            if (array is KeyValuePair<string, object?>[] pairs)
            {
                Array.Copy(_entries, 0, pairs, index, _count);
                return;
            }
            for (int i = 0; i < _count; i++) array.SetValue(new DictionaryEntry(_entries[i].Key, _entries[i].Value), index + i);
        }

        private void CheckCopyTarget(Array array, int index)
        {
            if (array == null) throw new ArgumentNullException(nameof(array));
            if (index < 0) throw new ArgumentOutOfRangeException(nameof(index));
            if (array.Length - index < _count) throw new ArgumentException("The array is too small.", nameof(array));
        }

        /// <summary>A null key is an error, as in every IDictionary; another key type is simply never present.</summary>
        private static object? KeyOrNull(object key) => key == null ? throw new ArgumentNullException(nameof(key)) : null;

        private static string AsKey(object key) => key switch
        {
            string name => name,
            null => throw new ArgumentNullException(nameof(key)),
            _ => throw new ArgumentException($"A JSON object's keys are strings, not {key.GetType().Name}.", nameof(key)),
        };
    }
}
