// Prints the MessagePack vectors pasted into MsgPackVectorTests.cs, as produced by the node parser itself:
//   cd tests/servers && node ../SocketIo.Core.Tests/MsgPack/make-vectors.js
// (socket.io-msgpack-parser 3.0.2 with notepack.io 2.2.0, from tests/servers/package-lock.json)
'use strict';
const path = require('path');
const { Encoder } = require(path.join(process.cwd(), 'node_modules', 'socket.io-msgpack-parser'));

const encoder = new Encoder();
const vectors = {
  // Client → server, in the key order of MsgPackSioEncoder (type, data, nsp, id).
  connect: { type: 0, nsp: '/' },
  connectAuth: { type: 0, data: { token: 'secret', n: 1 }, nsp: '/admin' },
  disconnect: { type: 1, nsp: '/' },
  disconnectNsp: { type: 1, nsp: '/admin' },
  eventScalars: { type: 2, data: ['echo', 1, 'a', null, true, false, 1.5, -5, 200, 300, 70000, -100, -200, -40000], nsp: '/' },
  eventAck: { type: 2, data: ['echo', { a: 1, b: [1, 2] }], nsp: '/', id: 7 },
  eventBinary: { type: 2, data: ['upload', Buffer.from([1, 2, 3, 4]), { name: 'x', blob: Buffer.from([5, 6]) }], nsp: '/files', id: 3 },
  eventNumbers: { type: 2, data: ['n', 9007199254740991, -9007199254740991, 4294967296, 4294967295, -2147483648, -2147483649, 0.1, -0.5, 2.0], nsp: '/' },
  eventUnicode: { type: 2, data: ['café €', { 'ключ': '😀' }], nsp: '/' },
  eventSizes: {
    type: 2,
    data: ['s', 'x'.repeat(32), 'y'.repeat(256), Buffer.alloc(256, 7), Array.from({ length: 16 }, (_, i) => i),
      Object.fromEntries(Array.from({ length: 16 }, (_, i) => ['k' + i, i]))],
    nsp: '/',
  },
  ack: { type: 3, data: ['ok', Buffer.from([9])], nsp: '/', id: 5 },
  ackEmpty: { type: 3, data: [], nsp: '/admin', id: 300 },
  // Server → client, in the key order socket.io 4.8.4 builds them (see node_modules/socket.io/dist/socket.js).
  serverConnect: { type: 0, data: { sid: 'AbC123', pid: undefined }, nsp: '/' },
  serverConnectPid: { type: 0, data: { sid: 'AbC123', pid: 'P9' }, nsp: '/admin' },
  serverEventWithId: { type: 2, data: ['ask', 1], id: 4, nsp: '/' },
  serverAck: { id: 5, type: 3, data: ['ok', Buffer.from([9])], nsp: '/' },
  serverConnectError: { type: 4, data: { message: 'not authorized', data: { code: 401 } }, nsp: '/admin' },
  serverConnectErrorNoData: { type: 4, data: { message: 'auth rejected', data: undefined }, nsp: '/' },
  serverConnectErrorString: { type: 4, data: 'bad', nsp: '/' },
  // socket.io-client 4.8.4 sends `data: undefined` when it has no auth, and `options` on events.
  clientConnectUndefined: { type: 0, data: undefined, nsp: '/' },
  clientEvent: { type: 2, data: ['echo', 1], options: { compress: true }, id: 0, nsp: '/' },
  // notepack's ext type 0: Date (fixext 8) and ArrayBuffer (ext 8).
  serverDateAndArrayBuffer: { type: 2, data: ['d', new Date(1700000000123), new Uint8Array([9, 8]).buffer, [undefined]], nsp: '/' },
};

for (const [name, packet] of Object.entries(vectors)) {
  const [buffer] = encoder.encode(packet);
  console.log(`${name} ${buffer.toString('hex')}`);
}
