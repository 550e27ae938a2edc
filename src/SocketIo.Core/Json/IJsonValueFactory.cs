using System.Collections.Generic;

namespace SocketIo.Core.Json
{
    /// <summary>
    /// Builds the caller's own representation of incoming JSON objects and arrays, so a consumer (the PowerShell
    /// layer builds PSCustomObjects) gets its objects in one pass over the bytes, without an intermediate tree.
    /// Scalars arrive as string, bool, null, Int32, Int64 or Double; binary attachments as byte[].
    /// </summary>
    public interface IJsonValueFactory
    {
        /// <param name="properties">In document order; valid only during the call (the reader reuses the list): copy what you keep.</param>
        object CreateObject(IReadOnlyList<KeyValuePair<string, object?>> properties);

        object CreateArray(object?[] items);
    }

    /// <summary>
    /// Lets a consumer turn its own types into values the writer knows (IDictionary, IEnumerable, scalars, byte[]).
    /// Called for any value the writer does not know by itself.
    /// </summary>
    public interface IOutgoingValueAdapter
    {
        /// <returns>false when the value is not the adapter's to convert.</returns>
        bool TryAdapt(object value, out object? adapted);
    }
}
