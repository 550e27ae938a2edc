using System;
using System.Collections;
using System.Globalization;
using System.Management.Automation;

namespace SocketIo.PowerShell.OctoPrint
{
    /// <summary>Reads nested values out of payloads built by PSObjectFactory (PSCustomObjects, ordered dictionaries).</summary>
    internal static class PSValue
    {
        public static object? Get(object? value, params string[] path)
        {
            foreach (var name in path)
            {
                switch (value)
                {
                    case PSObject wrapped when wrapped.BaseObject is PSCustomObject:
                        value = wrapped.Properties[name]?.Value;
                        break;
                    case IDictionary dictionary:
                        value = dictionary.Contains(name) ? dictionary[name] : null;
                        break;
                    default:
                        return null;
                }
            }
            return value is PSObject other && !(other.BaseObject is PSCustomObject) ? other.BaseObject : value;
        }

        /// <summary>The property names of an object payload, in order.</summary>
        public static System.Collections.Generic.IEnumerable<string> Names(object? value)
        {
            switch (value)
            {
                case PSObject wrapped when wrapped.BaseObject is PSCustomObject:
                    foreach (var property in wrapped.Properties) yield return property.Name;
                    break;
                case IDictionary dictionary:
                    foreach (var key in dictionary.Keys) if (key is string name) yield return name;
                    break;
            }
        }

        public static string? String(object? value, params string[] path) => Get(value, path) as string;

        public static double? Number(object? value, params string[] path) => Get(value, path) switch
        {
            int i => i,
            long l => l,
            double d => d,
            _ => null,
        };

        public static bool Flag(object? value, params string[] path) => Get(value, path) is true;

        public static TimeSpan? Seconds(object? value, params string[] path) =>
            Number(value, path) is double seconds && seconds >= 0 && seconds < TimeSpan.MaxValue.TotalSeconds ? TimeSpan.FromSeconds(Math.Round(seconds)) : (TimeSpan?)null;

        public static string Format(double? value) => value?.ToString("0.0", CultureInfo.InvariantCulture) ?? string.Empty;
    }
}
