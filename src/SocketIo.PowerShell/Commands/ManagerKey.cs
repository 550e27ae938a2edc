using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Runtime.CompilerServices;
using System.Security;
using System.Text;

namespace SocketIo.PowerShell.Commands
{
    /// <summary>
    /// Which Connect-SocketIo calls may share a manager (one Engine.IO session). socket.io-client keys its cache on
    /// scheme://host:port + path only and silently ignores the options of later calls; here the manager-level options
    /// a call binds (headers, query, transport, TLS, reconnection...) are part of the key too, so a connection never
    /// ends up on a session opened with other headers or settings than the ones its command line asked for.
    /// Parameters that concern only the namespace (auth, name, buffer, timeouts of the namespace) are not.
    /// </summary>
    internal static class ManagerKey
    {
        private static readonly HashSet<string> NamespaceLevel = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "Uri", "Namespace", "Auth", "Name", "ReceiveBufferSize", "RetryConnect", "ConnectionTimeoutSeconds",
            "AllowUnencryptedAuthentication", "ForceNew", "AckTimeoutSec", "Retries", "Path",
        };

        public static string Discriminator(InvocationInfo invocation, IEnumerable<KeyValuePair<string, string>> uriQuery)
        {
            var text = new StringBuilder();
            foreach (var pair in uriQuery) text.Append("?").Append(pair.Key).Append('=').Append(pair.Value).Append('\n');
            foreach (var entry in invocation.BoundParameters.OrderBy(e => e.Key, StringComparer.OrdinalIgnoreCase))
            {
                if (NamespaceLevel.Contains(entry.Key) || Cmdlet.CommonParameters.Contains(entry.Key) || Cmdlet.OptionalCommonParameters.Contains(entry.Key))
                    continue;
                text.Append(entry.Key).Append('=');
                Describe(text, entry.Value, 0);
                text.Append('\n');
            }
            return text.ToString();
        }

        private static void Describe(StringBuilder text, object? value, int depth)
        {
            if (value is PSObject wrapped) value = wrapped.BaseObject;
            switch (value)
            {
                case null:
                    text.Append("null");
                    return;
                case string s:
                    text.Append('"').Append(s).Append('"');
                    return;
                case SwitchParameter sw:
                    text.Append(sw.IsPresent);
                    return;
                case SecureString _:
                case PSCredential _:
                    // Never written out: the same object shares, another one does not.
                    text.Append("ref:").Append(RuntimeHelpers.GetHashCode(value));
                    return;
            }
            if (depth > 8)
            {
                text.Append("...");
                return;
            }
            switch (value)
            {
                case IDictionary dictionary:
                    var entries = new List<KeyValuePair<string, object?>>();
                    foreach (DictionaryEntry entry in dictionary)
                        entries.Add(new KeyValuePair<string, object?>(Convert.ToString(entry.Key is PSObject k ? k.BaseObject : entry.Key, CultureInfo.InvariantCulture) ?? string.Empty, entry.Value));
                    text.Append('{');
                    foreach (var entry in entries.OrderBy(e => e.Key, StringComparer.Ordinal))
                    {
                        text.Append(entry.Key).Append(':');
                        Describe(text, entry.Value, depth + 1);
                        text.Append(',');
                    }
                    text.Append('}');
                    return;
                case IEnumerable items:
                    text.Append('[');
                    foreach (var item in items)
                    {
                        Describe(text, item, depth + 1);
                        text.Append(',');
                    }
                    text.Append(']');
                    return;
                case IFormattable formattable:
                    text.Append(formattable.ToString(null, CultureInfo.InvariantCulture));
                    return;
                default:
                    text.Append(value.GetType().FullName).Append(':').Append(value);
                    return;
            }
        }
    }
}
