using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using SocketIo.Core.EngineIo;

namespace SocketIo.Core.SocketIo
{
    /// <summary>
    /// socket.io-client's manager cache (its <c>io()</c> lookup): namespaces of the same server share one manager and
    /// so one Engine.IO session. The key is <c>scheme://host:port</c> plus the Engine.IO path (ws/wss count as
    /// http/https: the same endpoint), plus an optional discriminator the caller derives from the manager-level options
    /// it cares about (socket.io-client ignores later options; a caller may prefer not to share a session whose
    /// headers, query or reconnection settings differ). A new manager is used, and not cached, with forceNew or when the
    /// namespace is already in use on the cached one. A cached manager that is idle (nothing in use) is replaced.
    /// Thread-safe; holds no process-wide state (the PowerShell layer keeps one per runspace).
    /// </summary>
    public sealed class SocketIoManagerCache
    {
        private readonly Dictionary<string, SocketIoManager> _managers = new Dictionary<string, SocketIoManager>(StringComparer.Ordinal);

        /// <summary>Managers currently cached.</summary>
        public int Count
        {
            get { lock (_managers) return _managers.Count; }
        }

        /// <summary>A new, not yet connected namespace socket for <paramref name="nsp"/>, on a shared manager when possible.</summary>
        /// <param name="options">Used when a manager is created; a cached manager keeps its own.</param>
        public NamespaceSocket GetSocket(SocketIoClientOptions options, string nsp, bool forceNew = false, string? discriminator = null)
        {
            if (options == null) throw new ArgumentNullException(nameof(options));
            if (forceNew) return new SocketIoManager(options).Socket(nsp);
            var key = CacheKey(options.Engine) + "\n" + (discriminator ?? string.Empty);
            lock (_managers)
            {
                if (!_managers.TryGetValue(key, out var manager) || manager.IsIdle)
                {
                    manager = new SocketIoManager(options);
                    _managers[key] = manager;
                }
                if (manager.TryCreateSocket(nsp, out var socket)) return socket;
                // socket.io-client: the same namespace twice means a new connection, outside the cache.
                return new SocketIoManager(options).Socket(nsp);
            }
        }

        /// <summary>The managers in the cache (for diagnostics).</summary>
        public IReadOnlyList<SocketIoManager> Managers()
        {
            lock (_managers) return _managers.Values.ToList();
        }

        /// <summary>Forgets idle managers (those still in use stay).</summary>
        public void Prune()
        {
            lock (_managers)
            {
                foreach (var key in _managers.Where(pair => pair.Value.IsIdle).Select(pair => pair.Key).ToList()) _managers.Remove(key);
            }
        }

        /// <summary>§3.1: scheme://host:port + Engine.IO path.</summary>
        public static string CacheKey(EngineOptions engine)
        {
            var uri = engine.ServerUri;
            var scheme = uri.Scheme.ToLowerInvariant();
            if (scheme == "ws") scheme = "http";
            else if (scheme == "wss") scheme = "https";
            var path = string.IsNullOrEmpty(engine.Path) ? "/" : engine.Path;
            if (path[0] != '/') path = "/" + path;
            if (!path.EndsWith("/", StringComparison.Ordinal)) path += "/";
            return string.Format(CultureInfo.InvariantCulture, "{0}://{1}:{2}{3}", scheme, uri.IdnHost.ToLowerInvariant(), uri.Port, path);
        }
    }
}
