using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.Dispatch;
using SocketIo.Core.EngineIo;
using SocketIo.Core.Json;
using SocketIo.Core.SocketIo;
using Xunit;

namespace SocketIo.Core.Tests
{
    /// <summary>The receive path's shortcuts keep what callers see: the dispatcher's order and isolation, an event's
    /// arguments, object keys, and polling payloads split on one shared buffer.</summary>
    public class ReceivePathTests
    {
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

        [Fact]
        public async Task DispatcherRunsEverythingInOrderAcrossBatchesAndReentrantPosts()
        {
            var seen = new List<int>();
            var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var dispatcher = new SerialDispatcher(_ => { });
            const int count = 5000;
            for (int i = 0; i < count; i++)
            {
                int n = i;
                dispatcher.Post(() =>
                {
                    seen.Add(n);
                    // Posted from a handler: runs after everything posted before it.
                    if (n == count - 1) dispatcher.Post(() => { seen.Add(-1); done.TrySetResult(true); });
                });
            }
            Assert.True(await Task.WhenAny(done.Task, Task.Delay(Timeout)) == done.Task, "the dispatcher did not run everything");
            Assert.Equal(Enumerable.Range(0, count).Append(-1), seen);
            Assert.Equal(0, dispatcher.Pending);
        }

        [Fact]
        public async Task DispatcherReportsAThrowingHandlerAndGoesOn()
        {
            var errors = new ConcurrentQueue<Exception>();
            var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var dispatcher = new SerialDispatcher(errors.Enqueue);
            dispatcher.Post(() => throw new InvalidOperationException("boom"));
            dispatcher.Post(() => done.TrySetResult(true));
            Assert.True(await Task.WhenAny(done.Task, Task.Delay(Timeout)) == done.Task, "the pump stopped after a throwing handler");
            Assert.Equal("boom", Assert.Single(errors).Message);
        }

        [Fact]
        public async Task PostingNeverWaitsForABlockedHandler()
        {
            using var release = new ManualResetEventSlim();
            var entered = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var last = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var dispatcher = new SerialDispatcher(_ => { });
            dispatcher.Post(() => { entered.TrySetResult(true); release.Wait(Timeout); });
            Assert.True(await Task.WhenAny(entered.Task, Task.Delay(Timeout)) == entered.Task);
            for (int i = 0; i < 2000; i++) dispatcher.Post(() => { }); // returns at once: the handler holds only the pump
            dispatcher.Post(() => last.TrySetResult(true));
            Assert.Equal(2001, dispatcher.Pending);
            Assert.False(last.Task.IsCompleted);
            release.Set();
            Assert.True(await Task.WhenAny(last.Task, Task.Delay(Timeout)) == last.Task);
        }

        [Fact]
        public async Task PostsInAReceiveBatchWaitForItsEndThenRunInOrder()
        {
            var seen = new ConcurrentQueue<string>();
            var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var dispatcher = new SerialDispatcher(_ => { });
            // Synchronous between BeginBatch and EndBatch, as on the receive loop (the batch is per thread).
            SerialDispatcher.BeginBatch();
            SerialDispatcher.BeginBatch(); // nested: only the outermost end wakes
            dispatcher.Post(() => seen.Enqueue("a"));
            dispatcher.Post(() => seen.Enqueue("b"));
            SerialDispatcher.EndBatch();
            var other = new Thread(() => dispatcher.Post(() => seen.Enqueue("other thread"))); // not in the batch
            other.Start();
            Assert.True(other.Join(Timeout));
            bool ranEarly = SpinWait.SpinUntil(() => !seen.IsEmpty, TimeSpan.FromMilliseconds(100));
            Assert.Equal(3, dispatcher.Pending);
            dispatcher.Post(() => { seen.Enqueue("c"); done.TrySetResult(true); });
            SerialDispatcher.EndBatch();
            Assert.False(ranEarly, "a post inside the batch woke the pump before the batch ended");
            Assert.True(await Task.WhenAny(done.Task, Task.Delay(Timeout)) == done.Task, "the batch's end did not wake the pump");
            Assert.Equal(new[] { "a", "b", "other thread", "c" }, seen);
            // Outside a batch a post wakes the pump at once, as before.
            var after = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            dispatcher.Post(() => after.TrySetResult(true));
            Assert.True(await Task.WhenAny(after.Task, Task.Delay(Timeout)) == after.Task);
        }

        [Fact]
        public void DecodedEventSplitsItsNameOffAndStillShowsTheWholeArray()
        {
            var decoder = new SioPacketDecoder(DefaultJsonValueFactory.Instance);
            var packet = decoder.DecodeText(Encoding.UTF8.GetBytes("2/chat,7[\"msg\",{\"i\":1,\"t\":1.5},\"x\"]"))!;
            Assert.Equal("/chat", packet.Namespace);
            Assert.Equal("msg", packet.EventName);
            Assert.Equal(2, packet.EventArguments!.Length);
            Assert.Equal(1.5, Assert.IsType<OrderedJsonObject>(packet.EventArguments[0])["t"]);
            Assert.Equal(new object?[] { "msg", packet.EventArguments[0], "x" }, packet.Arguments);

            // A numeric name becomes its text, as node does; the namespace string is reused for the next packet.
            var numeric = decoder.DecodeText(Encoding.UTF8.GetBytes("2/chat,[42]"))!;
            Assert.Equal("42", numeric.EventName);
            Assert.Empty(numeric.EventArguments!);
            Assert.Same(packet.Namespace, numeric.Namespace);
        }

        [Fact]
        public void ObjectKeysKeepTheirOrderAndDuplicatesKeepTheLastValue()
        {
            var value = Assert.IsType<OrderedJsonObject>(JsonValueReader.Read(Encoding.UTF8.GetBytes("{\"b\":1,\"a\":2,\"c\":3,\"a\":4}"), DefaultJsonValueFactory.Instance));
            Assert.Equal(new object[] { "b", "a", "c" }, value.Keys.Cast<object>());
            Assert.Equal(4, value["a"]);
            var numbers = Assert.IsType<object?[]>(JsonValueReader.Read(Encoding.UTF8.GetBytes("[1,2147483648,1.0,1e2,-0.5]"), DefaultJsonValueFactory.Instance));
            Assert.Equal(new object?[] { 1, 2147483648L, 1.0, 100.0, -0.5 }, numbers);
        }

        [Fact]
        public void PollingPayloadSplitsMultiByteTextAndBinaryRecords()
        {
            var packets = EnginePacketCodec.DecodePayload("42[\"é\",\"€\"]\x1e" + "bAQID\x1e" + "4😀\x1e" + "6");
            Assert.Equal(4, packets.Count);
            Assert.Equal("2[\"é\",\"€\"]", Encoding.UTF8.GetString(packets[0].Data.ToArray()));
            Assert.Equal(new byte[] { 1, 2, 3 }, packets[1].Data.ToArray());
            Assert.True(packets[1].IsBinary);
            Assert.Equal("😀", Encoding.UTF8.GetString(packets[2].Data.ToArray()));
            Assert.Equal(EnginePacketType.Noop, packets[3].Type);
            Assert.Throws<SocketIoProtocolException>(() => EnginePacketCodec.DecodePayload("4a\x1e\x1e" + "4b"));
        }
    }
}
