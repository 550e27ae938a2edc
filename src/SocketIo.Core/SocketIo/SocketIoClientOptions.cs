using System;
using SocketIo.Core.EngineIo;
using SocketIo.Core.Json;

namespace SocketIo.Core.SocketIo
{
    /// <summary>Options of one Socket.IO connection (manager + namespace), named after socket.io-client's.</summary>
    public sealed class SocketIoClientOptions
    {
        public EngineOptions Engine { get; } = new EngineOptions();

        /// <summary>Covers the whole first connect: transport, Engine.IO handshake and the namespace's CONNECT reply.</summary>
        public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(20);

        /// <summary>Builds incoming JSON objects and arrays (the PowerShell layer makes PSCustomObjects).</summary>
        public IJsonValueFactory ValueFactory { get; set; } = DefaultJsonValueFactory.Instance;

        /// <summary>Turns the caller's own outgoing types into values the JSON writer knows.</summary>
        public IOutgoingValueAdapter? ValueAdapter { get; set; }

        /// <summary>Binary attachments accepted per incoming packet (socket.io-parser's default is 10).</summary>
        public int MaxAttachments { get; set; } = 10;
    }
}
