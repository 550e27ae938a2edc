using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Linq;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using SocketIo.Core.EngineIo;
using SocketIo.Core.Json;
using SocketIo.Core.SocketIo;
using Xunit;

namespace SocketIo.Core.Tests.Infrastructure
{
    /// <summary>Small helpers to write codec tests in wire strings.</summary>
    public static class Wire
    {
        public static string Text(OutgoingFrame frame)
        {
            Assert.False(frame.IsBinary, "expected a text frame");
            return Encoding.UTF8.GetString(frame.Bytes.Array!, frame.Bytes.Offset, frame.Bytes.Count);
        }

        public static byte[] Bytes(OutgoingFrame frame)
        {
            Assert.True(frame.IsBinary, "expected a binary frame");
            return frame.Bytes.ToArray();
        }

        public static string Text(EnginePacket packet) => Encoding.UTF8.GetString(packet.Data.Span);

        /// <summary>Decodes one Socket.IO packet string (without the Engine.IO '4') with a fresh decoder.</summary>
        public static SioPacket Decode(string sio)
        {
            var packet = new SioPacketDecoder(DefaultJsonValueFactory.Instance).DecodeText(Encoding.UTF8.GetBytes(sio));
            Assert.NotNull(packet);
            return packet!;
        }

        /// <summary>An object with its keys in the given order.</summary>
        public static OrderedDictionary Obj(params (string Key, object? Value)[] properties)
        {
            var result = new OrderedDictionary();
            foreach (var (key, value) in properties) result.Add(key, value);
            return result;
        }

        /// <summary>Writes a value the way the encoder does, to compare decoded values with JSON text.</summary>
        public static string ToJson(object? value)
        {
            var writer = new JsonValueWriter(null);
            using var stream = new System.IO.MemoryStream();
            using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
                writer.Write(json, value);
            return Encoding.UTF8.GetString(stream.ToArray());
        }

        public static object?[] Args(params object?[] args) => args;

        public static IReadOnlyList<string> Texts(IEnumerable<OutgoingFrame> frames) =>
            frames.Select(f => f.IsBinary ? "<" + Convert.ToHexString(f.Bytes.ToArray()) + ">" : Text(f)).ToList();
    }
}
