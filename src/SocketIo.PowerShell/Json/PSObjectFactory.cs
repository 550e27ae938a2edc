using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Management.Automation;
using SocketIo.Core.Json;

namespace SocketIo.PowerShell.Json
{
    /// <summary>
    /// Incoming JSON as ConvertFrom-Json shapes it: objects are PSCustomObjects (property order kept), arrays object[].
    /// PowerShell property names cannot be empty and are case-insensitive, so an object with an empty key or keys
    /// differing only in case becomes an ordered dictionary instead: nothing is lost.
    /// </summary>
    internal sealed class PSObjectFactory : IJsonValueFactory
    {
        public static readonly PSObjectFactory Instance = new PSObjectFactory();

        public object CreateObject(IReadOnlyList<KeyValuePair<string, object?>> properties)
        {
            // The usual object: non-empty names, no two equal ignoring case. Checked here on the strings, because
            // PSObject.Properties[name] goes through the adapters and the member collection's lock (costly per event).
            if (HasPlainNames(properties))
            {
                var plain = new PSObject();
                var members = plain.Properties;
                for (int i = 0; i < properties.Count; i++)
                    members.Add(new PSNoteProperty(properties[i].Key, properties[i].Value), preValidated: true);
                return plain;
            }
            return CreateChecked(properties);
        }

        private static bool HasPlainNames(IReadOnlyList<KeyValuePair<string, object?>> properties)
        {
            int count = properties.Count;
            if (count > 16)
            {
                var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                for (int i = 0; i < count; i++)
                {
                    var key = properties[i].Key;
                    if (MayBeSpecial(key) || !seen.Add(key)) return false;
                }
                return true;
            }
            for (int i = 0; i < count; i++)
            {
                var key = properties[i].Key;
                if (MayBeSpecial(key)) return false;
                for (int j = 0; j < i; j++)
                    if (string.Equals(properties[j].Key, key, StringComparison.OrdinalIgnoreCase)) return false;
            }
            return true;
        }

        // Empty, or possibly one of PowerShell's reserved member names (psobject, psbase, pstypenames, ...): those take
        // the checked path, which behaves as before.
        private static bool MayBeSpecial(string key) =>
            key.Length == 0 || (key.Length >= 6 && (key[0] | 0x20) == 'p' && (key[1] | 0x20) == 's');

        /// <summary>Names that are empty or repeat (exactly: the last value wins; only in case: a dictionary).</summary>
        private static object CreateChecked(IReadOnlyList<KeyValuePair<string, object?>> properties)
        {
            var result = new PSObject();
            foreach (var property in properties)
            {
                if (property.Key.Length == 0) return CreateDictionary(properties);
                var existing = result.Properties[property.Key];
                if (existing == null) result.Properties.Add(new PSNoteProperty(property.Key, property.Value));
                else if (string.Equals(existing.Name, property.Key, StringComparison.Ordinal)) existing.Value = property.Value; // JSON.parse: last wins
                else return CreateDictionary(properties);
            }
            return result;
        }

        public object CreateArray(object?[] items) => items;

        private static OrderedDictionary CreateDictionary(IReadOnlyList<KeyValuePair<string, object?>> properties)
        {
            var dictionary = new OrderedDictionary(StringComparer.Ordinal);
            foreach (var property in properties) dictionary[property.Key] = property.Value;
            return dictionary;
        }
    }
}
