using System;
using System.Reflection;
using System.Runtime.InteropServices;

namespace SocketIo.Core.EngineIo
{
    /// <summary>
    /// A large received message that the transport read into an array of its own (not a pooled or reused buffer) and
    /// hands over for keeps: the Socket.IO decoder takes it as a binary attachment instead of copying it. The offer is
    /// per thread and lasts only during the synchronous call that delivers the message; whoever does not take it leaves
    /// it to the GC. Saves a copy (and a second large array's worth of memory traffic) per large binary event.
    /// </summary>
    internal static class DetachedPayload
    {
        /// <summary>Messages from this size on are read into an array of their own.</summary>
        public const int Threshold = 64 * 1024;

        [ThreadStatic] private static byte[]? _offered;

        // .NET 5+: an array the reads overwrite whole anyway needs no zeroing (1 MiB of memset per event otherwise).
        private static readonly Func<int, byte[]> NewArray = CreateAllocator();

        /// <summary>An array for a message of <paramref name="length"/> bytes: one a receiver gave back, else a new one,
        /// not zeroed where the runtime allows it. Either way it must be filled whole before anyone sees it.</summary>
        public static byte[] Allocate(int length) => RecycledArrays.TryTake(length) ?? NewArray(length);

        public static void Offer(byte[] array) => _offered = array;

        public static void Withdraw() => _offered = null;

        /// <summary>True (once per offer) when <paramref name="data"/> is exactly the array on offer: the caller may keep it.</summary>
        public static bool TryTake(ReadOnlyMemory<byte> data, out byte[] array)
        {
            var offered = _offered;
            if (offered != null && MemoryMarshal.TryGetArray(data, out var segment)
                && ReferenceEquals(segment.Array, offered) && segment.Offset == 0 && segment.Count == offered.Length)
            {
                _offered = null;
                array = offered;
                return true;
            }
            array = Array.Empty<byte>();
            return false;
        }

        private static Func<int, byte[]> CreateAllocator()
        {
            var method = typeof(GC).GetMethod("AllocateUninitializedArray", BindingFlags.Public | BindingFlags.Static);
            if (method == null) return length => new byte[length];
            var allocate = (Func<int, bool, byte[]>)method.MakeGenericMethod(typeof(byte)).CreateDelegate(typeof(Func<int, bool, byte[]>));
            return length => allocate(length, false);
        }
    }
}
