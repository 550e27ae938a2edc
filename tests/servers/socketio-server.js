#!/usr/bin/env node
// Socket.IO v4 (protocol v5) test server for the SocketIo PowerShell module tests.
//
// Usage: node socketio-server.js [--port N] [--ping-interval ms] [--ping-timeout ms]
//                                [--max-payload bytes] [--recovery]
//                                [--transports websocket,polling] [--ignore-stdin]
//                                [--parser default|msgpack]
//                                [--tls-cert pem --tls-key pem [--tls-client-ca pem]]
//                                [--set-cookie] [--record-requests]
//
// Prints exactly one line "READY <port>" on stdout once it listens on 127.0.0.1.
// Exits when its stdin ends or closes (so a dying test process never leaves it
// behind), and on SIGTERM / SIGINT. See README.md for the events it answers.
'use strict';

const http = require('http');
const https = require('https');
const fs = require('fs');
const crypto = require('crypto');
const { Server } = require('socket.io');

function usage(message) {
  process.stderr.write(`socketio-server: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = {
    port: 0,
    pingInterval: 25000,
    pingTimeout: 20000,
    maxPayload: 1000000,
    recovery: false,
    transports: ['websocket', 'polling'],
    ignoreStdin: false,
    parser: 'default',
    tlsCert: null,
    tlsKey: null,
    tlsClientCa: null,
    setCookie: false,
    recordRequests: false,
  };
  const pathArg = (name, value) => {
    if (value === undefined || value === '' || !fs.existsSync(value)) usage(`${name} needs the path of an existing PEM file, got ${value}`);
    return value;
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
      case '--recovery': opts.recovery = true; break;
      case '--ignore-stdin': opts.ignoreStdin = true; break;
      case '--parser': {
        const v = next();
        if (v !== 'default' && v !== 'msgpack') usage(`--parser takes default or msgpack, got ${v}`);
        opts.parser = v;
        break;
      }
      case '--tls-cert': opts.tlsCert = pathArg(arg, next()); break;
      case '--tls-key': opts.tlsKey = pathArg(arg, next()); break;
      case '--tls-client-ca': opts.tlsClientCa = pathArg(arg, next()); break;
      case '--set-cookie': opts.setCookie = true; break;
      case '--record-requests': opts.recordRequests = true; break;
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
  if ((opts.tlsCert === null) !== (opts.tlsKey === null)) usage('--tls-cert and --tls-key go together');
  if (opts.tlsClientCa !== null && opts.tlsCert === null) usage('--tls-client-ca needs --tls-cert and --tls-key');
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const SOCKET_IO_PATH = '/socket.io';

function exitNow() {
  process.exit(0);
}

// The request handler given to createServer() is kept by engine.io's attach()
// and called only for requests outside the socket.io path.
let io;
// With --tls-cert/--tls-key the same server speaks https (and wss); --tls-client-ca asks for a client certificate.
function tlsServerOptions() {
  const tls = { cert: fs.readFileSync(opts.tlsCert), key: fs.readFileSync(opts.tlsKey) };
  if (opts.tlsClientCa) Object.assign(tls, { ca: fs.readFileSync(opts.tlsClientCa), requestCert: true, rejectUnauthorized: false });
  return tls;
}
const createServer = opts.tlsCert ? (handler) => https.createServer(tlsServerOptions(), handler) : http.createServer;
const httpServer = createServer((req, res) => {
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

const serverOptions = {
  path: SOCKET_IO_PATH,
  pingInterval: opts.pingInterval,
  pingTimeout: opts.pingTimeout,
  maxHttpBufferSize: opts.maxPayload,
  transports: opts.transports,
};
if (opts.recovery) {
  serverOptions.connectionStateRecovery = {
    maxDisconnectionDuration: 120000,
    skipMiddlewares: true,
  };
}
if (opts.parser === 'msgpack') serverOptions.parser = require('socket.io-msgpack-parser');
io = new Server(httpServer, serverOptions);

// Query `delayUpgrade=<ms>` (sent on every request by a client that has it in its query) holds the WebSocket
// request of an existing session (the upgrade probe) that long, so a test can act before the upgrade happens;
// `failUpgrade=1` refuses that request (HTTP 400), so the probe fails and the session stays on polling.
io.engine.use((req, res, next) => {
  const query = req._query || {};
  const probe = query.transport === 'websocket' && query.sid;
  const delay = Number(query.delayUpgrade);
  if (probe && query.failUpgrade) next(new Error('upgrade refused by the test server'));
  else if (probe && delay > 0) setTimeout(next, Math.min(delay, 10000));
  else next();
});

// --set-cookie: the handshake response (polling GET or WebSocket) sets `io-test=<random>; Path=/`.
if (opts.setCookie) {
  io.engine.on('initial_headers', (headers) => {
    headers['Set-Cookie'] = [`io-test=${crypto.randomBytes(6).toString('hex')}; Path=/; HttpOnly`];
  });
}

// --record-requests: every request of a session after the handshake (polling GET/POST, the upgrade's WebSocket)
// is remembered with its method, transport, Cookie, User-Agent and query; the `requests` event acks the list.
const requestLog = new Map();
if (opts.recordRequests) {
  io.engine.on('headers', (headers, req) => {
    const query = req._query || {};
    if (!query.sid) return;
    let list = requestLog.get(query.sid);
    if (!list) requestLog.set(query.sid, (list = []));
    if (list.length < 2000) {
      list.push({
        method: req.method,
        transport: query.transport,
        cookie: req.headers.cookie || null,
        userAgent: req.headers['user-agent'] || null,
        contentType: req.headers['content-type'] || null,
        contentLength: req.headers['content-length'] !== undefined ? Number(req.headers['content-length']) : null,
        query: { ...query },
      });
    }
  });
}

// TLS details of the connection that made the handshake (the `tls-info` event).
io.engine.on('connection', (conn) => {
  const tlsSocket = conn.request && conn.request.socket;
  conn.tlsInfo = { encrypted: !!(tlsSocket && tlsSocket.encrypted), clientCertificate: null };
  if (conn.tlsInfo.encrypted && typeof tlsSocket.getPeerCertificate === 'function') {
    const peer = tlsSocket.getPeerCertificate();
    if (peer && peer.subject) conn.tlsInfo.clientCertificate = { subject: peer.subject.CN || null, authorized: tlsSocket.authorized === true };
  }
  conn.once('close', () => requestLog.delete(conn.id));
});

// Splits a handler's arguments into (args, ack): ack is the last argument if it is a function.
function splitAck(args) {
  if (args.length > 0 && typeof args[args.length - 1] === 'function') {
    return [args.slice(0, -1), args[args.length - 1]];
  }
  return [args, undefined];
}

const TYPES_SAMPLE = {
  int: 42,
  big: 9007199254740991,
  neg: -5,
  float: 1.5,
  whole: 2.0,
  str: 'text',
  t: true,
  f: false,
  nil: null,
  arr: [1, 'a', null],
  nested: { a: { b: [1, 2] } },
  unicode: 'café €',
};

// 'record' / 'recorded': key -> values in arrival order.
const records = new Map();

// Event handlers shared by every namespace.
function registerHandlers(socket) {
  const scenario = socket.handshake.auth.scenario || socket.handshake.query.scenario;
  if (scenario === 'welcome') {
    socket.emit('welcome', { message: 'hello', id: socket.id });
  }
  if (scenario === 'upgrade-burst') {
    // `count` events `burst` {i, transport}: a third at once, a third when the upgrade probe arrives
    // ("upgrading": between 3probe and the client's 5), the rest once upgraded.
    const total = Number(socket.handshake.auth.count || socket.handshake.query.count) || 200;
    let i = 0;
    const emitUpTo = (n) => {
      while (i < Math.min(n, total)) socket.emit('burst', { i: i++, transport: socket.conn.transport.name });
    };
    emitUpTo(Math.floor(total / 3));
    if (socket.conn.upgraded) {
      emitUpTo(total);
    } else {
      socket.conn.once('upgrading', () => emitUpTo(Math.floor((2 * total) / 3)));
      socket.conn.once('upgrade', () => emitUpTo(total));
    }
  }

  socket.on('echo', (...raw) => {
    const [args, ack] = splitAck(raw);
    socket.emit('echo', ...args);
    if (ack) ack(...args);
  });

  socket.on('echo-ack', (...raw) => {
    const [args, ack] = splitAck(raw);
    if (ack) ack(...args);
  });

  socket.on('no-ack', () => {
    // deliberately never calls the ack
  });

  socket.on('ask', (...raw) => {
    const [args] = splitAck(raw);
    const [eventName, ...rest] = args;
    socket.emit(String(eventName), ...rest, (...reply) => socket.emit('answer', ...reply));
  });

  socket.on('kick', () => {
    socket.disconnect();
  });

  socket.on('close-transport', () => {
    socket.conn.close();
  });

  // Emits later to this socket, even if it is disconnected by then: with --recovery the packet is kept for the
  // session and replayed when the client recovers it.
  socket.on('emit-later', (...raw) => {
    const [args] = splitAck(raw);
    const [delay, eventName, ...rest] = args;
    setTimeout(() => socket.emit(String(eventName), ...rest), Number(delay) || 0);
  });

  // A process-wide log per key (survives reconnections, not restarts): what arrived, in arrival order.
  socket.on('record', (...raw) => {
    const [args, ack] = splitAck(raw);
    const key = String(args[0]);
    if (!records.has(key)) records.set(key, []);
    records.get(key).push(args.length > 1 ? args[1] : null);
    if (ack) ack(true);
  });

  socket.on('recorded', (...raw) => {
    const [args, ack] = splitAck(raw);
    if (ack) ack(records.get(String(args[0])) || []);
  });

  socket.on('burst', (...raw) => {
    const [args] = splitAck(raw);
    const n = Number(args[0]) || 0;
    const eventName = args.length > 1 && args[1] != null ? String(args[1]) : 'burst';
    for (let i = 0; i < n; i++) socket.emit(eventName, { i });
  });

  socket.on('binary', () => {
    socket.emit('binary', Buffer.from([1, 2, 3, 4]), { name: 'x', blob: Buffer.from([5, 6]) });
  });

  socket.on('handshake', (...raw) => {
    const [, ack] = splitAck(raw);
    if (ack) {
      ack({ auth: socket.handshake.auth, query: socket.handshake.query, headers: socket.handshake.headers });
    }
  });

  socket.on('types', (...raw) => {
    const [, ack] = splitAck(raw);
    if (ack) ack(TYPES_SAMPLE);
  });

  socket.on('seq', (...raw) => {
    const [args] = splitAck(raw);
    (socket.data.seq = socket.data.seq || []).push({ i: args[0], transport: socket.conn.transport.name });
  });

  socket.on('seq-report', (...raw) => {
    const [, ack] = splitAck(raw);
    if (ack) ack(socket.data.seq || []);
  });

  socket.on('engine-info', (...raw) => {
    const [, ack] = splitAck(raw);
    if (ack) ack({ transport: socket.conn.transport.name, upgraded: socket.conn.upgraded === true, protocol: socket.conn.protocol });
  });

  socket.on('requests', (...raw) => {
    const [, ack] = splitAck(raw);
    if (ack) ack(requestLog.get(socket.conn.id) || []);
  });

  socket.on('tls-info', (...raw) => {
    const [, ack] = splitAck(raw);
    if (ack) ack(socket.conn.tlsInfo || { encrypted: false, clientCertificate: null });
  });
}

// Main namespace "/"
io.use((socket, next) => {
  if (socket.handshake.auth && socket.handshake.auth.token === 'bad') {
    const e = new Error('auth rejected');
    e.data = { reason: 'bad token' };
    return next(e);
  }
  next();
});
io.on('connection', registerHandlers);

// Namespace "/admin"
const admin = io.of('/admin');
admin.use((socket, next) => {
  if (socket.handshake.auth && socket.handshake.auth.token === 'secret') return next();
  next(Object.assign(new Error('not authorized'), { data: { code: 401 } }));
});
admin.on('connection', registerHandlers);

httpServer.on('error', (err) => {
  process.stderr.write(`socketio-server: ${err.stack || err}\n`);
  process.exit(1);
});

process.stdout.on('error', () => {}); // parent gone: ignore EPIPE, stdin watch ends us
process.on('SIGTERM', exitNow);
process.on('SIGINT', exitNow);

if (!opts.ignoreStdin) {
  process.stdin.on('end', exitNow);
  process.stdin.on('close', exitNow);
  process.stdin.on('error', exitNow);
  process.stdin.on('data', () => {}); // discard anything written
  process.stdin.resume();
}

httpServer.listen(opts.port, '127.0.0.1', () => {
  process.stdout.write(`READY ${httpServer.address().port}\n`);
});
