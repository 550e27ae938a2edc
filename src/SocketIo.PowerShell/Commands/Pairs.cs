using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;

namespace SocketIo.PowerShell.Commands
{
    /// <summary>Hashtables of headers or query parameters as string pairs.</summary>
    internal static class Pairs
    {
        public static IEnumerable<KeyValuePair<string, string>> From(IDictionary? dictionary)
        {
            if (dictionary == null) yield break;
            foreach (DictionaryEntry entry in dictionary)
            {
                var key = Convert.ToString(Unwrap(entry.Key), CultureInfo.InvariantCulture) ?? string.Empty;
                var value = Convert.ToString(Unwrap(entry.Value), CultureInfo.InvariantCulture) ?? string.Empty;
                yield return new KeyValuePair<string, string>(key, value);
            }
        }

        private static object? Unwrap(object? value) => value is PSObject wrapped ? wrapped.BaseObject : value;
    }
}
