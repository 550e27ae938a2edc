using System;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.SocketIo;
using SocketIo.Core.Tests.Infrastructure;
using Xunit;

namespace SocketIo.Core.Tests
{
    /// <summary>Connection-state recovery (§3.7) against the node server with <c>--recovery</c>.</summary>
    public class RecoveryTests : IClassFixture<RecoveryServerFixture>
    {
        private readonly RecoveryServerFixture _server;

        public RecoveryTests(RecoveryServerFixture server) => _server = server;

        private static void Away(SocketIoClientOptions o)
        {
            o.ReconnectionDelay = TimeSpan.FromMilliseconds(600);
            o.ReconnectionDelayMax = TimeSpan.FromMilliseconds(600);
            o.RandomizationFactor = 0;
        }

        private static async Task<LifecycleEvent> DropAndRejoinAsync(Client client, LifecycleRecorder life)
        {
            try { await client.EmitAsync("close-transport"); }
            catch (SocketIoNotConnectedException) { }
            await life.NextAsync(LifecycleEventNames.Disconnect);
            var connect = await life.NextAsync(LifecycleEventNames.Connect, TimeSpan.FromSeconds(10));
            while (!connect.IsReconnect) connect = await life.NextAsync(LifecycleEventNames.Connect, TimeSpan.FromSeconds(10));
            return connect;
        }

        [Fact]
        public async Task WhatTheServerEmittedWhileTheClientWasAwayArrivesAndTheSessionIsRecovered()
        {
            using var client = new Client(_server.BaseUri, configure: Away);
            var life = new LifecycleRecorder(client.Socket);
            await client.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout);
            Assert.NotNull(client.Socket.Pid);
            Assert.False(client.Socket.Recovered);
            var sid = client.Socket.Id;

            await client.EmitAsync("echo", "first");
            var first = await client.Events.NextAsync("echo");
            // socket.io-client leaves the offset as the last argument; the core does too and names it.
            Assert.NotNull(first.Offset);
            Assert.Equal(new object?[] { "first", first.Offset }, first.Arguments);
            Assert.Equal(first.Offset, client.Socket.LastOffset);

            await client.EmitAsync("emit-later", 150, "news", "while-away", 7);
            var connect = await DropAndRejoinAsync(client, life);

            Assert.True(connect.Recovered);
            Assert.True(client.Socket.Recovered);
            Assert.Equal(sid, client.Socket.Id); // the same socket, restored
            var news = await client.Events.NextAsync("news", TimeSpan.FromSeconds(10));
            Assert.NotNull(news.Offset);
            Assert.Equal(new object?[] { "while-away", 7, news.Offset }, news.Arguments);
            Assert.Equal(news.Offset, client.Socket.LastOffset);
        }

        [Fact]
        public async Task WithoutAnyEventReceivedThereIsNoOffsetAndANewSession()
        {
            using var client = new Client(_server.BaseUri, configure: Away);
            var life = new LifecycleRecorder(client.Socket);
            await client.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout);
            var sid = client.Socket.Id;
            Assert.Null(client.Socket.LastOffset);

            var connect = await DropAndRejoinAsync(client, life);

            Assert.False(connect.Recovered);
            Assert.False(client.Socket.Recovered);
            Assert.NotEqual(sid, client.Socket.Id);
        }

        [Fact]
        public async Task EventsThatAskForAnAckCarryNoOffset()
        {
            using var client = await Client.ConnectAsync(_server.BaseUri);

            await client.EmitAsync("ask", "question", "q1");
            var question = await client.Events.NextAsync("question");

            Assert.True(question.AckRequested);
            Assert.Null(question.Offset);
            Assert.Equal(new object?[] { "q1" }, question.Arguments);
            await question.AcknowledgeAsync(new object?[] { "r1" });
            var answer = await client.Events.NextAsync("answer");
            Assert.NotNull(answer.Offset);
            Assert.Equal(new object?[] { "r1", answer.Offset }, answer.Arguments);
        }
    }
}
