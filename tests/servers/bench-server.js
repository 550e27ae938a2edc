#!/usr/bin/env node
// Socket.IO v4 (protocol v5) benchmark server for bench/Invoke-Benchmark.ps1.
//
// Usage: node bench-server.js [--port N] [--ping-interval ms] [--ping-timeout ms]
//                             [--max-payload bytes] [--transports websocket,polling]
//                             [--batch N] [--ignore-stdin]
//
// Same process rules as socketio-server.js: listens on 127.0.0.1 only, prints exactly one line
// "READY <port>" on stdout and nothing else, exits when its stdin ends or closes, and on
// SIGTERM / SIGINT. An unknown argument exits with code 2.
//
// The scenario is chosen per connection: auth.scenario, else the `scenario` query parameter.
// Its parameters come the same way (auth first, then query): n, size.
//
//   flood   client emits `start`; the server emits n events `e` with {i, t, p} (~size bytes per
//           packet, default 64) as fast as the connection takes them; with `rate` > 0, paced at that
//           many events per second instead (due events are sent on a 1 ms timer), for latency at a
//           load every client keeps up with. After the last one: `done` with {n}.
//   ack     `a` with an ack: acked at once with the same arguments.
//   sink    `s`: counted; `flush` with an ack: acked with the count since the last flush.
//   binary  client emits `start`; the server emits n events `b` with (Buffer(size), {i, t}),
//           size default 1 MiB (one buffer, reused); then `done` with {n}.
//   connect nothing (the client connects and disconnects).
//   many    nothing (idle connections).
//
// Every connection also answers `clock` (with an ack): acked with the server's clock, in ms.
//
// The clock (`t` above and the `clock` ack) is process.hrtime() in milliseconds with a fraction:
// CLOCK_MONOTONIC on Linux, the same clock .NET's Stopwatch.GetTimestamp() reads, so a client on
// this machine can subtract directly; clients still estimate the offset with `clock` round trips.
//
// Sending "as fast as the connection takes them" means: emit `--batch` events (default 100), then
// yield to the event loop; while engine.io's write buffer or the WebSocket's bufferedAmount is above
// a high-water mark, wait for the connection's `drain`. So the server never builds a queue of its
// own larger than that mark, and `t` is stamped when the event is handed to engine.io, not long
// before it can be written.
'use strict';

const http = require('http');
const { Server } = require('socket.io');

function usage(message) {
  process.stderr.write(`bench-server: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = {
    port: 0,
    pingInterval: 25000,
    pingTimeout: 20000,
    maxPayload: 1000000,
    transports: ['websocket', 'polling'],
    batch: 100,
    ignoreStdin: false,
  };
  const intArg = (name, value) => {
    if (value === undefined || !/^\d+$/.test(value)) usage(`${name} needs a non-negative integer, got ${value}`);
    return Number(value);
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const next = () => (value !== undefined ? value : argv[++i]);
    switch (arg) {
      case '--port': opts.port = intArg(arg, next()); break;
      case '--ping-interval': opts.pingInterval = intArg(arg, next()); break;
      case '--ping-timeout': opts.pingTimeout = intArg(arg, next()); break;
      case '--max-payload': opts.maxPayload = intArg(arg, next()); break;
      case '--batch': opts.batch = Math.max(1, intArg(arg, next())); break;
      case '--ignore-stdin': opts.ignoreStdin = true; break;
      case '--transports': {
        const v = next();
        const list = String(v || '').split(',').map((s) => s.trim()).filter(Boolean);
        if (list.length === 0 || list.some((t) => t !== 'websocket' && t !== 'polling')) {
          usage(`--transports takes a comma-separated list of websocket,polling, got ${v}`);
        }
        opts.transports = list;
        break;
      }
      default: usage(`unknown argument ${argv[i]}`);
    }
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const SCENARIOS = new Set(['flood', 'ack', 'sink', 'binary', 'connect', 'many']);
const HIGH_PACKETS = 200; // engine.io write buffer (packets not yet handed to the transport)
const HIGH_BYTES = 64 * 1024; // the WebSocket's bufferedAmount (handed to ws, not yet to the kernel)

const now = () => Number(process.hrtime.bigint()) / 1e6;

function exitNow() {
  process.exit(0);
}

let io;
const httpServer = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (req.method === 'GET' && url.pathname === '/stats') {
    let sockets = 0;
    for (const nsp of io._nsps.values()) sockets += nsp.sockets.size;
    const body = JSON.stringify({ engineConnections: io.engine.clientsCount, sockets });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('not found');
});

io = new Server(httpServer, {
  path: '/socket.io',
  pingInterval: opts.pingInterval,
  pingTimeout: opts.pingTimeout,
  maxHttpBufferSize: opts.maxPayload,
  transports: opts.transports,
});

function param(socket, name) {
  const auth = socket.handshake.auth || {};
  const value = auth[name] !== undefined ? auth[name] : socket.handshake.query[name];
  return value === undefined ? undefined : String(value);
}

function intParam(socket, name, fallback) {
  const v = param(socket, name);
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : fallback;
}

function congested(conn, highPackets, highBytes) {
  if (conn.writeBuffer.length > highPackets) return true;
  const ws = conn.transport && conn.transport.socket;
  return !!(ws && typeof ws.bufferedAmount === 'number' && ws.bufferedAmount > highBytes);
}

// Calls next() once the connection drained, or after a short fallback delay (a drain may never come for a
// congestion that was not ours, e.g. bufferedAmount), after which next() looks again.
function afterDrain(conn, next) {
  let done = false;
  const go = () => {
    if (done) return;
    done = true;
    conn.off('drain', go);
    clearTimeout(timer);
    next();
  };
  const timer = setTimeout(go, 20);
  conn.on('drain', go);
}

// Emits n events, at most `batch` per turn of the event loop, and none while the connection is congested.
function pump(socket, n, highPackets, highBytes, emitOne) {
  const conn = socket.conn;
  let i = 0;
  const step = () => {
    if (socket.disconnected) return;
    if (congested(conn, highPackets, highBytes)) {
      afterDrain(conn, step); // the fallback timer only looks again: nothing is sent while congested
      return;
    }
    const end = Math.min(i + opts.batch, n);
    while (i < end) {
      emitOne(i++);
      if (i < n && congested(conn, highPackets, highBytes)) {
        afterDrain(conn, step);
        return;
      }
    }
    if (i < n) setImmediate(step);
    else socket.emit('done', { n });
  };
  step();
}

// Emits n events at `rate` per second: on each 1 ms timer tick, the events due by then.
function paced(socket, n, rate, emitOne) {
  const start = now();
  let i = 0;
  const tick = () => {
    if (socket.disconnected) return;
    const due = Math.min(n, Math.floor(((now() - start) * rate) / 1000) + 1);
    for (; i < due; i++) emitOne(i);
    if (i < n) setTimeout(tick, 1);
    else socket.emit('done', { n });
  };
  tick();
}

// Padding so that a flood packet `42["e",{"i":...,"t":...,"p":"..."}]` is about `size` bytes.
function floodPadding(n, size) {
  const sample = `42["e",{"i":${Math.floor(n / 2)},"t":${now().toFixed(6)},"p":""}]`;
  return 'x'.repeat(Math.max(0, size - Buffer.byteLength(sample)));
}

function registerHandlers(socket) {
  const scenario = param(socket, 'scenario');

  socket.on('clock', (...args) => {
    const ack = args[args.length - 1];
    if (typeof ack === 'function') ack(now());
  });

  switch (scenario) {
    case 'flood': {
      const n = intParam(socket, 'n', 10000);
      const pad = floodPadding(n, intParam(socket, 'size', 64));
      const rate = intParam(socket, 'rate', 0);
      const emitOne = (i) => socket.emit('e', { i, t: now(), p: pad });
      socket.on('start', () => (rate > 0 ? paced(socket, n, rate, emitOne) : pump(socket, n, HIGH_PACKETS, HIGH_BYTES, emitOne)));
      break;
    }
    case 'binary': {
      const n = intParam(socket, 'n', 100);
      const buffer = Buffer.alloc(intParam(socket, 'size', 1 << 20), 7);
      // At most two events (text + attachment packets each) waiting in engine.io, two buffers' worth in ws.
      socket.on('start', () => pump(socket, n, 4, 2 * buffer.length, (i) => socket.emit('b', buffer, { i, t: now() })));
      break;
    }
    case 'ack':
      socket.on('a', (...args) => {
        const ack = args.pop();
        if (typeof ack === 'function') ack(...args);
      });
      break;
    case 'sink': {
      let count = 0;
      socket.on('s', () => { count++; });
      socket.on('flush', (...args) => {
        const ack = args[args.length - 1];
        const received = count;
        count = 0;
        if (typeof ack === 'function') ack(received);
      });
      break;
    }
    default:
      break; // connect, many: nothing to do
  }
}

io.use((socket, next) => {
  const scenario = param(socket, 'scenario');
  if (!SCENARIOS.has(scenario)) return next(new Error(`unknown scenario '${scenario}'`));
  next();
});
io.on('connection', registerHandlers);

httpServer.on('error', (err) => {
  process.stderr.write(`bench-server: ${err.stack || err}\n`);
  process.exit(1);
});

process.stdout.on('error', () => {});
process.on('SIGTERM', exitNow);
process.on('SIGINT', exitNow);

if (!opts.ignoreStdin) {
  process.stdin.on('end', exitNow);
  process.stdin.on('close', exitNow);
  process.stdin.on('error', exitNow);
  process.stdin.on('data', () => {});
  process.stdin.resume();
}

httpServer.listen(opts.port, '127.0.0.1', () => {
  process.stdout.write(`READY ${httpServer.address().port}\n`);
});
