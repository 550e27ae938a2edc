using System.Text.Encodings.Web;
using System.Text.Json;
using SocketIo.Core.Json;

namespace SocketIo.Core.OctoPrint
{
    /// <summary>
    /// Client → OctoPrint messages as JSON text (<c>{"type": payload}</c>); the SockJS layer then wraps each one
    /// in <c>["..."]</c>. The auth message holds a session token: never log it.
    /// </summary>
    public static class OctoPrintCommands
    {
        private static readonly JsonWriterOptions WriterOptions = new JsonWriterOptions
        {
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };

        /// <summary><c>{"auth":"name:session"}</c>.</summary>
        public static string Auth(string userName, string session) => Message("auth", userName + ":" + session, null);

        /// <summary><c>{"throttle":n}</c>: n × 500 ms between <c>current</c> messages.</summary>
        public static string Throttle(int factor) => Message("throttle", factor, null);

        /// <summary><c>{"subscribe":{...}}</c>.</summary>
        public static string Subscribe(object subscription, IOutgoingValueAdapter? adapter = null) => Message("subscribe", subscription, adapter);

        /// <summary>Any message: <c>{"&lt;type&gt;": payload}</c>. byte[] cannot be sent (no attachments on SockJS).</summary>
        public static string Message(string type, object? payload, IOutgoingValueAdapter? adapter)
        {
            var buffer = new ByteBufferWriter();
            var values = new JsonValueWriter(adapter);
            using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            {
                writer.WriteStartObject();
                writer.WritePropertyName(type);
                values.Write(writer, payload);
                writer.WriteEndObject();
            }
            if (values.Attachments.Count > 0)
                throw new SocketIoSerializationException("Binary data (byte[]) cannot be sent to OctoPrint: its push API is JSON only.");
            return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan.ToArray());
        }
    }
}
