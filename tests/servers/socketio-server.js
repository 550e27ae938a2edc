#!/usr/bin/env node
// Socket.IO v4 (protocol v5) test server for the SocketIo PowerShell module tests.
//
// Usage: node socketio-server.js [--port N] [--ping-interval ms] [--ping-timeout ms]
//                                [--max-payload bytes] [--recovery]
//                                [--transports websocket,polling] [--ignore-stdin]
//
// Prints exactly one line "READY <port>" on stdout once it listens on 127.0.0.1.
// Exits when its stdin ends or closes (so a dying test process never leaves it
// behind), and on SIGTERM / SIGINT. See README.md for the events it answers.
'use strict';

const http = require('http');
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
const SOCKET_IO_PATH = '/socket.io';

function exitNow() {
  process.exit(0);
}

// The request handler given to createServer() is kept by engine.io's attach()
// and called only for requests outside the socket.io path.
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
io = new Server(httpServer, serverOptions);

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

// Event handlers shared by every namespace.
function registerHandlers(socket) {
  const scenario = socket.handshake.auth.scenario || socket.handshake.query.scenario;
  if (scenario === 'welcome') {
    socket.emit('welcome', { message: 'hello', id: socket.id });
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
