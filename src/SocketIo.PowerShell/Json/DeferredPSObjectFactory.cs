using System.Collections.Generic;
using SocketIo.Core;
using SocketIo.Core.Json;

namespace SocketIo.PowerShell.Json
{
    /// <summary>
    /// The Socket.IO connections' value factory: a JSON object stays a plain key/value array (<see cref="DeferredObject"/>)
    /// on the receive thread, and becomes the PSCustomObject <see cref="PSObjectFactory"/> makes when a reader first looks
    /// at it (<see cref="DeferredValues.Materialize"/>). A PSObject costs ~1 KB and a lock PowerShell shares between
    /// threads (its instance-member table); a pipeline that only counts or filters by name never pays that.
    /// Every place a decoded value leaves the module materializes it first: message Arguments/Data, ack replies,
    /// lifecycle data and connect-rejection data.
    /// </summary>
    internal sealed class DeferredPSObjectFactory : IJsonValueFactory
    {
        public static readonly DeferredPSObjectFactory Instance = new DeferredPSObjectFactory();

        public object CreateObject(IReadOnlyList<KeyValuePair<string, object?>> properties)
        {
            // The list is only valid during this call (IJsonValueFactory): copy it.
            var copy = new KeyValuePair<string, object?>[properties.Count];
            for (int i = 0; i < copy.Length; i++) copy[i] = properties[i];
            return new DeferredObject(copy);
        }

        public object CreateArray(object?[] items) => items;
    }

    /// <summary>A JSON object not turned into a PSObject yet; <see cref="Value"/> makes it once, on any thread.</summary>
    internal sealed class DeferredObject
    {
        private KeyValuePair<string, object?>[]? _properties;
        private object? _value;

        public DeferredObject(KeyValuePair<string, object?>[] properties) => _properties = properties;

        /// <summary>The PSCustomObject (or ordered dictionary) for this object; the same instance on every call.</summary>
        public object Value
        {
            get
            {
                lock (this)
                {
                    if (_properties != null)
                    {
                        var properties = _properties;
                        for (int i = 0; i < properties.Length; i++)
                            properties[i] = new KeyValuePair<string, object?>(properties[i].Key, DeferredValues.Materialize(properties[i].Value));
                        _value = PSObjectFactory.Instance.CreateObject(properties);
                        _properties = null; // the key/value array is garbage from here on
                    }
                    return _value!;
                }
            }
        }

        public override string ToString() => Value.ToString() ?? string.Empty;
    }

    internal static class DeferredValues
    {
        /// <summary>
        /// What a decoded value looks like to PowerShell: deferred objects become PSObjects, arrays are materialized in
        /// place (they belong to the decoded message). Idempotent and safe to run on several threads at once: each
        /// object is made once, and every slot gets the same reference whoever writes it.
        /// </summary>
        public static object? Materialize(object? value)
        {
            switch (value)
            {
                case DeferredObject deferred:
                    return deferred.Value;
                case object?[] array:
                    for (int i = 0; i < array.Length; i++)
                    {
                        var item = array[i];
                        if (item is DeferredObject || item is object?[]) array[i] = Materialize(item);
                    }
                    return array;
                default:
                    return value;
            }
        }

        /// <summary>The exception with its server data materialized (a connect rejection carries decoded data).</summary>
        public static System.Exception? Materialize(System.Exception? error) =>
            error is SocketIoException socketIo ? Materialize(socketIo) : error;

        /// <summary>The exception with its server data materialized (a connect rejection carries decoded data).</summary>
        public static SocketIoException Materialize(SocketIoException error)
        {
            if (error is SocketIoConnectRejectedException rejected && NeedsMaterializing(rejected.ServerData))
                return new SocketIoConnectRejectedException(rejected.ServerMessage, Materialize(rejected.ServerData));
            return error;
        }

        private static bool NeedsMaterializing(object? value)
        {
            switch (value)
            {
                case DeferredObject _:
                    return true;
                case object?[] array:
                    foreach (var item in array) if (NeedsMaterializing(item)) return true;
                    return false;
                default:
                    return false;
            }
        }
    }
}
