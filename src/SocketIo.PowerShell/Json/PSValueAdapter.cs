using System.Collections.Specialized;
using System.Management.Automation;
using System.Security;
using SocketIo.Core;
using SocketIo.Core.Json;

namespace SocketIo.PowerShell.Json
{
    /// <summary>
    /// Outgoing values as ConvertTo-Json sees them: a PSCustomObject (or any other object) is its properties, a wrapped
    /// value is its base object. Secrets are refused, never sent in clear.
    /// </summary>
    internal sealed class PSValueAdapter : IOutgoingValueAdapter
    {
        public static readonly PSValueAdapter Instance = new PSValueAdapter();

        public bool TryAdapt(object value, out object? adapted)
        {
            switch (value)
            {
                case SecureString _:
                case PSCredential _:
                    throw new SocketIoSerializationException($"A {value.GetType().Name} cannot be sent: it would have to be written as plain text.");
                case PSObject wrapped when wrapped.BaseObject is PSCustomObject:
                    adapted = Properties(wrapped);
                    return true;
                case PSObject wrapped:
                    adapted = wrapped.BaseObject;
                    return true;
                case ScriptBlock _:
                    throw new SocketIoSerializationException("A script block cannot be sent; send its text with .ToString() if that is meant.");
                default:
                    adapted = Properties(PSObject.AsPSObject(value));
                    return true;
            }
        }

        private static OrderedDictionary Properties(PSObject source)
        {
            var result = new OrderedDictionary();
            foreach (var property in source.Properties)
            {
                if (!property.IsGettable) continue;
                object? propertyValue;
                try { propertyValue = property.Value; }
                catch (GetValueException) { propertyValue = null; } // as ConvertTo-Json: a throwing getter is written as null
                result[property.Name] = propertyValue;
            }
            return result;
        }
    }
}
