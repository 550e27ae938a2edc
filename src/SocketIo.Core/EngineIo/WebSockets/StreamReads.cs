using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace SocketIo.Core.EngineIo.WebSockets
{
    /// <summary>
    /// Stream reads without a Task per read where the runtime allows it. netstandard2.0 only has
    /// <c>ReadAsync(byte[], int, int)</c>, which on .NET Core wraps every pending socket read in a new Task (and an
    /// idle connection keeps one alive); .NET Core 2.1+ streams also have <c>ReadAsync(Memory&lt;byte&gt;, CancellationToken)</c>,
    /// whose ValueTask a socket completes from a cached operation. Found once, called through a delegate (virtual,
    /// so a TLS stream's own override runs).
    /// </summary>
    internal static class StreamReads
    {
        private static readonly Func<Stream, Memory<byte>, CancellationToken, ValueTask<int>>? ReadMemoryAsync = Find();

        /// <summary>Reads up to <paramref name="count"/> bytes into <paramref name="buffer"/> at <paramref name="offset"/>.</summary>
        public static ValueTask<int> ReadAsync(Stream stream, byte[] buffer, int offset, int count, CancellationToken cancellationToken = default) =>
            ReadMemoryAsync != null
                ? ReadMemoryAsync(stream, new Memory<byte>(buffer, offset, count), cancellationToken)
                : new ValueTask<int>(stream.ReadAsync(buffer, offset, count, cancellationToken));

        private static Func<Stream, Memory<byte>, CancellationToken, ValueTask<int>>? Find()
        {
            var method = typeof(Stream).GetMethod(nameof(Stream.ReadAsync), new[] { typeof(Memory<byte>), typeof(CancellationToken) });
            if (method == null || method.ReturnType != typeof(ValueTask<int>)) return null;
            return (Func<Stream, Memory<byte>, CancellationToken, ValueTask<int>>)Delegate.CreateDelegate(
                typeof(Func<Stream, Memory<byte>, CancellationToken, ValueTask<int>>), method);
        }
    }
}
