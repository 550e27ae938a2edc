using System;
using SocketIo.Core.EngineIo;
using SocketIo.Core.Json;
using SocketIo.Core.Reconnect;

namespace SocketIo.Core.SocketIo
{
    /// <summary>Options of one Socket.IO manager (one Engine.IO session and its namespaces), named after socket.io-client's.</summary>
    public sealed class SocketIoClientOptions
    {
        public EngineOptions Engine { get; } = new EngineOptions();

        /// <summary>Covers the whole first connect of a namespace: transport, Engine.IO handshake and the CONNECT reply.
        /// Also the limit for opening the Engine.IO session on each reconnect attempt (socket.io-client's <c>timeout</c>).</summary>
        public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(20);

        /// <summary>Builds incoming JSON objects and arrays (the PowerShell layer makes PSCustomObjects).</summary>
        public IJsonValueFactory ValueFactory { get; set; } = DefaultJsonValueFactory.Instance;

        /// <summary>Turns the caller's own outgoing types into values the JSON writer knows.</summary>
        public IOutgoingValueAdapter? ValueAdapter { get; set; }

        /// <summary>Binary attachments accepted per incoming packet (socket.io-parser's default is 10).</summary>
        public int MaxAttachments { get; set; } = 10;

        /// <summary>The packet format (socket.io-client's <c>parser</c>); both ends must use the same.</summary>
        public ISioParser Parser { get; set; } = DefaultSioParser.Instance;

        /// <summary>Reconnect automatically after a connection that had succeeded is lost (socket.io-client's
        /// <c>reconnection</c>, default true). Never after "io server disconnect", "io client disconnect" or CONNECT_ERROR.</summary>
        public bool Reconnection { get; set; } = true;

        /// <summary>socket.io-client's <c>reconnectionAttempts</c>; int.MaxValue (the default) is unlimited.</summary>
        public int ReconnectionAttempts { get; set; } = int.MaxValue;

        /// <summary>socket.io-client's <c>reconnectionDelay</c> (1000 ms): the first wait, doubled on each attempt.</summary>
        public TimeSpan ReconnectionDelay { get; set; } = TimeSpan.FromMilliseconds(1000);

        /// <summary>socket.io-client's <c>reconnectionDelayMax</c> (5000 ms): the cap, applied after the jitter.</summary>
        public TimeSpan ReconnectionDelayMax { get; set; } = TimeSpan.FromMilliseconds(5000);

        /// <summary>socket.io-client's <c>randomizationFactor</c> (0.5); outside (0, 1] there is no jitter.</summary>
        public double RandomizationFactor { get; set; } = 0.5;

        /// <summary>Replaces the backoff built from the four options above (<see cref="Reconnection"/> still applies).</summary>
        public IReconnectPolicy? ReconnectPolicy { get; set; }

        /// <summary>The policy in force: <see cref="ReconnectPolicy"/>, else socket.io-client's backoff from the options.</summary>
        public IReconnectPolicy CreateReconnectPolicy() =>
            ReconnectPolicy ?? new BackoffReconnectPolicy(ReconnectionAttempts, ReconnectionDelay, ReconnectionDelayMax, RandomizationFactor);
    }
}
