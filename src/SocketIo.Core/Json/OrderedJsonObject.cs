using System;
using System.Collections;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace SocketIo.Core.Json
{
    /// <summary>
    /// A JSON object as the core reads it: string keys in document order, with JSON.parse's rules (a duplicate key's
    /// last value wins and keeps the key's first position). One object and one array of pairs: a received event's
    /// object costs a fraction of an <c>OrderedDictionary</c> (its Hashtable, ArrayList and boxed entries), and a few
    /// keys are found faster by comparing them in turn than by hashing. Larger objects get a hash index. It is an
    /// <see cref="IDictionary"/> (what the JSON writer and PowerShell know) and an
    /// <see cref="IDictionary{TKey,TValue}"/> / <see cref="IReadOnlyDictionary{TKey,TValue}"/>; keys compare ordinally.
    /// Not thread-safe for writes, like the framework's collections.
    /// </summary>
    public sealed partial class OrderedJsonObject
    {
        // Up to this many keys a lookup compares keys in turn; above, a hash index (made when first needed).
        private const int LinearLookupMax = 8;

        private KeyValuePair<string, object?>[] _entries;
        private int _count;
        private int _version; // changed by every write: enumerators notice a change under them, as the framework's do
        private Dictionary<string, int>? _index; // key → position, only above LinearLookupMax; null when stale

        public OrderedJsonObject() => _entries = Array.Empty<KeyValuePair<string, object?>>();

        public OrderedJsonObject(int capacity)
        {
            if (capacity < 0) throw new ArgumentOutOfRangeException(nameof(capacity));
            _entries = capacity == 0 ? Array.Empty<KeyValuePair<string, object?>>() : new KeyValuePair<string, object?>[capacity];
        }

        /// <summary>From properties in document order; a repeated key keeps its first position and takes its last value.</summary>
        [MethodImpl(HotPath.Optimize)]
        public OrderedJsonObject(IReadOnlyList<KeyValuePair<string, object?>> properties) : this(properties.Count)
        {
            int count = properties.Count;
            if (count <= LinearLookupMax)
            {
                for (int i = 0; i < count; i++)
                {
                    var property = properties[i];
                    if (property.Key == null) throw new ArgumentNullException(nameof(properties), "A JSON object's key cannot be null.");
                    int at = LinearFind(property.Key);
                    if (at < 0) _entries[_count++] = property;
                    else _entries[at] = property;
                }
                return;
            }
            for (int i = 0; i < count; i++) this[properties[i].Key] = properties[i].Value;
        }

        public int Count => _count;

        /// <summary>The value of <paramref name="key"/>; null when there is none (as <c>OrderedDictionary</c> and Hashtable
        /// do). Setting a new key appends it; setting an existing one keeps its position.</summary>
        public object? this[string key]
        {
            get => TryGetValue(key, out var value) ? value : null;
            set
            {
                int at = Find(key ?? throw new ArgumentNullException(nameof(key)));
                if (at >= 0) _entries[at] = new KeyValuePair<string, object?>(key, value);
                else Append(key, value);
                _version++;
            }
        }

        /// <summary>The key and value at <paramref name="position"/> (document order).</summary>
        public KeyValuePair<string, object?> GetAt(int position)
        {
            if ((uint)position >= (uint)_count) throw new ArgumentOutOfRangeException(nameof(position));
            return _entries[position];
        }

        public void Add(string key, object? value)
        {
            if (Find(key ?? throw new ArgumentNullException(nameof(key))) >= 0)
                throw new ArgumentException($"The key '{key}' is already in the object.", nameof(key));
            Append(key, value);
            _version++;
        }

        public bool ContainsKey(string key) => Find(key ?? throw new ArgumentNullException(nameof(key))) >= 0;

        [MethodImpl(HotPath.Optimize)]
        public bool TryGetValue(string key, out object? value)
        {
            int at = Find(key ?? throw new ArgumentNullException(nameof(key)));
            if (at < 0)
            {
                value = null;
                return false;
            }
            value = _entries[at].Value;
            return true;
        }

        /// <summary>Removes a key; the keys after it move up one place (their order stays).</summary>
        public bool Remove(string key)
        {
            int at = Find(key ?? throw new ArgumentNullException(nameof(key)));
            if (at < 0) return false;
            _count--;
            Array.Copy(_entries, at + 1, _entries, at, _count - at);
            _entries[_count] = default;
            _index = null; // positions after it moved; made again when next needed
            _version++;
            return true;
        }

        public void Clear()
        {
            Array.Clear(_entries, 0, _count);
            _count = 0;
            _index = null;
            _version++;
        }

        public Enumerator GetEnumerator() => new Enumerator(this);

        [MethodImpl(HotPath.Optimize)]
        private int Find(string key)
        {
            if (_count <= LinearLookupMax) return LinearFind(key);
            var index = _index ??= BuildIndex();
            return index.TryGetValue(key, out int at) ? at : -1;
        }

        [MethodImpl(HotPath.Optimize)]
        private int LinearFind(string key)
        {
            var entries = _entries;
            for (int i = 0; i < _count; i++)
            {
                // The reader hands out one string instance per name, and callers often pass the same literal: a
                // reference check first saves most comparisons.
                var candidate = entries[i].Key;
                if (ReferenceEquals(candidate, key) || string.Equals(candidate, key, StringComparison.Ordinal)) return i;
            }
            return -1;
        }

        private Dictionary<string, int> BuildIndex()
        {
            var index = new Dictionary<string, int>(_count, StringComparer.Ordinal);
            for (int i = 0; i < _count; i++) index[_entries[i].Key] = i;
            return index;
        }

        private void Append(string key, object? value)
        {
            if (_count == _entries.Length)
            {
                var larger = new KeyValuePair<string, object?>[Math.Max(4, _entries.Length * 2)];
                Array.Copy(_entries, larger, _count);
                _entries = larger;
            }
            _entries[_count] = new KeyValuePair<string, object?>(key, value);
            if (_index != null) _index[key] = _count;
            _count++;
        }
    }
}
