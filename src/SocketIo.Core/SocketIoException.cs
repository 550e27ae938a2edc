using System;

namespace SocketIo.Core
{
    /// <summary>Base of every error the core raises on purpose; the PowerShell layer maps each kind to an error id.</summary>
    public class SocketIoException : Exception
    {
        public SocketIoException(string message, Exception? inner = null) : base(message, inner) { }
    }

    /// <summary>The transport could not be opened or the handshake failed (refused, DNS, HTTP status, protocol version).</summary>
    public sealed class SocketIoConnectFailedException : SocketIoException
    {
        public SocketIoConnectFailedException(string message, Exception? inner = null) : base(message, inner) { }
    }

    /// <summary>The first connect did not finish within the connection timeout.</summary>
    public sealed class SocketIoConnectTimeoutException : SocketIoException
    {
        public SocketIoConnectTimeoutException(string message) : base(message) { }
    }

    /// <summary>The server answered CONNECT with CONNECT_ERROR; carries its message and data.</summary>
    public sealed class SocketIoConnectRejectedException : SocketIoException
    {
        public SocketIoConnectRejectedException(string serverMessage, object? data)
            : base("The server rejected the connection: " + serverMessage)
        {
            ServerMessage = serverMessage;
            ServerData = data;
        }

        public string ServerMessage { get; }
        public object? ServerData { get; }
    }

    /// <summary>An operation needs a connected namespace and it is not connected.</summary>
    public sealed class SocketIoNotConnectedException : SocketIoException
    {
        public SocketIoNotConnectedException(string message) : base(message) { }
    }

    /// <summary>No acknowledgement arrived in time.</summary>
    public sealed class SocketIoAckTimeoutException : SocketIoException
    {
        public SocketIoAckTimeoutException(string eventName, TimeSpan timeout)
            : base($"The server did not acknowledge event '{eventName}' within {timeout.TotalSeconds:0.###} s.")
        {
            EventName = eventName;
        }

        public string EventName { get; }
    }

    /// <summary>An event name that Socket.IO reserves for itself was used on emit.</summary>
    public sealed class SocketIoReservedEventNameException : SocketIoException
    {
        public SocketIoReservedEventNameException(string eventName)
            : base($"'{eventName}' is a reserved Socket.IO event name and cannot be emitted.")
        {
            EventName = eventName;
        }

        public string EventName { get; }
    }

    /// <summary>A value cannot be turned into JSON (cycle, too deep, unsupported type).</summary>
    public sealed class SocketIoSerializationException : SocketIoException
    {
        public SocketIoSerializationException(string message, Exception? inner = null) : base(message, inner) { }
    }

    /// <summary>An outgoing message is larger than the server accepts.</summary>
    public sealed class SocketIoPayloadTooLargeException : SocketIoException
    {
        public SocketIoPayloadTooLargeException(long size, long limit)
            : base($"The message is {size} bytes; the server accepts at most {limit} bytes per message (its maxPayload).")
        {
            Size = size;
            Limit = limit;
        }

        public long Size { get; }
        public long Limit { get; }
    }

    /// <summary>An outgoing message carries more binary attachments than a Socket.IO server accepts in one packet.</summary>
    public sealed class SocketIoTooManyAttachmentsException : SocketIoException
    {
        public SocketIoTooManyAttachmentsException(int count, int limit)
            : base($"The message carries {count} binary attachments (byte[] values); Socket.IO servers accept at most {limit} per message (socket.io-parser's maxAttachments) and close the connection otherwise. Send the data in several messages.")
        {
            Count = count;
            Limit = limit;
        }

        public int Count { get; }
        public int Limit { get; }
    }

    /// <summary>Bytes from the server that do not follow the protocol. Decoders throw only this.</summary>
    public sealed class SocketIoProtocolException : SocketIoException
    {
        public SocketIoProtocolException(string message, Exception? inner = null) : base(message, inner) { }
    }
}
