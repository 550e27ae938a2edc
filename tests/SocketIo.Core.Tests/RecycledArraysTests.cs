using System;
using System.Runtime.CompilerServices;
using SocketIo.Core.EngineIo;
using Xunit;

namespace SocketIo.Core.Tests
{
    /// <summary>The process-wide pool behind IncomingEvent.ReleaseAttachments. Each test uses lengths no other test
    /// uses, since the pool is shared by every test running in parallel.</summary>
    public class RecycledArraysTests
    {
        [Fact]
        public void AnArrayGivenBackIsTakenOnceAndOnlyForItsExactLength()
        {
            var array = new byte[70_001];
            RecycledArrays.Return(array);

            Assert.Null(RecycledArrays.TryTake(70_002));
            Assert.Same(array, RecycledArrays.TryTake(70_001));
            Assert.Null(RecycledArrays.TryTake(70_001));
        }

        [Fact]
        public void AnArrayGivenBackTwiceIsKeptOnce()
        {
            var array = new byte[70_011];
            RecycledArrays.Return(array);
            RecycledArrays.Return(array);

            Assert.Same(array, RecycledArrays.TryTake(70_011));
            Assert.Null(RecycledArrays.TryTake(70_011)); // never handed out twice
        }

        [Fact]
        public void SmallArraysAreNotKept()
        {
            RecycledArrays.Return(new byte[DetachedPayload.Threshold - 13]);

            Assert.Null(RecycledArrays.TryTake(DetachedPayload.Threshold - 13));
        }

        [Fact]
        public void ThePoolKeepsNoArrayAlive()
        {
            var collected = ReturnAndForget(70_021);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();

            Assert.False(collected.TryGetTarget(out _));
            Assert.Null(RecycledArrays.TryTake(70_021));
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static WeakReference<byte[]> ReturnAndForget(int length)
        {
            var array = new byte[length];
            RecycledArrays.Return(array);
            return new WeakReference<byte[]>(array);
        }
    }
}
