using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SocketIo.Core.SocketIo;

namespace SocketIo.Core.Tests.Infrastructure
{
    /// <summary>A manager and one namespace socket against a test server; Dispose tears the connection down.</summary>
    public sealed class Client : IDisposable
    {
        public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

        public Client(Uri server, string nsp = "/", object? auth = null, Action<SocketIoClientOptions>? configure = null)
        {
            var options = new SocketIoClientOptions { ConnectTimeout = Timeout };
            options.Engine.ServerUri = server;
            configure?.Invoke(options);
            Manager = new SocketIoManager(options);
            Socket = Manager.Socket(nsp);
            Socket.Auth = auth;
            Events = new EventRecorder(Socket);
        }

        public SocketIoManager Manager { get; }

        public NamespaceSocket Socket { get; }

        public EventRecorder Events { get; }

        public static async Task<Client> ConnectAsync(Uri server, string nsp = "/", object? auth = null, Action<SocketIoClientOptions>? configure = null)
        {
            var client = new Client(server, nsp, auth, configure);
            try
            {
                await client.Socket.ConnectAsync(CancellationToken.None).WaitAsync(Timeout);
                return client;
            }
            catch
            {
                client.Dispose();
                throw;
            }
        }

        public Task EmitAsync(string name, params object?[] args) =>
            Socket.EmitAsync(name, args, CancellationToken.None).WaitAsync(Timeout);

        public Task<object?[]> EmitWithAckAsync(string name, params object?[] args) =>
            Socket.EmitWithAckAsync(name, args, Timeout, CancellationToken.None).WaitAsync(Timeout + Timeout);

        public void Dispose() => Manager.Dispose();
    }

    /// <summary>Collects a socket's events; <see cref="NextAsync"/> hands out the next unclaimed one with a name.</summary>
    public sealed class EventRecorder
    {
        private readonly object _gate = new object();
        private readonly List<IncomingEvent> _unclaimed = new List<IncomingEvent>();
        private readonly List<(string Name, TaskCompletionSource<IncomingEvent> Waiter)> _waiters =
            new List<(string, TaskCompletionSource<IncomingEvent>)>();

        public EventRecorder(NamespaceSocket socket) => socket.EventReceived += OnEvent;

        public async Task<IncomingEvent> NextAsync(string name, TimeSpan? timeout = null)
        {
            var waiter = new TaskCompletionSource<IncomingEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                int index = _unclaimed.FindIndex(e => e.EventName == name);
                if (index >= 0)
                {
                    var found = _unclaimed[index];
                    _unclaimed.RemoveAt(index);
                    return found;
                }
                _waiters.Add((name, waiter));
            }
            var limit = timeout ?? Client.Timeout;
            try
            {
                return await waiter.Task.WaitAsync(limit);
            }
            catch (TimeoutException)
            {
                lock (_gate) _waiters.RemoveAll(w => w.Waiter == waiter);
                throw new TimeoutException($"No '{name}' event within {limit.TotalSeconds} s.");
            }
        }

        private void OnEvent(IncomingEvent incoming)
        {
            TaskCompletionSource<IncomingEvent>? waiter = null;
            lock (_gate)
            {
                int index = _waiters.FindIndex(w => w.Name == incoming.EventName);
                if (index >= 0)
                {
                    waiter = _waiters[index].Waiter;
                    _waiters.RemoveAt(index);
                }
                else
                {
                    _unclaimed.Add(incoming);
                }
            }
            waiter?.TrySetResult(incoming);
        }
    }

    public static class Wait
    {
        /// <summary>Polls a condition until it holds; fails with <paramref name="what"/> after the timeout.</summary>
        public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (!await condition())
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out after {timeout.TotalSeconds} s waiting for: {what}");
                await Task.Delay(25);
            }
        }

        public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what) =>
            UntilAsync(() => Task.FromResult(condition()), timeout, what);
    }
}
