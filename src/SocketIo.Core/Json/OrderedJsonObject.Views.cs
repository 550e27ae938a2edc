using System;
using System.Collections;
using System.Collections.Generic;

namespace SocketIo.Core.Json
{
    // Enumeration and the Keys/Values views. Writing to the object while enumerating it fails, as with the framework's
    // dictionaries (the version check).
    public sealed partial class OrderedJsonObject
    {
        /// <summary>Pairs in document order; also an <see cref="IDictionaryEnumerator"/>.</summary>
        public struct Enumerator : IEnumerator<KeyValuePair<string, object?>>, IDictionaryEnumerator
        {
            private readonly OrderedJsonObject _owner;
            private readonly int _version;
            private readonly bool _entries; // the non-generic enumerations yield DictionaryEntry, as OrderedDictionary's do
            private int _next;
            private KeyValuePair<string, object?> _current;

            internal Enumerator(OrderedJsonObject owner, bool dictionaryEntries = false)
            {
                _owner = owner;
                _version = owner._version;
                _entries = dictionaryEntries;
                _next = 0;
                _current = default;
            }

            public KeyValuePair<string, object?> Current => _current;

            object IEnumerator.Current => _entries ? Entry : Started()._current;

            DictionaryEntry IDictionaryEnumerator.Entry => Entry;
            object IDictionaryEnumerator.Key => Started()._current.Key;
            object? IDictionaryEnumerator.Value => Started()._current.Value;

            private DictionaryEntry Entry => new DictionaryEntry(Started()._current.Key, _current.Value);

            public bool MoveNext()
            {
                _owner.CheckVersion(_version);
                if (_next < _owner._count)
                {
                    _current = _owner._entries[_next++];
                    return true;
                }
                _next = _owner._count + 1;
                _current = default;
                return false;
            }

            public void Reset()
            {
                _owner.CheckVersion(_version);
                _next = 0;
                _current = default;
            }

            public void Dispose() { }

            private Enumerator Started()
            {
                if (_next == 0 || _next > _owner._count) throw new InvalidOperationException("The enumeration has not started or has ended.");
                return this;
            }
        }

        /// <summary>The keys, in document order.</summary>
        public sealed class KeyCollection : View<string>
        {
            internal KeyCollection(OrderedJsonObject owner) : base(owner) { }

            public override bool Contains(string item) => item != null && Owner.ContainsKey(item);

            protected override string At(int position) => Owner._entries[position].Key;
        }

        /// <summary>The values, in document order.</summary>
        public sealed class ValueCollection : View<object?>
        {
            internal ValueCollection(OrderedJsonObject owner) : base(owner) { }

            public override bool Contains(object? item)
            {
                for (int i = 0; i < Owner._count; i++)
                    if (Equals(Owner._entries[i].Value, item)) return true;
                return false;
            }

            protected override object? At(int position) => Owner._entries[position].Value;
        }

        /// <summary>A read-only live view of the keys or the values.</summary>
        public abstract class View<T> : ICollection<T>, IReadOnlyCollection<T>, ICollection
        {
            private protected View(OrderedJsonObject owner) => Owner = owner;

            private protected OrderedJsonObject Owner { get; }

            public int Count => Owner._count;

            bool ICollection<T>.IsReadOnly => true;
            bool ICollection.IsSynchronized => false;
            object ICollection.SyncRoot => Owner;

            public abstract bool Contains(T item);

            protected abstract T At(int position);

            public IEnumerator<T> GetEnumerator()
            {
                int version = Owner._version;
                for (int i = 0; i < Owner._count; i++)
                {
                    Owner.CheckVersion(version);
                    yield return At(i);
                }
                Owner.CheckVersion(version);
            }

            IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

            public void CopyTo(T[] array, int arrayIndex)
            {
                Owner.CheckCopyTarget(array, arrayIndex);
                for (int i = 0; i < Owner._count; i++) array[arrayIndex + i] = At(i);
            }

            void ICollection.CopyTo(Array array, int index)
            {
                Owner.CheckCopyTarget(array, index);
                for (int i = 0; i < Owner._count; i++) array.SetValue(At(i), index + i);
            }

            void ICollection<T>.Add(T item) => throw ReadOnly();
            void ICollection<T>.Clear() => throw ReadOnly();
            bool ICollection<T>.Remove(T item) => throw ReadOnly();

            private static NotSupportedException ReadOnly() => new NotSupportedException("The keys and values of an object are read-only views.");
        }

        private void CheckVersion(int version)
        {
            if (version != _version) throw new InvalidOperationException("The object was changed during the enumeration.");
        }
    }
}
