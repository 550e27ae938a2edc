#!/usr/bin/env node
// The reference peer: node socket.io-client 4.8.4 (from tests/servers/node_modules) running one benchmark
// scenario against tests/servers/bench-server.js, then printing one line "RESULT {json}" on stdout.
//
// Usage: node --expose-gc node-client.js --url http://127.0.0.1:PORT --scenario flood|ack|sink|binary|connect|many
//            [--transport websocket|polling] [--n N] [--warmup N] [--size BYTES] [--rate EV_PER_S] [--parallel N] [--idle-ms MS]
//
// Measurements (same definitions as CoreDriver and pwsh-client.ps1):
//   seconds/rate  the measured phase only (after a warm-up pass on its own connection)
//   cpuSeconds    process.cpuUsage() user+system over the measured phase
//   p50/p99       flood/binary: one-way send->handler latency in ms; ack: round trip; connect: time to 'connect'
//   peakRssMB     VmHWM of this process; threads: Threads from /proc/self/status at the end of the phase
'use strict';

const fs = require('fs');
const path = require('path');
const { io } = require(path.join(__dirname, '..', 'tests', 'servers', 'node_modules', 'socket.io-client'));

function parseArgs(argv) {
  const o = { transport: 'websocket', n: 1000, warmup: 100, size: 0, rate: 0, parallel: 50, idleMs: 2000, timeoutSec: 300 };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    const value = argv[++i];
    switch (key) {
      case 'url': o.url = value; break;
      case 'scenario': o.scenario = value; break;
      case 'transport': o.transport = value; break;
      case 'n': o.n = Number(value); break;
      case 'warmup': o.warmup = Number(value); break;
      case 'size': o.size = Number(value); break;
      case 'rate': o.rate = Number(value); break;
      case 'parallel': o.parallel = Number(value); break;
      case 'idle-ms': o.idleMs = Number(value); break;
      case 'timeout-sec': o.timeoutSec = Number(value); break;
      default: throw new Error(`unknown argument --${key}`);
    }
  }
  if (!o.url || !o.scenario) throw new Error('--url and --scenario are required');
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const now = () => Number(process.hrtime.bigint()) / 1e6; // CLOCK_MONOTONIC, ms

function procStatus() {
  const text = fs.readFileSync('/proc/self/status', 'utf8');
  const get = (name) => {
    const m = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text);
    return m ? Number(m[1]) : null;
  };
  return { hwmKB: get('VmHWM'), rssKB: get('VmRSS'), threads: get('Threads') };
}

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

function latencyStats(values) {
  const sorted = Float64Array.from(values).sort();
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

function withTimeout(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), opts.timeoutSec * 1000);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function connect(query) {
  return new Promise((resolve, reject) => {
    const socket = io(opts.url, {
      forceNew: true,
      reconnection: false,
      transports: [opts.transport],
      upgrade: false,
      query,
    });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => reject(err));
  });
}

function emitWithAck(socket, ...args) {
  return new Promise((resolve) => socket.emit(...args, (...reply) => resolve(reply)));
}

// offset = server clock - client clock, from the round trip with the smallest RTT. When the offset is within
// that RTT the two clocks are one (both read CLOCK_MONOTONIC on Linux) and 0 is used.
async function syncClock(socket) {
  let best = null;
  for (let k = 0; k < 7; k++) {
    const c0 = now();
    const [s] = await emitWithAck(socket, 'clock');
    const c1 = now();
    const rtt = c1 - c0;
    if (!best || rtt < best.rtt) best = { rtt, offset: s - (c0 + c1) / 2 };
  }
  const shared = Math.abs(best.offset) <= best.rtt;
  return { offset: shared ? 0 : best.offset, measured: best.offset, shared };
}

// ~size-byte packets 42["s",{"i":12345,"p":"xxx..."}], the same padding in every client.
function padding(size) {
  return 'x'.repeat(Math.max(0, size - '42["s",{"i":,"p":""}]'.length - 5));
}

const result = {
  client: 'node',
  scenario: opts.scenario,
  transport: opts.transport,
  status: 'ok',
  n: opts.n,
};

function finishPhase(start, cpu0, count) {
  const seconds = (now() - start) / 1000;
  const status = procStatus();
  result.count = count;
  result.seconds = seconds;
  result.cpuSeconds = cpuSeconds() - cpu0;
  result.threads = status.threads;
  result.rssMB = status.rssKB / 1024;
}

async function flood(n, measure) {
  const socket = await connect({ scenario: 'flood', n, size: opts.size || 64, rate: opts.rate });
  const clock = await syncClock(socket);
  const latencies = new Float64Array(n);
  let count = 0;
  const done = new Promise((resolve) => {
    socket.on('e', (d) => {
      latencies[count] = now() + clock.offset - d.t;
      if (++count === n) resolve();
    });
  });
  const cpu0 = cpuSeconds();
  const start = now();
  socket.emit('start');
  await withTimeout(done, `flood: ${count} of ${n} events`);
  if (measure) {
    finishPhase(start, cpu0, count);
    result.rate = count / result.seconds;
    result.unit = 'ev/s';
    Object.assign(result, latencyStats(latencies));
    result.clockOffsetMs = clock.measured;
    result.sharedClock = clock.shared;
  }
  socket.disconnect();
}

async function binary(n, measure) {
  const size = opts.size || 1 << 20;
  const socket = await connect({ scenario: 'binary', n, size });
  const clock = await syncClock(socket);
  const latencies = new Float64Array(n);
  let count = 0;
  let bytes = 0;
  const done = new Promise((resolve) => {
    socket.on('b', (buffer, meta) => {
      latencies[count] = now() + clock.offset - meta.t;
      bytes += buffer.length;
      if (++count === n) resolve();
    });
  });
  const cpu0 = cpuSeconds();
  const start = now();
  socket.emit('start');
  await withTimeout(done, `binary: ${count} of ${n} events`);
  if (measure) {
    finishPhase(start, cpu0, count);
    result.bytes = bytes;
    result.rate = bytes / 1e6 / result.seconds;
    result.unit = 'MB/s';
    Object.assign(result, latencyStats(latencies));
  }
  socket.disconnect();
}

async function ack(n, measure) {
  const socket = await connect({ scenario: 'ack' });
  const latencies = new Float64Array(n);
  const pad = padding(opts.size || 64);
  const cpu0 = cpuSeconds();
  const start = now();
  for (let i = 0; i < n; i++) {
    const t0 = now();
    await emitWithAck(socket, 'a', { i, p: pad });
    latencies[i] = now() - t0;
  }
  if (measure) {
    finishPhase(start, cpu0, n);
    result.rate = n / result.seconds;
    result.unit = 'ev/s';
    Object.assign(result, latencyStats(latencies));
  }
  socket.disconnect();
}

async function sink(n, measure) {
  const socket = await connect({ scenario: 'sink' });
  const pad = padding(opts.size || 64);
  const cpu0 = cpuSeconds();
  const start = now();
  for (let i = 0; i < n; i++) socket.emit('s', { i, p: pad });
  const [received] = await withTimeout(emitWithAck(socket, 'flush'), 'sink flush');
  if (measure) {
    finishPhase(start, cpu0, received);
    result.rate = n / result.seconds;
    result.unit = 'ev/s';
    result.lost = n - received;
  }
  socket.disconnect();
}

async function connectLoop(n, measure) {
  const latencies = new Float64Array(n);
  const cpu0 = cpuSeconds();
  const start = now();
  for (let i = 0; i < n; i++) {
    const t0 = now();
    const socket = await connect({ scenario: 'connect' });
    latencies[i] = now() - t0;
    socket.disconnect();
  }
  if (measure) {
    finishPhase(start, cpu0, n);
    result.rate = n / result.seconds;
    result.unit = 'conn/s';
    Object.assign(result, latencyStats(latencies));
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function collect() {
  if (global.gc) { global.gc(); global.gc(); }
}

async function many(n) {
  // Warm-up: one connection, so the code paths are loaded before the baseline is taken.
  const first = await connect({ scenario: 'many' });
  first.disconnect();
  await sleep(200);
  collect();
  const before = procStatus();
  const cpu0 = cpuSeconds();
  const start = now();
  const sockets = [];
  for (let i = 0; i < n; i += opts.parallel) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + opts.parallel); j++) batch.push(connect({ scenario: 'many' }));
    sockets.push(...(await withTimeout(Promise.all(batch), `many: ${sockets.length} of ${n} connected`)));
  }
  const connectSeconds = (now() - start) / 1000;
  await sleep(opts.idleMs);
  collect();
  finishPhase(start, cpu0, sockets.length);
  const after = procStatus();
  result.connectSeconds = connectSeconds;
  result.rate = n / connectSeconds;
  result.unit = 'conn/s';
  result.memPerConnKB = (after.rssKB - before.rssKB) / n;
  result.connected = sockets.filter((s) => s.connected).length;
  for (const s of sockets) s.disconnect();
}

async function main() {
  const warm = Math.max(1, opts.warmup);
  switch (opts.scenario) {
    case 'flood': await flood(warm, false); await flood(opts.n, true); break;
    case 'binary': await binary(warm, false); await binary(opts.n, true); break;
    case 'ack': await ack(warm, false); await ack(opts.n, true); break;
    case 'sink': await sink(warm, false); await sink(opts.n, true); break;
    case 'connect': await connectLoop(warm, false); await connectLoop(opts.n, true); break;
    case 'many': await many(opts.n); break;
    default: throw new Error(`unknown scenario ${opts.scenario}`);
  }
  result.peakRssMB = procStatus().hwmKB / 1024;
}

main().then(
  () => {
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
    process.exit(0);
  },
  (err) => {
    result.status = 'error';
    result.note = String(err && err.message ? err.message : err);
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
    process.exit(1);
  },
);
