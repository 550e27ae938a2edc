using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Threading.Tasks;

namespace SocketIo.Core.OctoPrint.Rest
{
    /// <summary>A stream's bytes as request content, reporting the bytes written so far.</summary>
    internal sealed class ProgressStreamContent : HttpContent
    {
        private const int ChunkSize = 64 * 1024;
        private readonly Func<Stream> _open;
        private readonly long _length;
        private readonly Action<long>? _progress;

        public ProgressStreamContent(Func<Stream> open, long length, Action<long>? progress)
        {
            _open = open;
            _length = length;
            _progress = progress;
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext context)
        {
            using var source = _open();
            var buffer = new byte[ChunkSize];
            long sent = 0;
            int read;
            _progress?.Invoke(0);
            while ((read = await source.ReadAsync(buffer, 0, buffer.Length).ConfigureAwait(false)) > 0)
            {
                await stream.WriteAsync(buffer, 0, read).ConfigureAwait(false);
                sent += read;
                _progress?.Invoke(sent);
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _length;
            return _length >= 0;
        }
    }
}
