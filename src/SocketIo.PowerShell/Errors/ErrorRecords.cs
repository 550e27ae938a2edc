using System;
using System.Management.Automation;
using SocketIo.Core;

namespace SocketIo.PowerShell.Errors
{
    /// <summary>The one place that turns failures into ErrorRecords with stable ids (api.md, "Error ids").</summary>
    internal static class ErrorRecords
    {
        public static ErrorRecord Create(string errorId, ErrorCategory category, string message, object? target, Exception? inner = null) =>
            new ErrorRecord(new SocketIoCmdletException(message, inner), errorId, category, target);

        public static ErrorRecord InvalidUri(string uri, string why) =>
            Create("SocketIoInvalidUri", ErrorCategory.InvalidArgument, $"'{uri}' cannot be used as a Socket.IO server address: {why}", uri);

        public static ErrorRecord ParameterConflict(string message) =>
            Create("SocketIoParameterConflict", ErrorCategory.InvalidArgument, message, null);

        /// <summary>Maps the core's exceptions; keeps the original exception so scripts can read its details.</summary>
        public static ErrorRecord FromException(Exception exception, object? target)
        {
            if (exception is AggregateException aggregate && aggregate.InnerExceptions.Count == 1) exception = aggregate.InnerExceptions[0];
            var (id, category) = exception switch
            {
                SocketIoConnectFailedException _ => ("SocketIoConnectFailed", ErrorCategory.ConnectionError),
                SocketIoConnectTimeoutException _ => ("SocketIoConnectTimeout", ErrorCategory.OperationTimeout),
                // socket.io's own words for a namespace the server does not have: not an authentication matter.
                SocketIoConnectRejectedException r when r.ServerMessage == "Invalid namespace" => ("SocketIoConnectRejected", ErrorCategory.ObjectNotFound),
                SocketIoConnectRejectedException _ => ("SocketIoConnectRejected", ErrorCategory.AuthenticationError),
                SocketIoCertificateException _ => ("SocketIoCertificateError", ErrorCategory.SecurityError),
                SocketIoNotConnectedException _ => ("SocketIoNotConnected", ErrorCategory.ConnectionError),
                SocketIoAckTimeoutException _ => ("SocketIoAckTimeout", ErrorCategory.OperationTimeout),
                SocketIoReservedEventNameException _ => ("SocketIoReservedEventName", ErrorCategory.InvalidArgument),
                SocketIoSerializationException _ => ("SocketIoSerializationError", ErrorCategory.InvalidData),
                SocketIoPayloadTooLargeException _ => ("SocketIoPayloadTooLarge", ErrorCategory.LimitsExceeded),
                SocketIoTooManyAttachmentsException _ => ("SocketIoTooManyAttachments", ErrorCategory.LimitsExceeded),
                SocketIoProtocolException _ => ("SocketIoProtocolError", ErrorCategory.ProtocolError),
                Core.OctoPrint.OctoPrintLoginFailedException _ => ("OctoPrintLoginFailed", ErrorCategory.AuthenticationError),
                Core.OctoPrint.OctoPrintRequestFailedException _ => ("OctoPrintRequestFailed", ErrorCategory.InvalidOperation),
                TimeoutException _ => ("SocketIoTimeout", ErrorCategory.OperationTimeout),
                _ => ("SocketIoError", ErrorCategory.NotSpecified),
            };
            return new ErrorRecord(exception, id, category, target);
        }

        /// <summary>A failed connect of namespace <paramref name="nsp"/>: a rejection names the namespace the server refused.</summary>
        public static ErrorRecord FromConnectException(Exception exception, object? target, string nsp)
        {
            var record = FromException(exception, target);
            if (record.Exception is SocketIoConnectRejectedException rejected)
                record.ErrorDetails = new ErrorDetails($"The server rejected the connection to namespace '{nsp}': {rejected.ServerMessage}");
            return record;
        }
    }

    /// <summary>An error the cmdlets raise themselves (bad arguments, conflicts); core errors keep their own types.</summary>
    public sealed class SocketIoCmdletException : Exception
    {
        public SocketIoCmdletException(string message, Exception? inner = null) : base(message, inner) { }
    }
}
