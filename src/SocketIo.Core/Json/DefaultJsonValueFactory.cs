using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace SocketIo.Core.Json
{
    /// <summary>Objects become <see cref="OrderedJsonObject"/> (order kept, an IDictionary, writable back as JSON),
    /// arrays object[].</summary>
    public sealed class DefaultJsonValueFactory : IJsonValueFactory
    {
        public static readonly DefaultJsonValueFactory Instance = new DefaultJsonValueFactory();

        [MethodImpl(HotPath.Optimize)]
        public object CreateObject(IReadOnlyList<KeyValuePair<string, object?>> properties) => new OrderedJsonObject(properties);

        public object CreateArray(object?[] items) => items;
    }
}
