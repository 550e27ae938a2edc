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
