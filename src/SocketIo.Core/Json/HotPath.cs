using System.Runtime.CompilerServices;

namespace SocketIo.Core.Json
{
    /// <summary>
    /// MethodImplOptions.AggressiveOptimization (512; not in netstandard2.0's enum, honoured by .NET Core 3.0+, ignored by
    /// .NET Framework). For the per-message receive path only: jitted fully optimized at first call instead of running
    /// unoptimized and then instrumented code for the first seconds of a flood, which profiled at about half the CPU of
    /// a 300k-event flood in a fresh process (tier-0 code plus the runtime's profiling helpers it calls).
    /// </summary>
    internal static class HotPath
    {
        public const MethodImplOptions Optimize = (MethodImplOptions)512;
    }
}
