using System.Collections.Generic;
using System.Collections.Specialized;
using System.Text.Json;
using SocketIo.Core.Json;

namespace SocketIo.Core.SocketIo
{
    /// <summary>
    /// Turns a caller's auth value into a detached copy made of plain values (<see cref="OrderedDictionary"/>, object[],
    /// string, numbers, bool, null), so it can be serialized again on any thread, at every CONNECT, without touching the
    /// caller's objects (a PowerShell object may only be read on its pipeline thread).
    /// </summary>
    public static class AuthPayload
    {
        /// <returns>null for null; otherwise the copy of a JSON object.</returns>
        /// <exception cref="SocketIoSerializationException">Not a JSON object, binary data, a cycle, or an unsupported type.</exception>
        public static OrderedDictionary? Detach(object? auth, IOutgoingValueAdapter? adapter)
        {
            if (auth == null) return null;
            var buffer = new ByteBufferWriter();
            var values = new JsonValueWriter(adapter);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                values.Write(writer, auth);
            }
            if (values.Attachments.Count > 0) throw new SocketIoSerializationException("Binary data (byte[]) cannot be part of the auth payload.");
            object? copy;
            try
            {
                copy = JsonValueReader.Read(buffer.WrittenSpan, OrderedDictionaryFactory.Instance);
            }
            catch (SocketIoProtocolException e)
            {
                throw new SocketIoSerializationException("The auth payload cannot be written as JSON: " + e.Message, e);
            }
            return copy as OrderedDictionary
                   ?? throw new SocketIoSerializationException("The auth payload must be an object (a hashtable or dictionary), as socket.io's auth is.");
        }

        /// <summary>The copy's objects stay <see cref="OrderedDictionary"/>, as <see cref="Detach"/> has always returned.</summary>
        private sealed class OrderedDictionaryFactory : IJsonValueFactory
        {
            public static readonly OrderedDictionaryFactory Instance = new OrderedDictionaryFactory();

            public object CreateObject(IReadOnlyList<KeyValuePair<string, object?>> properties)
            {
                var result = new OrderedDictionary(properties.Count);
                foreach (var property in properties) result[property.Key] = property.Value; // a repeated key: the last value wins
                return result;
            }

            public object CreateArray(object?[] items) => items;
        }
    }
}
