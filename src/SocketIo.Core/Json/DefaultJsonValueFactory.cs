using System.Collections.Generic;
using System.Collections.Specialized;

namespace SocketIo.Core.Json
{
    /// <summary>Objects become <see cref="OrderedDictionary"/> (order kept, writable back as JSON), arrays object[].</summary>
    public sealed class DefaultJsonValueFactory : IJsonValueFactory
    {
        public static readonly DefaultJsonValueFactory Instance = new DefaultJsonValueFactory();

        public object CreateObject(IReadOnlyList<KeyValuePair<string, object?>> properties)
        {
            var result = new OrderedDictionary(properties.Count);
            foreach (var property in properties) result[property.Key] = property.Value; // duplicate keys: last one wins, as in JSON.parse
            return result;
        }

        public object CreateArray(object?[] items) => items;
    }
}
