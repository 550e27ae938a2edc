using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace SocketIo.Core.SocketIo
{
    public sealed partial class SocketIoManager
    {
        // ---- the namespaces on this manager ----

        /// <summary>The namespace socket for <paramref name="nsp"/>, created on first use (socket.io-client's io.socket()).</summary>
        public NamespaceSocket Socket(string nsp)
        {
            ValidateNamespace(nsp);
            lock (_gate)
            {
                if (!TryGetSocketLocked(nsp, out var socket))
                {
                    socket = new NamespaceSocket(this, nsp);
                    SetSocketLocked(socket);
                    _lastRoute = null;
                }
                return socket;
            }
        }

        /// <summary>A new socket for <paramref name="nsp"/> unless the namespace is in use here (joined, joining or
        /// reconnecting, or handed out and not connected yet): then socket.io-client uses a new manager.</summary>
        internal bool TryCreateSocket(string nsp, out NamespaceSocket socket)
        {
            ValidateNamespace(nsp);
            NamespaceSocket? existing;
            lock (_gate)
            {
                TryGetSocketLocked(nsp, out existing);
                if (_disposed) existing = null;
            }
            if (existing != null && (existing.State != ConnectionState.Disconnected || existing.IsFresh))
            {
                socket = null!;
                return false;
            }
            lock (_gate)
            {
                if (_disposed || (TryGetSocketLocked(nsp, out var current) && !ReferenceEquals(current, existing)))
                {
                    socket = null!;
                    return false;
                }
                socket = new NamespaceSocket(this, nsp);
                SetSocketLocked(socket);
                _lastRoute = null;
                return true;
            }
        }

        /// <summary>No namespace is in use and no reconnection runs: a cache may replace this manager.</summary>
        internal bool IsIdle
        {
            get
            {
                lock (_gate)
                {
                    if (_disposed) return true;
                    if (_loopRunning) return false;
                }
                return SocketsSnapshot().All(s => s.State == ConnectionState.Disconnected && !s.IsFresh);
            }
        }

        /// <summary>A socket (re)claims its namespace slot when it connects. Never called under a socket's lock.</summary>
        internal void Attach(NamespaceSocket socket)
        {
            lock (_gate)
            {
                if (_disposed) throw new ObjectDisposedException(nameof(SocketIoManager), "The manager was disposed.");
                if (TryGetSocketLocked(socket.Namespace, out var current) && !ReferenceEquals(current, socket))
                {
                    // Only a socket that is closed for good gives its place up. Reading its state takes its lock, which
                    // is safe here: no socket holds its own lock while it waits for the manager's.
                    if (current.State != ConnectionState.Disconnected)
                        throw new InvalidOperationException($"Namespace '{socket.Namespace}' is already in use on this manager.");
                }
                SetSocketLocked(socket);
                _lastRoute = null;
            }
        }

        /// <summary>A namespace left; once none is in use the reconnection stops and the session closes, as
        /// socket.io-client's manager does.</summary>
        internal async Task OnSocketLeftAsync()
        {
            if (SocketsSnapshot().Any(s => s.State != ConnectionState.Disconnected)) return;
            lock (_gate)
            {
                // First: a reconnect attempt may hold the open lock for up to the connect timeout.
                _loopCancel?.Cancel();
                _loopAgainReason = null;
            }
            await _openLock.WaitAsync().ConfigureAwait(false);
            try
            {
                if (SocketsSnapshot().Any(s => s.State != ConnectionState.Disconnected)) return;
                var session = Volatile.Read(ref _session);
                if (session != null && session.Engine.IsOpen) await session.Engine.CloseAsync().ConfigureAwait(false);
            }
            finally
            {
                _openLock.Release();
            }
        }

        /// <summary><see cref="OnSocketLeftAsync"/> from a place that must not wait (the receive loop, the open lock).</summary>
        internal void SocketLeftInBackground() =>
            _ = Task.Run(async () =>
            {
                try { await OnSocketLeftAsync().ConfigureAwait(false); }
                catch (Exception e) { Report(e); }
            });

        private List<NamespaceSocket> SocketsSnapshot()
        {
            lock (_gate) return new List<NamespaceSocket>(_sockets);
        }

        /// <summary>The socket holding <paramref name="nsp"/>'s slot. Under <see cref="_gate"/>.</summary>
        private bool TryGetSocketLocked(string nsp, out NamespaceSocket socket)
        {
            int index = IndexOfSocketLocked(nsp);
            socket = index >= 0 ? _sockets[index] : null!;
            return index >= 0;
        }

        /// <summary>Gives <paramref name="socket"/> its namespace's slot (replacing the holder, in place). Under <see cref="_gate"/>.</summary>
        private void SetSocketLocked(NamespaceSocket socket)
        {
            int index = IndexOfSocketLocked(socket.Namespace);
            if (index >= 0) _sockets[index] = socket;
            else _sockets.Add(socket);
        }

        private int IndexOfSocketLocked(string nsp)
        {
            for (int i = 0; i < _sockets.Count; i++)
                if (string.Equals(_sockets[i].Namespace, nsp, StringComparison.Ordinal)) return i;
            return -1;
        }

        private static void ValidateNamespace(string nsp)
        {
            if (string.IsNullOrEmpty(nsp) || nsp[0] != '/' || nsp.IndexOf(',') >= 0)
                throw new ArgumentException($"'{nsp}' is not a namespace: it must start with '/' and contain no ','.", nameof(nsp));
        }
    }
}
