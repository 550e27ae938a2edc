#!/usr/bin/env node
// Socket.IO v4 server for the fault soak (bench/soak). Same process rules as tests/servers/socketio-server.js:
// listens on 127.0.0.1 only, prints exactly one line "READY <port>" on stdout, exits when its stdin ends or closes
// (unless --ignore-stdin) and on SIGTERM/SIGINT; errors go to stderr.
//
// Usage: node soak-server.js [--port N] [--ping-interval ms] [--ping-timeout ms] [--gen G] [--log FILE]
//                            [--tick-rate N] [--transports websocket,polling] [--ignore-stdin]
//
// What it keeps survives SIGKILL: every line goes to --log with a synchronous write(2) *before* the server acks or
// emits anything else, so the kernel has it even if the process is killed the next instant.
//   R <gen> <k> <transport>   the client event `s` (k) arrived (every arrival: duplicates show as repeated lines)
//   J <gen> <socketId>        a socket joined "/"
//   E <gen> <i> <sockets>     the server stream: tick i was broadcast to <sockets> connected sockets
//   L <gen> <socketId> <why>  a socket left
//
// Events (client -> server):
//   s (k[, ack])                    log "R", ack true if asked
//   flush (ack)                     ack {gen, received}: sent after the last `s`, so every earlier `s` is logged by then
//   ticks-stop (ack)                stop the server stream; ack {gen, last}: the last tick index emitted (-1: none)
//   stream (rate, seconds, name[, ack])  emit `name` {i} to this socket at `rate` events/s for `seconds`, then
//                                   `stream-end` {sent}; ack {started:true}. Paced per 10 ms slice, no catch-up burst
//   stream-stop ([ack])             stop this socket's stream; ack {sent}
//   stats (ack)                     ack {gen, received, lastTick, sockets, rssMB}
'use strict';

const http = require('http');
const fs = require('fs');
const path = require('path');
// The server's socket.io comes from tests/servers/node_modules (pinned 4.8.4).
const { Server } = require(path.join(__dirname, '..', '..', 'tests', 'servers', 'node_modules', 'socket.io'));

function usage(message) {
  process.stderr.write(`soak-server: ${message}\n`);
  process.exit(2);
}

const opts = { port: 0, pingInterval: 25000, pingTimeout: 20000, gen: 0, log: null, tickRate: 0, transports: ['websocket', 'polling'], ignoreStdin: false };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  let arg = argv[i];
  let value;
  const eq = arg.indexOf('=');
  if (arg.startsWith('--') && eq > 0) { value = arg.slice(eq + 1); arg = arg.slice(0, eq); }
  const next = () => (value !== undefined ? value : argv[++i]);
  const int = () => { const v = next(); if (!/^\d+$/.test(String(v))) usage(`${arg} needs a non-negative integer, got ${v}`); return Number(v); };
  switch (arg) {
    case '--port': opts.port = int(); break;
    case '--ping-interval': opts.pingInterval = int(); break;
    case '--ping-timeout': opts.pingTimeout = int(); break;
    case '--gen': opts.gen = int(); break;
    case '--tick-rate': opts.tickRate = int(); break;
    case '--log': opts.log = String(next()); break;
    case '--ignore-stdin': opts.ignoreStdin = true; break;
    case '--transports': {
      const list = String(next() || '').split(',').map((s) => s.trim()).filter(Boolean);
      if (list.length === 0 || list.some((t) => t !== 'websocket' && t !== 'polling')) usage(`bad --transports ${list}`);
      opts.transports = list;
      break;
    }
    default: usage(`unknown argument ${argv[i]}`);
  }
}

const logFd = opts.log ? fs.openSync(opts.log, 'a') : null;
function log(line) {
  if (logFd !== null) fs.writeSync(logFd, line + '\n');
}

const httpServer = http.createServer((req, res) => {
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('not found');
});
const io = new Server(httpServer, {
  path: '/socket.io',
  pingInterval: opts.pingInterval,
  pingTimeout: opts.pingTimeout,
  transports: opts.transports,
  maxHttpBufferSize: 1e6,
});

let received = 0;
let tick = 0;
let lastTick = -1;
let tickTimer = null;

// The server stream: `tick` (gen, i) to every connected socket at --tick-rate per second, paced on a 10 ms clock
// (the number due so far minus the number sent, so timer jitter does not change the rate).
if (opts.tickRate > 0) {
  const started = process.hrtime.bigint();
  tickTimer = setInterval(() => {
    const due = Math.floor((Number(process.hrtime.bigint() - started) / 1e9) * opts.tickRate);
    while (tick < due) {
      const sockets = io.of('/').sockets.size;
      if (sockets > 0) {
        log(`E ${opts.gen} ${tick} ${sockets}`);
        io.emit('tick', opts.gen, tick);
        lastTick = tick;
      }
      tick++;
    }
  }, 10);
}

io.on('connection', (socket) => {
  log(`J ${opts.gen} ${socket.id}`);
  let stream = null;
  let streamSent = 0;
  const stopStream = () => { if (stream) { clearInterval(stream); stream = null; } };
  socket.on('disconnect', (reason) => { stopStream(); log(`L ${opts.gen} ${socket.id} ${String(reason).replace(/\s+/g, '_')}`); });

  socket.on('s', (k, ack) => {
    received++;
    log(`R ${opts.gen} ${k} ${socket.conn.transport.name}`);
    if (typeof ack === 'function') ack(true);
  });
  socket.on('flush', (ack) => { if (typeof ack === 'function') ack({ gen: opts.gen, received }); });
  socket.on('ticks-stop', (ack) => {
    if (tickTimer) { clearInterval(tickTimer); tickTimer = null; }
    if (typeof ack === 'function') ack({ gen: opts.gen, last: lastTick });
  });
  socket.on('stats', (ack) => {
    if (typeof ack === 'function') ack({ gen: opts.gen, received, lastTick, sockets: io.of('/').sockets.size, rssMB: process.memoryUsage().rss / 1048576 });
  });
  socket.on('stream', (rate, seconds, name, ack) => {
    stopStream();
    const eventName = String(name || 'ev');
    const perSecond = Number(rate) || 1000;
    const durationMs = (Number(seconds) || 10) * 1000;
    const started = Date.now();
    streamSent = 0;
    stream = setInterval(() => {
      const elapsed = Date.now() - started;
      const due = Math.floor((Math.min(elapsed, durationMs) / 1000) * perSecond);
      // At most 2 slices' worth per turn: a stalled loop does not turn into a burst.
      let budget = Math.max(1, Math.ceil(perSecond / 50));
      while (streamSent < due && budget-- > 0) socket.emit(eventName, { i: streamSent++ });
      if (elapsed >= durationMs) { stopStream(); socket.emit('stream-end', { sent: streamSent }); }
    }, 10);
    if (typeof ack === 'function') ack({ started: true });
  });
  socket.on('stream-stop', (ack) => { stopStream(); if (typeof ack === 'function') ack({ sent: streamSent }); });
});

httpServer.on('error', (err) => {
  process.stderr.write(`soak-server: ${err.stack || err}\n`);
  process.exit(1);
});
const exitNow = () => process.exit(0);
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
httpServer.listen(opts.port, '127.0.0.1', () => process.stdout.write(`READY ${httpServer.address().port}\n`));
