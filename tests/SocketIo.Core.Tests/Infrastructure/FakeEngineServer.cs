using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.EngineIo;
using SocketIo.Core.SocketIo;
using Xunit;

namespace SocketIo.Core.Tests.Infrastructure
{
    /// <summary>
    /// A scripted Engine.IO WebSocket server on raw TCP, for what the node server never does: stop pinging, send
    /// malformed or python-style packets. One connection at a time; every read is bounded by <see cref="Client.Timeout"/>.
    /// </summary>
    public sealed class FakeEngineServer : IDisposable
    {
        private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);

        public FakeEngineServer() => _listener.Start();

        public Uri BaseUri => new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

        /// <summary>This fake speaks only WebSocket: clients of it open directly on WebSocket (no polling handshake).</summary>
        public static void WebSocketOnly(SocketIoClientOptions options) => options.Engine.Transports = EngineTransports.WebSocket;

        public async Task<FakeConnection> AcceptAsync()
        {
            var tcp = await _listener.AcceptTcpClientAsync().WaitAsync(Client.Timeout);
            var connection = new FakeConnection(tcp);
            await connection.UpgradeAsync();
            return connection;
        }

        /// <summary>Accepts, sends the open packet, reads the client's CONNECT for "/" and answers it.</summary>
        public async Task<FakeConnection> AcceptAndJoinAsync(int pingInterval = 25000, int pingTimeout = 20000)
        {
            var connection = await AcceptAsync();
            await connection.SendTextAsync($"0{{\"sid\":\"fake-engine\",\"upgrades\":[],\"pingInterval\":{pingInterval},\"pingTimeout\":{pingTimeout},\"maxPayload\":1000000}}");
            Assert.Equal("40", await connection.ReceiveTextAsync());
            await connection.SendTextAsync("40{\"sid\":\"fake-socket\"}");
            return connection;
        }

        public void Dispose() => _listener.Stop();
    }

    public sealed class FakeConnection : IDisposable
    {
        private readonly TcpClient _tcp;
        private readonly NetworkStream _stream;

        internal FakeConnection(TcpClient tcp)
        {
            _tcp = tcp;
            _stream = tcp.GetStream();
        }

        public string RequestLine { get; private set; } = "";

        internal async Task UpgradeAsync()
        {
            var request = new StringBuilder();
            var one = new byte[1];
            while (!request.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
            {
                if (await ReadAsync(one) == 0) throw new IOException("The client closed during the WebSocket handshake.");
                request.Append((char)one[0]);
            }
            var lines = request.ToString().Split("\r\n");
            RequestLine = lines[0];
            string key = "";
            foreach (var line in lines)
                if (line.StartsWith("Sec-WebSocket-Key:", StringComparison.OrdinalIgnoreCase)) key = line.Substring(18).Trim();
            var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
            var response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + accept + "\r\n\r\n";
            await _stream.WriteAsync(Encoding.ASCII.GetBytes(response));
        }

        public Task SendTextAsync(string text) => SendFrameAsync(0x1, Encoding.UTF8.GetBytes(text));

        public Task SendBinaryAsync(byte[] data) => SendFrameAsync(0x2, data);

        /// <summary>A text frame with exactly these bytes (they need not be UTF-8; up to 64 KiB).</summary>
        public Task SendTextBytesAsync(byte[] payload) => SendFrameAsync(0x1, payload);

        /// <summary>Reads the next client frame; text frames as text, a close frame as null.</summary>
        public async Task<string?> ReceiveTextAsync()
        {
            var (opcode, payload) = await ReceiveFrameAsync();
            if (opcode == 0x8) return null;
            Assert.Equal(0x1, opcode);
            return Encoding.UTF8.GetString(payload);
        }

        public void Dispose() => _tcp.Dispose();

        private async Task SendFrameAsync(byte opcode, byte[] payload)
        {
            var header = payload.Length < 126
                ? new byte[] { (byte)(0x80 | opcode), (byte)payload.Length }
                : new byte[] { (byte)(0x80 | opcode), 126, (byte)(payload.Length >> 8), (byte)payload.Length };
            await _stream.WriteAsync(header);
            await _stream.WriteAsync(payload);
        }

        private async Task<(int Opcode, byte[] Payload)> ReceiveFrameAsync()
        {
            var head = await ReadExactlyAsync(2);
            int opcode = head[0] & 0x0f;
            long length = head[1] & 0x7f;
            if (length == 126) { var ext = await ReadExactlyAsync(2); length = (ext[0] << 8) | ext[1]; }
            else if (length == 127) throw new NotSupportedException("64-bit frame lengths are not needed here.");
            var mask = (head[1] & 0x80) != 0 ? await ReadExactlyAsync(4) : new byte[4];
            var payload = await ReadExactlyAsync((int)length);
            for (int i = 0; i < payload.Length; i++) payload[i] ^= mask[i % 4];
            return (opcode, payload);
        }

        private async Task<byte[]> ReadExactlyAsync(int count)
        {
            var buffer = new byte[count];
            int read = 0;
            while (read < count)
            {
                int n = await ReadAsync(buffer.AsMemory(read));
                if (n == 0) throw new IOException("The client closed the connection.");
                read += n;
            }
            return buffer;
        }

        private async Task<int> ReadAsync(Memory<byte> buffer)
        {
            using var timeout = new CancellationTokenSource(Client.Timeout);
            return await _stream.ReadAsync(buffer, timeout.Token);
        }
    }
}
