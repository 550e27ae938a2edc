using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.SocketIo;
using SocketIo.Core.Tests.Infrastructure;
using Xunit;

namespace SocketIo.Core.Tests
{
    /// <summary>
    /// Multiplexing (§3.1): namespaces of one server share one manager and one Engine.IO session (counted on the
    /// server's /stats) unless forceNew or the namespace is in use; the session closes with the last namespace.
    /// Each test starts its own server, so the counts are exact.
    /// </summary>
    public class MultiplexTests
    {
        private static SocketIoClientOptions Options(Uri server, string? scheme = null)
        {
            var options = new SocketIoClientOptions { ConnectTimeout = Client.Timeout };
            options.Engine.ServerUri = scheme == null ? server : new UriBuilder(server) { Scheme = scheme }.Uri;
            options.ReconnectionDelay = TimeSpan.FromMilliseconds(100);
            options.ReconnectionDelayMax = TimeSpan.FromMilliseconds(100);
            return options;
        }

        private static Dictionary<string, object?> Secret => new Dictionary<string, object?> { ["token"] = "secret" };

        private static Task ConnectAsync(NamespaceSocket socket) => socket.ConnectAsync(CancellationToken.None).WaitAsync(Client.Timeout);

        [Fact]
        public async Task NamespacesOfOneServerShareOneEngineSessionWhichClosesWithTheLastOne()
        {
            using var server = await RestartableNodeServer.StartAsync();
            var cache = new SocketIoManagerCache();
            var main = cache.GetSocket(Options(server.BaseUri), "/");
            var admin = cache.GetSocket(Options(server.BaseUri, "ws"), "/admin"); // ws:// is the same endpoint
            admin.Auth = Secret;

            Assert.Same(main.Manager, admin.Manager);
            await ConnectAsync(main);
            await ConnectAsync(admin);

            Assert.Equal((1, 2), await server.StatsAsync());
            Assert.Equal(1, main.Manager.Sessions);

            await main.DisconnectAsync();
            Assert.True(admin.Manager.IsOpen);
            var client = new EventRecorder(admin);
            await admin.EmitAsync("echo", new object?[] { "still" }, CancellationToken.None);
            Assert.Equal(new object?[] { "still" }, (await client.NextAsync("echo")).Arguments);
            await Wait.UntilAsync(async () => await server.StatsAsync() == (1, 1), Client.Timeout, "one engine, one socket");

            await admin.DisconnectAsync();
            Assert.False(admin.Manager.IsOpen);
            await Wait.UntilAsync(async () => await server.StatsAsync() == (0, 0), Client.Timeout, "no engine connection left");
        }

        [Fact]
        public async Task ForceNewAndANamespaceAlreadyInUseGetSessionsOfTheirOwn()
        {
            using var server = await RestartableNodeServer.StartAsync();
            var cache = new SocketIoManagerCache();
            var first = cache.GetSocket(Options(server.BaseUri), "/");
            var forced = cache.GetSocket(Options(server.BaseUri), "/admin", forceNew: true);
            var again = cache.GetSocket(Options(server.BaseUri), "/"); // "/" is in use on the cached manager
            var otherHeaders = cache.GetSocket(Options(server.BaseUri), "/admin", discriminator: "Headers=x");
            forced.Auth = Secret;
            otherHeaders.Auth = Secret;

            Assert.NotSame(first.Manager, forced.Manager);
            Assert.NotSame(first.Manager, again.Manager);
            Assert.NotSame(first.Manager, otherHeaders.Manager);
            foreach (var socket in new[] { first, forced, again, otherHeaders }) await ConnectAsync(socket);
            Assert.Equal((4, 4), await server.StatsAsync());

            // Only the first manager is cached: a new namespace joins it.
            var shared = cache.GetSocket(Options(server.BaseUri), "/admin");
            shared.Auth = Secret;
            Assert.Same(first.Manager, shared.Manager);
            await ConnectAsync(shared);
            Assert.Equal((4, 5), await server.StatsAsync());

            foreach (var socket in new[] { first, forced, again, otherHeaders, shared }) await socket.DisconnectAsync();
            await Wait.UntilAsync(async () => await server.StatsAsync() == (0, 0), Client.Timeout, "everything closed");

            // The cached manager is idle now: the next namespace gets a new one.
            var fresh = cache.GetSocket(Options(server.BaseUri), "/");
            Assert.NotSame(first.Manager, fresh.Manager);
        }

        [Fact]
        public async Task MultiplexedNamespacesReconnectTogetherOnOneNewSession()
        {
            using var server = await RestartableNodeServer.StartAsync();
            var cache = new SocketIoManagerCache();
            var main = cache.GetSocket(Options(server.BaseUri), "/");
            var admin = cache.GetSocket(Options(server.BaseUri), "/admin");
            admin.Auth = Secret;
            var mainLife = new LifecycleRecorder(main);
            var adminLife = new LifecycleRecorder(admin);
            await ConnectAsync(main);
            await ConnectAsync(admin);

            try { await main.EmitAsync("close-transport", Array.Empty<object?>(), CancellationToken.None); }
            catch (SocketIoNotConnectedException) { }

            foreach (var life in new[] { mainLife, adminLife })
            {
                Assert.True((await life.NextAsync(LifecycleEventNames.Disconnect)).WillReconnect);
                await life.NextAsync(LifecycleEventNames.ReconnectAttempt);
                await life.NextAsync(LifecycleEventNames.Reconnect);
                await life.NextAsync(LifecycleEventNames.Connect);
                Assert.True((await life.NextAsync(LifecycleEventNames.Connect)).IsReconnect);
            }
            Assert.Equal(2, main.Manager.Sessions);
            Assert.Equal(1, main.Manager.Reconnects);
            await Wait.UntilAsync(async () => await server.StatsAsync() == (1, 2), Client.Timeout, "one engine, two sockets again");
            main.Manager.Dispose();
            Assert.Equal(ConnectionState.Disconnected, admin.State);
        }
    }
}
