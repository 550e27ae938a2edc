#!/usr/bin/env node
// OctoPrint simulator for the SocketIo PowerShell module tests: OctoPrint's REST login plus
// its SockJS push API (served by sockjs-node 0.3.24 at /sockjs, like OctoPrint), and a
// simulated printer that runs a print job.
//
// Usage: node octoprint-sim.js [--port N] [--api-key KEY] [--user NAME] [--password PW]
//                              [--current-interval ms] [--print-seconds s] [--fail] [--autostart]
//                              [--heartbeat ms] [--disconnect-delay ms] [--string-frames]
//                              [--ws-ping] [--passive-anonymous] [--printer-offline]
//                              [--ignore-stdin] [--verbose]
//
// Prints exactly one line "READY <port>" on stdout once it listens on 127.0.0.1.
// Exits when its stdin ends or closes (so a dying test process never leaves it
// behind), and on SIGTERM / SIGINT. See README.md for the behaviour and the /test/ hooks.
'use strict';

const http = require('http');
const crypto = require('crypto');
const sockjs = require('sockjs');
// Internal (but exported) module of sockjs@0.3.24, patched below; the version is pinned exactly.
const sockjsTransport = require('sockjs/lib/transport');

const OCTOPRINT_VERSION = '1.10.3';
const SOCKJS_PREFIX = '/sockjs';

// ---------------------------------------------------------------------------------------------
// Arguments

function usage(message) {
  process.stderr.write(`octoprint-sim: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = {
    port: 0,
    apiKey: 'test-api-key',
    user: 'admin',
    password: 'secret',
    currentInterval: 500,
    printSeconds: 10,
    fail: false,
    autostart: false,
    heartbeat: 25000,
    disconnectDelay: 5000,
    stringFrames: false,
    wsPing: false,
    passiveAnonymous: false,
    printerOffline: false,
    ignoreStdin: false,
    verbose: false,
  };
  const intArg = (name, value, min = 0) => {
    if (value === undefined || !/^\d+$/.test(value) || Number(value) < min) {
      usage(`${name} needs an integer >= ${min}, got ${value}`);
    }
    return Number(value);
  };
  const numArg = (name, value) => {
    if (value === undefined || !/^\d+(\.\d+)?$/.test(value)) usage(`${name} needs a non-negative number, got ${value}`);
    return Number(value);
  };
  const strArg = (name, value) => {
    if (value === undefined || value === '') usage(`${name} needs a non-empty value`);
    return value;
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
      case '--api-key': opts.apiKey = strArg(arg, next()); break;
      case '--user': opts.user = strArg(arg, next()); break;
      case '--password': opts.password = strArg(arg, next()); break;
      case '--current-interval': opts.currentInterval = intArg(arg, next(), 10); break;
      case '--print-seconds': opts.printSeconds = numArg(arg, next()); break;
      case '--fail': opts.fail = true; break;
      case '--autostart': opts.autostart = true; break;
      case '--heartbeat': opts.heartbeat = intArg(arg, next(), 1); break;
      case '--disconnect-delay': opts.disconnectDelay = intArg(arg, next(), 1); break;
      case '--string-frames': opts.stringFrames = true; break;
      case '--ws-ping': opts.wsPing = true; break;
      case '--passive-anonymous': opts.passiveAnonymous = true; break;
      case '--printer-offline': opts.printerOffline = true; break;
      case '--ignore-stdin': opts.ignoreStdin = true; break;
      case '--verbose': opts.verbose = true; break;
      default: usage(`unknown argument ${argv[i]}`);
    }
  }
  if (opts.user.includes(':')) usage('--user must not contain ":" (OctoPrint splits the auth string on it)');
  return opts;
}

const opts = parseArgs(process.argv.slice(2));

function log(line) {
  if (opts.verbose) process.stderr.write(`octoprint-sim: ${line}\n`);
}

// ---------------------------------------------------------------------------------------------
// SockJS framing patches (must run before the first connection)

// OctoPrint's JsonEncodingSessionWrapper puts each message *object* into the SockJS array:
// a[{"current":{...}}]. Stock sockjs-node JSON-quotes every written string: a["{\"current\":...}"].
// Unless --string-frames is given, insert the written strings (which are always JSON here)
// verbatim, so every transport (websocket, xhr, xhr_streaming, ...) carries OctoPrint's bytes.
if (!opts.stringFrames) {
  sockjsTransport.GenericReceiver.prototype.doSendBulk = function doSendBulk(messages) {
    return this.doSendFrame('a[' + messages.join(',') + ']');
  };
}

// OctoPrint (sockjs-tornado) sends "h" frames on the WebSocket transport too; sockjs-node sends
// WebSocket pings instead and closes with c[3000,"No response from heartbeat"] when no pong
// comes within 10 s. Unless --ws-ping is given, the WebSocket receiver is switched to "h"
// frames. Its class is not exported, so the prototype is patched from the first instance.
let wsHeartbeatPatched = false;
function patchWebSocketHeartbeat(conn) {
  if (opts.wsPing || wsHeartbeatPatched || conn.protocol !== 'websocket') return;
  const recv = conn._session && conn._session.recv;
  if (!recv) return;
  const proto = Object.getPrototypeOf(recv);
  if (Object.prototype.hasOwnProperty.call(proto, 'heartbeat')) {
    proto.heartbeat = sockjsTransport.GenericReceiver.prototype.heartbeat; // doSendFrame('h')
    wsHeartbeatPatched = true;
  }
}

// ---------------------------------------------------------------------------------------------
// Static OctoPrint data

const ADMIN_GROUP = 'admins';
const USER_GROUP = 'users';
const READONLY_GROUP = 'readonly';

// OctoPrint's core permissions (src/octoprint/access/permissions.py), as Permission.as_dict().
const PERMISSIONS = [
  ['ADMIN', 'Admin', 'Admin is allowed to do everything', ['admin'], true, [ADMIN_GROUP]],
  ['STATUS', 'Status', 'Allows to gather basic status information, e.g. job progress, printer state, temperatures, ... Mandatory for the default UI to work', ['status'], false, [USER_GROUP, READONLY_GROUP]],
  ['CONNECTION', 'Connection', 'Allows to connect to and disconnect from a printer', ['connection'], false, [USER_GROUP]],
  ['WEBCAM', 'Webcam', 'Allows to watch the webcam stream', ['webcam'], false, [USER_GROUP, READONLY_GROUP]],
  ['SYSTEM', 'System', 'Allows to run system commands, e.g. restart OctoPrint, shutdown or reboot the system, and to retrieve system and usage information', ['system'], true, []],
  ['FILES_LIST', 'File List', 'Allows to retrieve a list of all uploaded files and folders, including their metadata (e.g. date, file size, analysis results, ...)', ['files_list'], false, [USER_GROUP, READONLY_GROUP]],
  ['FILES_UPLOAD', 'File Upload', 'Allows users to upload new files, create new folders and copy existing ones. If the File Delete permission is also set, File Upload also allows moving files and folders.', ['files_upload'], false, [USER_GROUP]],
  ['FILES_DOWNLOAD', 'File Download', 'Allows users to download files. The GCODE viewer is affected by this as well.', ['files_download'], false, [USER_GROUP, READONLY_GROUP]],
  ['FILES_DELETE', 'File Delete', 'Allows users to delete files and folders. If the File Upload permission is also set, File Delete also allows moving files and folders.', ['files_delete'], false, [USER_GROUP]],
  ['FILES_SELECT', 'File Select', 'Allows to select a file for printing', ['files_select'], false, [USER_GROUP]],
  ['PRINT', 'Print', 'Allows to start, pause and cancel a print job', ['print'], false, [USER_GROUP]],
  ['GCODE_VIEWER', 'GCODE viewer', 'Allows access to the GCODE viewer if the "File Download" permission is also set.', ['gcodeviewer'], false, [USER_GROUP, READONLY_GROUP]],
  ['MONITOR_TERMINAL', 'Terminal', 'Allows to watch the terminal tab but not to send commands to the printer from it', ['monitor_terminal'], false, [USER_GROUP, READONLY_GROUP]],
  ['CONTROL', 'Control', 'Allows to control of the printer by using the temperature controls, the control tab or sending commands through the terminal.', ['control'], false, [USER_GROUP]],
  ['SLICE', 'Slice', 'Allows to slice files', ['slice'], false, [USER_GROUP]],
  ['TIMELAPSE_LIST', 'Timelapse List', 'Allows to list timelapse videos', ['timelapse_list'], false, [USER_GROUP, READONLY_GROUP]],
  ['TIMELAPSE_DOWNLOAD', 'Timelapse Download', 'Allows to download timelapse videos', ['timelapse_download'], false, [USER_GROUP, READONLY_GROUP]],
  ['TIMELAPSE_DELETE', 'Timelapse Delete', 'Allows to delete timelapse videos and unrendered timelapses', ['timelapse_delete'], false, [USER_GROUP]],
  ['TIMELAPSE_ADMIN', 'Timelapse Admin', 'Allows to change the timelapse settings and delete or render unrendered timelapses. Includes the "Timelapse List","Timelapse Delete" and "Timelapse Download" permissions', ['timelapse_admin', 'timelapse_list', 'timelapse_download'], false, [USER_GROUP]],
  ['SETTINGS_READ', 'Settings Access', 'Allows to read non sensitive settings. Mandatory for the default UI to work.', ['settings_read'], false, [USER_GROUP, READONLY_GROUP]],
  ['SETTINGS', 'Settings Admin', 'Allows to manage settings and also to read sensitive settings', ['settings'], true, []],
].map(([key, name, description, roles, dangerous, groups]) => ({
  key, name, dangerous, default_groups: groups, description, needs: { role: roles },
}));

const ALL_ROLES = [...new Set(PERMISSIONS.flatMap((p) => p.needs.role))];

const md5 = (s) => crypto.createHash('md5').update(s).digest('hex');
const CONNECTED_PAYLOAD = {
  version: OCTOPRINT_VERSION,
  display_version: OCTOPRINT_VERSION,
  branch: null,
  python_version: '3.11.2',
  plugin_hash: md5('octoprint-sim:plugins'),
  config_hash: md5('octoprint-sim:config'),
  debug: false,
  safe_mode: null,
  online: true,
  permissions: PERMISSIONS,
};

const STATE_DEFS = {
  OFFLINE: { text: 'Offline', flags: { closedOrError: true } },
  OPEN_SERIAL: { text: 'Opening serial connection', flags: {} },
  CONNECTING: { text: 'Connecting', flags: {} },
  OPERATIONAL: { text: 'Operational', flags: { operational: true, ready: true } },
  STARTING: { text: 'Starting', flags: { operational: true, printing: true } },
  PRINTING: { text: 'Printing', flags: { operational: true, printing: true } },
  PAUSED: { text: 'Paused', flags: { operational: true, paused: true } },
  CANCELLING: { text: 'Cancelling', flags: { operational: true, cancelling: true } },
};

function stateFlags(id) {
  const base = {
    operational: false, printing: false, cancelling: false, pausing: false, resuming: false,
    finishing: false, closedOrError: false, error: false, paused: false, ready: false, sdReady: false,
  };
  return Object.assign(base, STATE_DEFS[id].flags);
}

const SIM_FILE = {
  name: 'benchy.gcode',
  path: 'benchy.gcode',
  display: 'benchy.gcode',
  origin: 'local',
  size: 1468987,
  date: Math.floor(Date.now() / 1000) - 86400,
};

const SERIAL_PORTS = ['/dev/ttyACM0', 'VIRTUAL'];
const BAUDRATES = [250000, 230400, 115200, 57600, 38400, 19200, 9600];
const PRINTER_PROFILES = [{ id: '_default', name: 'Default' }];

// ---------------------------------------------------------------------------------------------
// Files (OctoPrint's local storage, in memory): path -> { type: 'file'|'folder', name, path, display, size, date, hash }.
// Folders are entries too; a path's parent folder always exists. SD card support is off.

const MACHINECODE_EXTENSIONS = ['.gcode', '.gco', '.g'];
const files = new Map();

function isMachinecode(name) {
  const lower = String(name).toLowerCase();
  return MACHINECODE_EXTENSIONS.some((e) => lower.endsWith(e));
}

function parentOf(path) {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

function baseName(path) {
  return path.slice(path.lastIndexOf('/') + 1);
}

// OctoPrint's sanitize_name, roughly: no path separators, no leading dots, whitespace to "_".
function sanitizeName(name) {
  const n = String(name).replace(/[\\/]/g, '').replace(/\s+/g, '_').replace(/^\.+/, '').trim();
  return n;
}

// A request path as OctoPrint's storage sees it (no leading/trailing slashes, no empty or dot segments).
function normalizePath(path) {
  const parts = String(path || '').split('/').filter((x) => x !== '');
  if (parts.some((x) => x === '.' || x === '..')) return null;
  return parts.join('/');
}

function addFile(path, size, display) {
  const now = Math.floor(Date.now() / 1000);
  files.set(path, {
    type: 'file', name: baseName(path), path, display: display || baseName(path), size, date: now,
    hash: crypto.createHash('sha1').update(`${path}:${size}:${Date.now()}`).digest('hex'),
    prints: { success: 0, failure: 0, last: null },
  });
}

// Creates the folder and any missing parents; returns the paths created (outermost first).
function ensureFolder(path) {
  const created = [];
  if (!path) return created;
  const parts = path.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const p = parts.slice(0, i).join('/');
    if (!files.has(p)) {
      files.set(p, { type: 'folder', name: parts[i - 1], path: p, display: parts[i - 1], date: Math.floor(Date.now() / 1000) });
      created.push(p);
    }
  }
  return created;
}

addFile(SIM_FILE.path, SIM_FILE.size);
files.get(SIM_FILE.path).date = SIM_FILE.date;

function childrenOf(path) {
  return [...files.values()]
    .filter((e) => parentOf(e.path) === path && e.path !== '')
    .sort((a, b) => a.name.localeCompare(b.name));
}

function fileRefs(base, entry) {
  const enc = entry.path.split('/').map(encodeURIComponent).join('/');
  const refs = { resource: `${base}/api/files/local/${enc}` };
  if (entry.type === 'file') refs.download = `${base}/downloads/files/local/${enc}`;
  return refs;
}

// An entry as GET /api/files shows it (Retrieve response / file information item).
function fileJson(base, entry, recursive) {
  if (entry.type === 'folder') {
    const kids = childrenOf(entry.path);
    const out = {
      name: entry.name, display: entry.display, path: entry.path, type: 'folder', typePath: ['folder'], origin: 'local',
      refs: fileRefs(base, entry),
    };
    if (recursive) out.children = kids.map((k) => fileJson(base, k, true));
    out.size = folderSize(entry.path);
    return out;
  }
  const out = {
    name: entry.name, display: entry.display, path: entry.path, type: 'machinecode', typePath: ['machinecode', 'gcode'],
    hash: entry.hash, size: entry.size, date: entry.date, origin: 'local', refs: fileRefs(base, entry),
    gcodeAnalysis: { estimatedPrintTime: opts.printSeconds, filament: SIM_FILAMENT },
  };
  if (entry.prints.last) out.prints = entry.prints;
  return out;
}

function folderSize(path) {
  let total = 0;
  for (const e of files.values()) if (e.type === 'file' && e.path.startsWith(path + '/')) total += e.size;
  return total;
}

function fileEventType() {
  return ['machinecode', 'gcode'];
}
const SIM_FILAMENT = { tool0: { length: 810.2, volume: 5.36 } };
const LAYERS = 20;
const LAYER_HEIGHT = 0.2;

// ---------------------------------------------------------------------------------------------
// Login sessions (OctoPrint's user manager sessions): token -> { user, mechanism, created }

const loginSessions = new Map();

// Request bookkeeping for tests: POST/DELETE requests to /api/ other than login/logout (-WhatIf sends none).
const stats = { mutations: 0 };

function newLoginSession(user, mechanism) {
  const token = crypto.randomBytes(32).toString('hex'); // like secrets.token_hex(): 64 hex chars
  loginSessions.set(token, { user, mechanism, created: Date.now() });
  return token;
}

function validateUserSession(userId, token) {
  const s = loginSessions.get(token);
  return !!s && s.user === userId;
}

function userRecord(session, mechanism) {
  return {
    name: opts.user,
    active: true,
    permissions: PERMISSIONS.map((p) => p.key),
    groups: [ADMIN_GROUP, USER_GROUP],
    needs: { role: ALL_ROLES, group: [ADMIN_GROUP, USER_GROUP] },
    apikey: opts.apiKey,
    settings: {},
    has_password: true,
    session,
    _is_external_client: false,
    _login_mechanism: mechanism,
    _credentials_seen: mechanism === 'password' ? new Date().toISOString() : false,
    _credentials_recheck_supported: false,
  };
}

const ANONYMOUS_RECORD = {
  name: null,
  active: false,
  permissions: [],
  groups: ['guests'],
  needs: { role: [], group: ['guests'] },
};

// ---------------------------------------------------------------------------------------------
// Simulated printer

const round2 = (x) => Math.round(x * 100) / 100;
const nowSec = () => Date.now() / 1000;

const printer = {
  stateId: opts.printerOffline ? 'OFFLINE' : 'OPERATIONAL',
  // the serial connection (GET/POST /api/connection); autoconnected unless --printer-offline
  port: opts.printerOffline ? null : SERIAL_PORTS[0],
  baudrate: opts.printerOffline ? null : 115200,
  connectTimers: [],
  homeCount: 0,
  gcode: [], // every command sent through the REST API (printer/command, printhead, tool, bed), newest last
  error: '',
  file: null,
  owner: null,
  elapsedBefore: 0,
  resumedAt: 0,
  progress: { completion: null, filepos: null, printTime: null, printTimeLeft: null, printTimeLeftOrigin: null },
  currentZ: null,
  tool0: { actual: 21.3, target: 0 },
  bed: { actual: 20.9, target: 0 },
  lineNo: 0,
  transmitted: 0,
  printsStarted: 0,
  lastResult: null,
  lastPrintTime: null,
  doneTimes: [],
  cancelTimer: null,
};

// OctoPrint's history buffers: 30 min of temperatures, the last 300 terminal lines.
const tempHistory = [];
const logHistory = [];
const messageHistory = [];
const TEMP_HISTORY_SECONDS = 30 * 60;
const TERMINAL_HISTORY = 300;

function jobFilePayload() {
  const f = printer.file;
  if (!f) return { name: null, path: null, display: null, origin: null, size: null, date: null };
  return { ...f };
}

function eventBase() {
  const f = printer.file;
  return { name: f.name, path: f.path, origin: f.origin, size: f.size, owner: printer.owner };
}

function elapsedMs() {
  if (printer.stateId === 'PRINTING') return printer.elapsedBefore + (Date.now() - printer.resumedAt);
  return printer.elapsedBefore;
}

// The printer state part shared by `history` and `current` (StateMonitor data).
function stateData() {
  const avg = printer.doneTimes.length
    ? round2(printer.doneTimes.reduce((a, b) => a + b, 0) / printer.doneTimes.length)
    : null;
  return {
    state: { text: STATE_DEFS[printer.stateId].text, flags: stateFlags(printer.stateId), error: printer.error },
    job: {
      file: jobFilePayload(),
      estimatedPrintTime: printer.file ? opts.printSeconds : null,
      averagePrintTime: avg,
      lastPrintTime: printer.lastPrintTime,
      filament: printer.file ? SIM_FILAMENT : null,
      user: printer.owner,
    },
    currentZ: printer.currentZ,
    progress: { ...printer.progress },
    offsets: {},
    resends: { count: 0, transmitted: printer.transmitted, ratio: 0 },
  };
}

function busyFiles() {
  if ((printer.stateId === 'PRINTING' || printer.stateId === 'PAUSED' || printer.stateId === 'CANCELLING') && printer.file) {
    return [{ origin: printer.file.origin, path: printer.file.path }];
  }
  return [];
}

function setState(id) {
  if (printer.stateId === id) return;
  printer.stateId = id;
  fireEvent('PrinterStateChanged', { state_id: id, state_string: STATE_DEFS[id].text });
}

// Selects a file for printing (FileSelected), as OctoPrint's printer.select_file does.
function selectFile(entry) {
  printer.file = {
    name: entry.name, path: entry.path, display: entry.display || entry.name, origin: 'local', size: entry.size, date: entry.date,
  };
  printer.progress = { completion: 0, filepos: 0, printTime: null, printTimeLeft: null, printTimeLeftOrigin: null };
  fireEvent('FileSelected', { name: entry.name, path: entry.path, origin: 'local', size: entry.size, date: entry.date });
}

function unselectFile() {
  if (!printer.file) return;
  printer.file = null;
  printer.progress = { completion: null, filepos: null, printTime: null, printTimeLeft: null, printTimeLeftOrigin: null };
  fireEvent('FileDeselected', null);
}

const isOperational = () => !['OFFLINE', 'OPEN_SERIAL', 'CONNECTING'].includes(printer.stateId);
const isActiveJob = () => ['STARTING', 'PRINTING', 'PAUSED', 'CANCELLING'].includes(printer.stateId);
const isReady = () => printer.stateId === 'OPERATIONAL';

function recordPrint(success, time) {
  const entry = printer.file && files.get(printer.file.path);
  if (!entry || entry.type !== 'file') return;
  if (success) entry.prints.success++;
  else entry.prints.failure++;
  entry.prints.last = { success, date: Math.floor(Date.now() / 1000), printTime: time };
}

// The serial connection: Closed -> Opening serial connection -> Connecting -> Operational, one tick each.
function connectPrinter(port, baudrate) {
  for (const t of printer.connectTimers) clearTimeout(t);
  printer.connectTimers = [];
  if (printer.stateId !== 'OFFLINE') disconnectPrinter(true);
  const p = port && port !== 'AUTO' ? port : SERIAL_PORTS[0];
  const b = baudrate || 115200;
  fireEvent('Connecting', null);
  setState('OPEN_SERIAL');
  const step = (fn, n) => printer.connectTimers.push(setTimeout(fn, opts.currentInterval * n));
  step(() => setState('CONNECTING'), 1);
  step(() => {
    printer.port = p;
    printer.baudrate = b;
    setState('OPERATIONAL');
    fireEvent('Connected', { port: p, baudrate: b });
    addTerminal([`Connected to: Serial<id=0x0, open=True>(port='${p}', baudrate=${b}), starting monitor`, 'Send: M115', 'Recv: FIRMWARE_NAME:Marlin'], ['FIRMWARE_NAME:Marlin']);
  }, 2);
}

function disconnectPrinter(quiet) {
  for (const t of printer.connectTimers) clearTimeout(t);
  printer.connectTimers = [];
  if (printer.stateId === 'OFFLINE') return;
  if (!quiet) fireEvent('Disconnecting', null);
  if (printer.cancelTimer) {
    clearTimeout(printer.cancelTimer);
    printer.cancelTimer = null;
  }
  if (isActiveJob() && printer.file) {
    // the serial line is gone: OctoPrint fails the job
    const time = round2(elapsedMs() / 1000);
    printer.error = 'Connection to the printer was closed';
    printer.lastResult = 'failed';
    recordPrint(false, time);
    fireEvent('PrintFailed', { ...eventBase(), time, reason: 'error' });
  }
  printer.port = null;
  printer.baudrate = null;
  printer.tool0.target = 0;
  printer.bed.target = 0;
  setState('OFFLINE');
  fireEvent('Disconnected', null);
}

function recordGcode(lines) {
  for (const line of lines) {
    printer.gcode.push(line);
    const cmd = line.trim().split(/\s+/);
    const word = (cmd[0] || '').toUpperCase();
    const s = cmd.find((w) => /^S-?\d+(\.\d+)?$/i.test(w));
    const value = s ? Number(s.slice(1)) : null;
    if ((word === 'M104' || word === 'M109') && value !== null) printer.tool0.target = value;
    if ((word === 'M140' || word === 'M190') && value !== null) printer.bed.target = value;
    if (word === 'G28') printer.homeCount++;
  }
  while (printer.gcode.length > 200) printer.gcode.shift();
  addTerminal(lines.map((l) => `Send: ${l}`).concat(lines.map(() => 'Recv: ok')), lines.map(() => 'ok'));
}

function startPrint(user) {
  if (printer.stateId !== 'OPERATIONAL') return false;
  if (!printer.file) {
    const entry = files.get(SIM_FILE.path);
    selectFile(entry && entry.type === 'file' ? entry : SIM_FILE);
  }
  printer.owner = user || opts.user;
  printer.error = '';
  printer.elapsedBefore = 0;
  printer.resumedAt = Date.now();
  printer.progress = {
    completion: 0, filepos: 0, printTime: 0, printTimeLeft: Math.round(opts.printSeconds), printTimeLeftOrigin: 'estimate',
  };
  printer.currentZ = null;
  printer.tool0.target = 215;
  printer.bed.target = 60;
  printer.printsStarted++;
  addTerminal(['Send: M110 N0*125', 'Recv: ok'], ['ok']);
  setState('STARTING');
  fireEvent('PrintStarted', { ...eventBase(), user: printer.owner });
  setState('PRINTING');
  log(`print started by ${printer.owner}`);
  return true;
}

function finishPrint() {
  const time = round2(elapsedMs() / 1000);
  if (opts.fail) {
    printer.error = 'Simulated print failure';
    printer.progress.printTimeLeft = null;
    printer.progress.printTimeLeftOrigin = null;
    printer.lastResult = 'failed';
    recordPrint(false, time);
    fireEvent('PrintFailed', { ...eventBase(), time, reason: 'error' });
  } else {
    printer.progress = {
      completion: 100.0, filepos: printer.file.size, printTime: Math.floor(time), printTimeLeft: 0, printTimeLeftOrigin: null,
    };
    printer.lastPrintTime = time;
    printer.doneTimes.push(time);
    printer.lastResult = 'done';
    recordPrint(true, time);
    fireEvent('PrintDone', { ...eventBase(), time });
  }
  printer.tool0.target = 0;
  printer.bed.target = 0;
  setState('OPERATIONAL');
  log(`print ${printer.lastResult} after ${time}s`);
}

function cancelPrint(user) {
  if (printer.stateId !== 'PRINTING' && printer.stateId !== 'PAUSED') return false;
  if (printer.stateId === 'PRINTING') {
    printer.elapsedBefore += Date.now() - printer.resumedAt;
  }
  setState('CANCELLING');
  fireEvent('PrintCancelling', { ...eventBase(), user: user || opts.user, firmwareError: null });
  printer.cancelTimer = setTimeout(() => {
    printer.cancelTimer = null;
    const time = round2(printer.elapsedBefore / 1000);
    printer.lastResult = 'cancelled';
    recordPrint(false, time);
    printer.progress.printTimeLeft = null;
    printer.progress.printTimeLeftOrigin = null;
    fireEvent('PrintCancelled', {
      ...eventBase(), time, user: user || opts.user, position: null,
      fileposition: printer.progress.filepos, progress: printer.progress.completion,
    });
    fireEvent('PrintFailed', { ...eventBase(), time, reason: 'cancelled' });
    printer.tool0.target = 0;
    printer.bed.target = 0;
    setState('OPERATIONAL');
  }, opts.currentInterval);
  return true;
}

// POST /api/job restart (only while paused): the selected file prints again from the start.
function restartPrint(user) {
  if (printer.stateId !== 'PAUSED') return false;
  printer.owner = user || opts.user;
  printer.error = '';
  printer.elapsedBefore = 0;
  printer.resumedAt = Date.now();
  printer.progress = {
    completion: 0, filepos: 0, printTime: 0, printTimeLeft: Math.round(opts.printSeconds), printTimeLeftOrigin: 'estimate',
  };
  printer.currentZ = null;
  printer.printsStarted++;
  setState('STARTING');
  fireEvent('PrintStarted', { ...eventBase(), user: printer.owner });
  setState('PRINTING');
  return true;
}

function pausePrint(action, user) {
  const u = user || opts.user;
  if (action === 'toggle') action = printer.stateId === 'PAUSED' ? 'resume' : 'pause';
  if (action === 'pause' && printer.stateId === 'PRINTING') {
    printer.elapsedBefore += Date.now() - printer.resumedAt;
    setState('PAUSED');
    fireEvent('PrintPaused', {
      ...eventBase(), user: u, position: null, fileposition: printer.progress.filepos, progress: printer.progress.completion,
    });
    return true;
  }
  if (action === 'resume' && printer.stateId === 'PAUSED') {
    printer.resumedAt = Date.now();
    setState('PRINTING');
    fireEvent('PrintResumed', { ...eventBase(), user: u });
    return true;
  }
  return false;
}

function addTerminal(logs, messages) {
  for (const l of logs) {
    logHistory.push(l);
    for (const c of clients.values()) if (c.registered) c.pushBacklog('logBacklog', l);
  }
  for (const m of messages) {
    messageHistory.push(m);
    for (const c of clients.values()) if (c.registered) c.pushBacklog('messageBacklog', m);
  }
  while (logHistory.length > TERMINAL_HISTORY) logHistory.shift();
  while (messageHistory.length > TERMINAL_HISTORY) messageHistory.shift();
}

function approach(heater, ambient) {
  const goal = heater.target > 0 ? heater.target : ambient;
  heater.actual = round2(heater.actual + (goal - heater.actual) * 0.35 + (Math.random() - 0.5) * 0.2);
}

function tick() {
  // advance the job
  if (printer.stateId === 'PRINTING') {
    const elapsed = elapsedMs();
    const total = opts.printSeconds * 1000;
    const frac = total > 0 ? Math.min(1, elapsed / total) : 1;
    printer.progress.completion = round2(frac * 100);
    printer.progress.filepos = Math.round(printer.file.size * frac);
    printer.progress.printTime = Math.floor(elapsed / 1000);
    printer.progress.printTimeLeft = Math.max(0, Math.round((total - elapsed) / 1000));
    const layer = Math.min(LAYERS, Math.floor(frac * LAYERS) + 1);
    const z = round2(layer * LAYER_HEIGHT);
    if (z !== printer.currentZ) {
      const old = printer.currentZ;
      printer.currentZ = z;
      fireEvent('ZChange', { new: z, old });
    }
    printer.lineNo++;
    printer.transmitted++;
    const gcode = `N${printer.lineNo} G1 X${(10 + (printer.lineNo % 50)).toFixed(1)} Y${(10 + ((printer.lineNo * 7) % 50)).toFixed(1)} E0.5`;
    let cs = 0;
    for (const ch of gcode) cs ^= ch.charCodeAt(0);
    addTerminal([`Send: ${gcode}*${cs}`, 'Recv: ok'], ['ok']);
    if (frac >= 1) finishPrint();
  }

  // temperatures: one data point and one M105 report per tick (none while the printer is not connected)
  approach(printer.tool0, 21.3);
  approach(printer.bed, 20.9);
  if (isOperational()) tickTemperatures();

  // current data to every registered socket, each through its own throttle
  const data = stateData();
  for (const c of clients.values()) {
    if (c.registered) c.onPrinterSendCurrentData({ ...data, progress: { ...data.progress } });
  }
}

function tickTemperatures() {
  const point = {
    time: Math.floor(nowSec()),
    tool0: { actual: printer.tool0.actual, target: printer.tool0.target },
    bed: { actual: printer.bed.actual, target: printer.bed.target },
  };
  tempHistory.push(point);
  while (tempHistory.length && tempHistory[0].time < point.time - TEMP_HISTORY_SECONDS) tempHistory.shift();
  for (const c of clients.values()) if (c.registered) c.pushBacklog('tempBacklog', point);
  const report = `T:${point.tool0.actual.toFixed(2)} /${point.tool0.target.toFixed(2)} B:${point.bed.actual.toFixed(2)} /${point.bed.target.toFixed(2)} @:0 B@:0`;
  printer.transmitted++;
  addTerminal(['Send: M105', `Recv: ok ${report}`], [`ok ${report}`]);
}

// ---------------------------------------------------------------------------------------------
// Push connections (PrinterStateConnection)

const clients = new Map(); // conn.id -> Client
const BACKLOG_CAP = { tempBacklog: 3600, logBacklog: 1000, messageBacklog: 1000 };
const UNAUTHED_BACKLOG_MAX = 100;

function regexOrBoolean(value) {
  if (typeof value === 'string') {
    try {
      return new RegExp(value);
    } catch (e) {
      throw new Error('value must be a valid regex');
    }
  }
  if (typeof value === 'boolean') return value;
  throw new Error('value must be a string or boolean');
}

function listOrBoolean(value) {
  if (Array.isArray(value)) return value;
  if (typeof value === 'boolean') return value ? null : []; // null = everything
  throw new Error('value must be a list or boolean');
}

// Python's int() on a JSON value, as far as OctoPrint's `throttle` handling goes.
function pythonInt(value) {
  if (typeof value === 'number') return Math.trunc(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) return parseInt(value, 10);
  return null;
}

class Client {
  constructor(conn) {
    this.conn = conn;
    this.id = conn.id;
    this.protocol = conn.protocol;
    this.remoteAddress = conn.remoteAddress || null;
    this.user = null; // null = anonymous (the guest group has no STATUS)
    this.session = null;
    this.authed = false;
    this.registered = false;
    this.initialDataSent = false;
    this.throttle = 1;
    this.lastCurrent = 0;
    this.held = null;
    this.tempBacklog = [];
    this.logBacklog = [];
    this.messageBacklog = [];
    this.unauthedBacklog = [];
    this.subscriptionsActive = false;
    this.subscriptions = { state: false, plugins: [], events: [] };
    this.closed = false;
  }

  // open = not closed and not closing (a closed polling session lingers until it is reaped)
  get isOpen() {
    return !this.closed && this.conn.readyState === 1;
  }

  pushBacklog(name, item) {
    const list = this[name];
    list.push(item);
    if (list.length > BACKLOG_CAP[name]) list.shift();
  }

  get isAdmin() {
    return this.user !== null;
  }

  doEmit(type, payload) {
    if (this.closed) return;
    this.conn.write(JSON.stringify({ [type]: payload }));
  }

  // _emit: connected and reauthRequired always go out; everything else needs STATUS, and is
  // held back (max 100) while the socket is not authed.
  emit(type, payload) {
    const needsStatus = type !== 'connected' && type !== 'reauthRequired';
    if (needsStatus && !this.user) {
      if (!this.authed) {
        if (this.unauthedBacklog.length < UNAUTHED_BACKLOG_MAX) this.unauthedBacklog.push([type, payload]);
      }
      return;
    }
    this.doEmit(type, payload);
  }

  sendEvent(type, payload) {
    if ((type === 'UserLoggedIn' || type === 'UserLoggedOut') && !this.isAdmin) return;
    if ((type === 'ClientOpened' || type === 'ClientAuthed') && !this.isAdmin) payload = {};
    this.emit('event', { type, payload: payload === undefined ? null : payload });
  }

  onEvent(type, payload) {
    if (this.subscriptionsActive && this.subscriptions.events !== null && !this.subscriptions.events.includes(type)) return;
    this.sendEvent(type, payload);
  }

  filterLines(kind, lines) {
    if (!this.subscriptionsActive) return lines;
    const rule = this.subscriptions.state && this.subscriptions.state[kind];
    if (rule === true) return lines;
    if (!rule) return [];
    return lines.filter((l) => rule.test(l));
  }

  onPrinterSendInitialData() {
    this.initialDataSent = true;
    if (this.subscriptionsActive && !this.subscriptions.state) return;
    const payload = stateData();
    payload.temps = tempHistory.slice();
    payload.logs = this.filterLines('logs', logHistory.slice());
    payload.messages = this.filterLines('messages', messageHistory.slice());
    payload.markings = [];
    payload.serverTime = nowSec();
    this.emit('history', payload);
  }

  // OctoPrint's on_printer_send_current_data: rate limit to base interval x throttle factor,
  // keep only the newest held-back state, attach the per-socket temps/logs/messages backlogs.
  onPrinterSendCurrentData(data) {
    if (this.closed || !this.user) return;
    if (this.subscriptionsActive && !this.subscriptions.state) return;
    if (!this.initialDataSent) return;
    if (this.held) {
      clearTimeout(this.held);
      this.held = null;
    }
    const now = Date.now();
    const delta = this.lastCurrent + opts.currentInterval * this.throttle - now;
    if (delta > 0) {
      this.held = setTimeout(() => {
        this.held = null;
        this.onPrinterSendCurrentData(data);
      }, delta);
      return;
    }
    this.lastCurrent = now;
    const temps = this.tempBacklog;
    this.tempBacklog = [];
    const logs = this.filterLines('logs', this.logBacklog);
    this.logBacklog = [];
    const messages = this.filterLines('messages', this.messageBacklog);
    this.messageBacklog = [];
    Object.assign(data, {
      serverTime: now / 1000,
      temps,
      logs,
      messages,
      busyFiles: busyFiles(),
      markings: [],
    });
    this.emit('current', data);
  }

  register() {
    if (this.registered || !this.user) return;
    this.registered = true;
    this.tempBacklog = [];
    this.logBacklog = [];
    this.messageBacklog = [];
    this.onPrinterSendInitialData(); // history
    this.emit('timelapse', null); // timelapse off
  }

  onLogin(session) {
    this.user = opts.user;
    this.session = session;
    this.authed = true;
    const backlog = this.unauthedBacklog;
    this.unauthedBacklog = [];
    for (const [type, payload] of backlog) this.doEmit(type, payload);
    // events go through OctoPrint's async event queue: ClientAuthed arrives after history
    const payload = { username: this.user, remoteAddress: this.remoteAddress };
    setImmediate(() => fireEvent('ClientAuthed', payload));
  }

  onLogout() {
    this.user = null;
    this.session = null;
    this.authed = false;
  }

  sendReauthRequired(reason) {
    this.emit('reauthRequired', { reason });
  }

  onMessage(raw) {
    if (typeof raw !== 'string') {
      log(`${this.id}: ignoring non-string message element ${JSON.stringify(raw)}`);
      return;
    }
    let message;
    try {
      message = JSON.parse(raw);
    } catch (e) {
      log(`${this.id}: invalid JSON received, ignoring: ${raw}`);
      return;
    }
    if (message === null || typeof message !== 'object' || Array.isArray(message)) {
      log(`${this.id}: not an object, ignoring: ${raw}`);
      return;
    }
    if ('auth' in message) {
      const auth = message.auth;
      const parts = typeof auth === 'string' ? auth.split(':') : null;
      if (!parts || parts.length !== 2) {
        log(`${this.id}: invalid auth message, ignoring: ${JSON.stringify(auth)}`);
      } else if (validateUserSession(parts[0], parts[1])) {
        log(`${this.id}: authed as ${parts[0]}`);
        this.onLogin(parts[1]);
        if (opts.autostart && !autostarted) {
          autostarted = true;
          setImmediate(() => startPrint(opts.user));
        }
      } else {
        log(`${this.id}: unknown user/session combo ${auth}`);
        this.onLogout();
        this.sendReauthRequired('stale');
      }
      this.register();
    } else if ('throttle' in message) {
      const n = pythonInt(message.throttle);
      if (n === null || n < 1) {
        log(`${this.id}: invalid throttle factor, ignoring: ${JSON.stringify(message.throttle)}`);
      } else {
        this.throttle = n;
        log(`${this.id}: throttle factor ${n}`);
      }
    } else if ('subscribe' in message) {
      this.subscriptionsActive = true;
      let state;
      let plugins;
      let events;
      try {
        const sub = message.subscribe;
        if (sub === null || typeof sub !== 'object' || Array.isArray(sub)) throw new Error('subscribe must be an object');
        state = sub.state === undefined ? false : sub.state;
        if (typeof state === 'boolean') {
          if (state) state = { logs: true, messages: false };
        } else if (state !== null && typeof state === 'object' && !Array.isArray(state)) {
          state = {
            logs: regexOrBoolean(state.logs === undefined ? false : state.logs),
            messages: regexOrBoolean(state.messages === undefined ? false : state.messages),
          };
        } else {
          throw new Error('state must be a boolean or an object');
        }
        plugins = listOrBoolean(sub.plugins === undefined ? [] : sub.plugins);
        events = listOrBoolean(sub.events === undefined ? [] : sub.events);
      } catch (e) {
        log(`${this.id}: invalid subscription, ignoring: ${e.message}`);
        return;
      }
      const oldState = this.subscriptions.state;
      this.subscriptions = { state, plugins, events };
      if (state && !oldState) {
        this.onPrinterSendInitialData(); // a fresh history (held back if not yet authed)
      } else if (oldState && !state) {
        this.initialDataSent = false;
      }
    }
  }

  describe() {
    const subs = this.subscriptionsActive
      ? {
        state: this.subscriptions.state
          ? {
            logs: this.subscriptions.state.logs instanceof RegExp ? this.subscriptions.state.logs.source : this.subscriptions.state.logs,
            messages: this.subscriptions.state.messages instanceof RegExp ? this.subscriptions.state.messages.source : this.subscriptions.state.messages,
          }
          : false,
        plugins: this.subscriptions.plugins === null ? true : this.subscriptions.plugins,
        events: this.subscriptions.events === null ? true : this.subscriptions.events,
      }
      : null;
    return {
      id: this.id,
      protocol: this.protocol,
      remoteAddress: this.remoteAddress,
      authenticated: this.authed,
      user: this.user,
      registered: this.registered,
      throttle: this.throttle,
      intervalMs: opts.currentInterval * this.throttle,
      subscriptions: subs,
    };
  }
}

let autostarted = false;

function fireEvent(type, payload) {
  log(`event ${type} ${JSON.stringify(payload)}`);
  for (const c of clients.values()) {
    if (c.registered && !c.closed) c.onEvent(type, payload);
  }
}

const sockServer = sockjs.createServer({
  prefix: SOCKJS_PREFIX,
  heartbeat_delay: opts.heartbeat,
  disconnect_delay: opts.disconnectDelay,
  log: (severity, line) => log(`sockjs ${severity}: ${line}`), // never console.log: stdout is reserved
});

sockServer.on('connection', (conn) => {
  if (!conn) return;
  patchWebSocketHeartbeat(conn);
  const client = new Client(conn);
  clients.set(conn.id, client);
  log(`${conn.id}: open (${conn.protocol}) from ${conn.remoteAddress}`);
  client.emit('connected', CONNECTED_PAYLOAD);
  fireEvent('ClientOpened', { remoteAddress: client.remoteAddress });
  conn.on('data', (message) => client.onMessage(message));
  conn.on('close', () => {
    client.closed = true;
    if (client.held) clearTimeout(client.held);
    clients.delete(conn.id);
    log(`${conn.id}: closed`);
    fireEvent('ClientClosed', { remoteAddress: client.remoteAddress });
  });
});

// ---------------------------------------------------------------------------------------------
// HTTP: OctoPrint REST subset and /test/ hooks

function sendJson(res, status, obj, headers = {}) {
  const body = JSON.stringify(obj);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function sendEmpty(res, status) {
  res.writeHead(status);
  res.end();
}

const MAX_JSON_BODY = 1024 * 1024;
const MAX_UPLOAD_BODY = 64 * 1024 * 1024;

function readBodyBuffer(req, limit) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function readBody(req) {
  return (await readBodyBuffer(req, MAX_JSON_BODY)).toString('utf8');
}

// multipart/form-data as Werkzeug reads it: { fields: {name: string}, files: {name: {filename, data}} },
// or undefined when the body does not parse. Handles quoted and unquoted parameters and RFC 5987 filename*.
function parseMultipart(req, body) {
  const type = String(req.headers['content-type'] || '');
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(type);
  if (!/^multipart\/form-data/i.test(type) || !m) return undefined;
  const boundary = Buffer.from('--' + (m[1] || m[2]));
  const result = { fields: {}, files: {} };
  let pos = body.indexOf(boundary);
  if (pos < 0) return undefined;
  while (true) {
    pos += boundary.length;
    if (body.slice(pos, pos + 2).toString() === '--') break; // closing delimiter
    if (body.slice(pos, pos + 2).toString() === '\r\n') pos += 2;
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    if (headerEnd < 0) return undefined;
    const headers = body.slice(pos, headerEnd).toString('utf8').split('\r\n');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), boundary]), headerEnd + 4);
    if (next < 0) return undefined;
    const data = body.slice(headerEnd + 4, next);
    let name = null;
    let filename = null;
    for (const h of headers) {
      const i = h.indexOf(':');
      if (i < 0 || h.slice(0, i).trim().toLowerCase() !== 'content-disposition') continue;
      const params = {};
      for (const part of h.slice(i + 1).split(';').slice(1)) {
        const eq = part.indexOf('=');
        if (eq < 0) continue;
        const key = part.slice(0, eq).trim().toLowerCase();
        let value = part.slice(eq + 1).trim();
        if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
        params[key] = value;
      }
      name = params.name !== undefined ? params.name : null;
      if (params['filename*'] !== undefined) {
        const star = /^([^']*)'[^']*'(.*)$/.exec(params['filename*']);
        try {
          filename = star ? decodeURIComponent(star[2]) : params['filename*'];
        } catch (e) {
          filename = params['filename*'];
        }
      } else if (params.filename !== undefined) {
        filename = params.filename;
      }
    }
    if (name !== null) {
      if (filename !== null) result.files[name] = { filename, data };
      else result.fields[name] = data.toString('utf8');
    }
    pos = next + 2;
  }
  return result;
}

// JSON (or form-encoded) request body as an object; undefined when it does not parse.
function parseBody(req, text) {
  if (text.trim() === '') return {};
  const type = String(req.headers['content-type'] || '');
  if (type.includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  try {
    const v = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
  } catch (e) {
    return undefined;
  }
}

function cookieName() {
  return `session_P${boundPort}`;
}

function parseCookies(req) {
  const out = {};
  for (const part of String(req.headers.cookie || '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

// The API key as OctoPrint reads it: ?apikey=, X-Api-Key, Authorization: Bearer.
function apiKeyOf(req, url) {
  if (url.searchParams.has('apikey')) return url.searchParams.get('apikey');
  if (req.headers['x-api-key'] !== undefined) return String(req.headers['x-api-key']);
  const auth = String(req.headers.authorization || '');
  const m = /^Bearer\s+(.+)$/i.exec(auth);
  return m ? m[1].trim() : undefined;
}

// Who is calling: { user, via: 'apikey' | 'session' } or { user: null, badKey: bool }.
function identify(req, url) {
  const key = apiKeyOf(req, url);
  if (key !== undefined) {
    return key === opts.apiKey ? { user: opts.user, via: 'apikey' } : { user: null, badKey: true };
  }
  const token = parseCookies(req)[cookieName()];
  if (token && loginSessions.has(token)) return { user: loginSessions.get(token).user, via: 'session', token };
  return { user: null, badKey: false };
}

function forbidden(res) {
  sendJson(res, 403, { error: 'You don\'t have the permission to access the requested resource. It is either read-protected or not readable by the server.' });
}

function truthy(v) {
  return v === true || v === 1 || ['true', 'yes', 'y', '1'].includes(String(v).toLowerCase());
}

function loginResponse(res, mechanism) {
  const token = newLoginSession(opts.user, mechanism);
  fireEvent('UserLoggedIn', { username: opts.user });
  sendJson(res, 200, userRecord(token, mechanism), {
    'Set-Cookie': `${cookieName()}=${token}; Path=/; HttpOnly; SameSite=Lax`,
  });
}

async function handleApi(req, res, url, method, path) {
  if (path === '/api/login') {
    if (method !== 'POST') return sendJson(res, 405, { error: 'Method not allowed' });
    const data = parseBody(req, await readBody(req));
    if (data === undefined) return sendJson(res, 400, { error: 'Malformed JSON body or wrong content type in request' });
    if ('user' in data && 'pass' in data) {
      if (String(data.user) === opts.user && String(data.pass) === opts.password) return loginResponse(res, 'password');
      return sendJson(res, 403, { error: 'User unknown or password incorrect' });
    }
    if ('passive' in data) {
      const who = identify(req, url);
      if (who.user) return loginResponse(res, who.via === 'apikey' ? 'apikey' : 'password');
      if (opts.passiveAnonymous) return sendJson(res, 200, ANONYMOUS_RECORD);
      return forbidden(res);
    }
    return sendJson(res, 400, { error: 'Neither user and pass attributes nor passive flag present' });
  }

  if (path === '/api/logout') {
    if (method !== 'POST') return sendJson(res, 405, { error: 'Method not allowed' });
    await readBody(req);
    const token = parseCookies(req)[cookieName()];
    if (token && loginSessions.has(token)) {
      const { user } = loginSessions.get(token);
      loginSessions.delete(token);
      for (const c of clients.values()) {
        if (c.session === token) {
          c.onLogout();
          c.sendReauthRequired('logout');
        }
      }
      fireEvent('UserLoggedOut', { username: user });
    }
    return sendEmpty(res, 204);
  }

  const who = identify(req, url);

  if (path === '/api/currentuser' && method === 'GET') {
    if (!who.user) return sendJson(res, 200, { name: null, permissions: [], groups: ['guests'] });
    return sendJson(res, 200, { name: who.user, permissions: PERMISSIONS.map((p) => p.key), groups: [ADMIN_GROUP, USER_GROUP] });
  }

  if (!who.user) return forbidden(res);

  if (path === '/api/version' && method === 'GET') {
    return sendJson(res, 200, { api: '0.1', server: OCTOPRINT_VERSION, text: `OctoPrint ${OCTOPRINT_VERSION}` });
  }
  if (path === '/api/server' && method === 'GET') {
    return sendJson(res, 200, { version: OCTOPRINT_VERSION, safemode: null });
  }
  if (method === 'POST' || method === 'DELETE') stats.mutations++;
  const base = `http://${req.headers.host || `127.0.0.1:${boundPort}`}`;
  const error = (status, message) => sendJson(res, status, { error: message });
  const jsonBody = async () => {
    const text = await readBody(req);
    const type = String(req.headers['content-type'] || '');
    if (!type.includes('application/json')) return { bad: error(400, 'Expected content-type JSON') };
    const data = parseBody(req, text);
    if (data === undefined) return { bad: error(400, 'Malformed JSON body or wrong content type in request') };
    return { data };
  };
  // get_json_command_from_request: a JSON body with a known "command" and its mandatory parameters
  const commandBody = async (valid) => {
    const { data, bad } = await jsonBody();
    if (bad) return { bad };
    if (typeof data.command !== 'string' || !(data.command in valid)) return { bad: error(400, 'command is invalid') };
    for (const p of valid[data.command]) {
      if (!(p in data)) return { bad: error(400, `Mandatory parameter ${p} missing for command ${data.command}`) };
    }
    return { data };
  };
  const notOperational = () => error(409, 'Printer is not operational');
  const isNumber = (v) => typeof v === 'number' && Number.isFinite(v);

  // ---- connection
  if (path === '/api/connection' && method === 'GET') {
    const connected = printer.stateId !== 'OFFLINE';
    return sendJson(res, 200, {
      current: {
        state: connected ? STATE_DEFS[printer.stateId].text : 'Closed',
        port: printer.port,
        baudrate: printer.baudrate,
        printerProfile: '_default',
      },
      options: {
        ports: SERIAL_PORTS,
        baudrates: BAUDRATES,
        printerProfiles: PRINTER_PROFILES,
        portPreference: SERIAL_PORTS[0],
        baudratePreference: 115200,
        printerProfilePreference: '_default',
        autoconnect: !opts.printerOffline,
      },
    });
  }
  if (path === '/api/connection' && method === 'POST') {
    const { data, bad } = await commandBody({ connect: [], disconnect: [], fake_ack: [] });
    if (bad) return bad;
    if (data.command === 'connect') {
      if ('port' in data && !SERIAL_PORTS.includes(data.port) && data.port !== 'AUTO') return error(400, `Invalid port: ${data.port}`);
      if ('baudrate' in data && !BAUDRATES.includes(data.baudrate) && data.baudrate !== 0) return error(400, `Invalid baudrate: ${data.baudrate}`);
      if ('printerProfile' in data && !PRINTER_PROFILES.some((x) => x.id === data.printerProfile)) {
        return error(400, `Invalid printer profile: ${data.printerProfile}`);
      }
      connectPrinter(data.port, data.baudrate);
    } else if (data.command === 'disconnect') {
      disconnectPrinter(false);
    }
    return sendEmpty(res, 204);
  }

  // ---- printer
  if (path === '/api/printer' && method === 'GET') {
    if (!isOperational()) return notOperational();
    const d = stateData();
    return sendJson(res, 200, {
      temperature: {
        tool0: { actual: printer.tool0.actual, target: printer.tool0.target, offset: 0 },
        bed: { actual: printer.bed.actual, target: printer.bed.target, offset: 0 },
      },
      sd: { ready: false },
      state: d.state,
    });
  }
  if (path === '/api/printer/tool' && method === 'POST') {
    if (!isOperational()) return notOperational();
    const { data, bad } = await commandBody({ select: ['tool'], target: ['targets'], offset: ['offsets'], extrude: ['amount'], flowrate: ['factor'] });
    if (bad) return bad;
    if (data.command === 'target') {
      const targets = data.targets;
      if (targets === null || typeof targets !== 'object' || Array.isArray(targets)) return error(400, 'targets must be an object');
      for (const [tool, value] of Object.entries(targets)) {
        if (!/^tool\d+$/.test(tool)) return error(400, `Invalid target for setting temperature: ${tool}`);
        if (!isNumber(value)) return error(400, `Not a number for ${tool}: ${JSON.stringify(value)}`);
      }
      const lines = [];
      for (const [tool, value] of Object.entries(targets)) {
        if (tool === 'tool0') printer.tool0.target = value; // the simulated printer has one extruder
        lines.push(`M104 T${tool.slice(4)} S${value}`);
      }
      printer.gcode.push(...lines);
    } else if (data.command === 'extrude' && printer.stateId === 'PRINTING') {
      return error(409, 'Printer is currently printing');
    }
    return sendEmpty(res, 204);
  }
  if (path === '/api/printer/bed' && method === 'POST') {
    if (!isOperational()) return notOperational();
    const { data, bad } = await commandBody({ target: ['target'], offset: ['offset'] });
    if (bad) return bad;
    if (data.command === 'target') {
      if (!isNumber(data.target)) return error(400, `Not a number: ${JSON.stringify(data.target)}`);
      printer.bed.target = data.target;
      printer.gcode.push(`M140 S${data.target}`);
    }
    return sendEmpty(res, 204);
  }
  if (path === '/api/printer/printhead' && method === 'POST') {
    const { data, bad } = await commandBody({ jog: [], home: ['axes'], feedrate: ['factor'] });
    if (bad) return bad;
    if (!isOperational() || (printer.stateId === 'PRINTING' && data.command !== 'feedrate')) {
      return error(409, 'Printer is not operational or currently printing');
    }
    if (data.command === 'home') {
      const axes = Array.isArray(data.axes) ? data.axes : [data.axes];
      for (const axis of axes) if (!['x', 'y', 'z'].includes(axis)) return error(400, `Invalid axis: ${axis}`);
      recordGcode([`G28 ${axes.map((a) => a.toUpperCase() + '0').join(' ')}`]);
    }
    return sendEmpty(res, 204);
  }
  if (path === '/api/printer/command' && method === 'POST') {
    if (!isOperational()) return notOperational();
    const { data, bad } = await jsonBody();
    if (bad) return bad;
    if ('command' in data && 'commands' in data) return error(400, "'command' and 'commands' are mutually exclusive");
    if (!('command' in data || 'commands' in data || 'script' in data)) return error(400, "Need one of 'command', 'commands' or 'script'");
    if ('script' in data) return error(404, `Unknown script: ${data.script}`);
    let commands = 'command' in data ? [data.command] : data.commands;
    if (!Array.isArray(commands)) return error(400, "'commands' needs to be a list");
    commands = commands.map(String);
    recordGcode(commands);
    return sendEmpty(res, 204);
  }

  // ---- job
  if (path === '/api/job' && method === 'GET') {
    const d = stateData();
    return sendJson(res, 200, { job: d.job, progress: d.progress, state: d.state.text, error: printer.error });
  }
  if (path === '/api/job' && method === 'POST') {
    if (!isOperational()) return notOperational();
    const { data, bad } = await commandBody({ start: [], restart: [], pause: [], cancel: [] });
    if (bad) return bad;
    const active = isActiveJob();
    switch (data.command) {
      case 'start':
        if (active) return error(409, "Printer already has an active print job, did you mean 'restart'?");
        // OctoPrint's start_print silently does nothing without a selected file: 204 all the same
        if (printer.file) startPrint(who.user);
        break;
      case 'restart':
        if (printer.stateId !== 'PAUSED') return error(409, 'Printer does not have an active print job or is not paused');
        restartPrint(who.user);
        break;
      case 'pause': {
        if (!active) return error(409, "Printer is neither printing nor paused, 'pause' command cannot be performed");
        const action = data.action === undefined ? 'toggle' : data.action;
        if (!['pause', 'resume', 'toggle'].includes(action)) {
          return error(400, `Unknown action '${action}', allowed values for action parameter are 'pause', 'resume' and 'toggle'`);
        }
        pausePrint(action, who.user); // pausing a paused job (or resuming a running one) is a no-op
        break;
      }
      case 'cancel':
        if (!active) return error(409, "Printer is neither printing nor paused, 'cancel' command cannot be performed");
        if (printer.stateId !== 'CANCELLING') cancelPrint(who.user);
        break;
      default:
        break;
    }
    return sendEmpty(res, 204);
  }

  // ---- files
  if (path === '/api/files' && method === 'GET') {
    const recursive = truthy(url.searchParams.get('recursive') || 'false');
    const list = childrenOf('').map((e) => fileJson(base, e, recursive));
    return sendJson(res, 200, { files: list, free: 3200000000, total: 16000000000 });
  }
  const filesMatch = /^\/api\/files\/([^/]+)(?:\/(.+))?$/.exec(path);
  if (filesMatch) {
    const location = filesMatch[1];
    let filePath = null;
    if (filesMatch[2] !== undefined) {
      try {
        filePath = normalizePath(decodeURIComponent(filesMatch[2]));
      } catch (e) {
        filePath = null;
      }
      if (filePath === null || filePath === '') return error(404, 'File not found');
    }
    if (location !== 'local' && location !== 'sdcard') return error(404, `Unknown location: ${location}`);
    if (location === 'sdcard') {
      // SD card support is off in this simulator (OctoPrint answers 404 then)
      if (method === 'GET' && filePath === null) return sendJson(res, 200, { files: [] });
      return error(404, 'SD card support is disabled');
    }
    if (filePath === null && method === 'GET') {
      const recursive = truthy(url.searchParams.get('recursive') || 'false');
      return sendJson(res, 200, { files: childrenOf('').map((e) => fileJson(base, e, recursive)), free: 3200000000, total: 16000000000 });
    }
    if (filePath === null && method === 'POST') return uploadOrCreateFolder(req, res, base, who);
    const entry = files.get(filePath);
    if (method === 'GET') {
      if (!entry) return error(404, 'File not found');
      return sendJson(res, 200, fileJson(base, entry, truthy(url.searchParams.get('recursive') || 'false')));
    }
    if (method === 'POST') {
      const { data, bad } = await commandBody({ select: [], unselect: [], slice: [], analyse: [], copy: ['destination'], move: ['destination'] });
      if (bad) return bad;
      if (data.command === 'select') {
        if (!entry || entry.type !== 'file') return error(404, 'File not found');
        if (!isMachinecode(entry.name)) return error(415, 'Cannot select file for printing, not a machinecode file');
        if (!isReady()) return error(409, 'Printer is already printing, cannot select a new file');
        selectFile(entry);
        if (truthy(data.print === undefined ? false : data.print)) startPrint(who.user);
        return sendEmpty(res, 204);
      }
      if (data.command === 'unselect') {
        if (!isReady()) return error(409, 'Printer is already printing, cannot unselect current file');
        if (!printer.file) return error(409, 'Cannot unselect current file when there is no file selected');
        if (filePath !== printer.file.path && filePath !== 'current') return error(400, 'Only the currently selected file can be unselected');
        unselectFile();
        return sendEmpty(res, 204);
      }
      if (!entry) return error(404, 'File not found');
      return error(400, `Command ${data.command} is not supported by the simulator`);
    }
    if (method === 'DELETE') {
      if (!entry) return error(404, 'File not found');
      const inUse = isActiveJob() && printer.file
        && (printer.file.path === entry.path || printer.file.path.startsWith(entry.path + '/'));
      if (inUse) {
        return error(409, entry.type === 'file'
          ? 'Trying to delete a file that is currently in use'
          : 'Trying to delete a folder that contains a file that is currently in use');
      }
      if (printer.file && (printer.file.path === entry.path || printer.file.path.startsWith(entry.path + '/'))) unselectFile();
      if (entry.type === 'file') {
        files.delete(entry.path);
        fireEvent('FileRemoved', { storage: 'local', path: entry.path, name: entry.name, type: fileEventType(), operation: 'remove' });
      } else {
        for (const p of [...files.keys()]) if (p === entry.path || p.startsWith(entry.path + '/')) files.delete(p);
        fireEvent('FolderRemoved', { storage: 'local', path: entry.path, name: entry.name });
      }
      fireEvent('UpdatedFiles', { type: 'printables' });
      return sendEmpty(res, 204);
    }
  }
  return sendJson(res, 404, { error: 'Not found' });
}

// POST /api/files/local: a multipart upload ("file" plus select/print/path/noOverwrite) or a new folder ("foldername").
async function uploadOrCreateFolder(req, res, base, who) {
  const error = (status, message) => sendJson(res, status, { error: message });
  let body;
  try {
    body = await readBodyBuffer(req, MAX_UPLOAD_BODY);
  } catch (e) {
    return error(413, 'Request entity too large');
  }
  const form = parseMultipart(req, body);
  if (!form) return error(400, 'No file to upload and no folder to create');
  const field = (name) => form.fields[name];
  if (form.files.file) {
    const upload = form.files.file;
    const folder = field('path') ? normalizePath(field('path')) : normalizePath(parentOf(upload.filename));
    const name = sanitizeName(field('filename') || baseName(String(upload.filename).replace(/\\/g, '/')));
    if (folder === null || !name) return error(400, 'Can not upload file, invalid file name');
    if (!isMachinecode(name)) return error(415, 'Could not upload file, invalid type');
    const full = folder ? `${folder}/${name}` : name;
    const existing = files.get(full);
    if (existing && existing.type === 'folder') return error(409, 'A folder of that name exists already');
    if (isActiveJob() && printer.file && printer.file.path === full) return error(409, 'Trying to overwrite file that is currently being printed');
    if (existing && truthy(field('noOverwrite') || 'false')) return error(409, 'File already exists and noOverwrite was set');
    const selectRequest = truthy(field('select') || 'false');
    const printRequest = truthy(field('print') || 'false');
    const effectivePrint = printRequest && isReady();
    const effectiveSelect = (selectRequest || printRequest) && isReady();
    const reselect = !!(printer.file && printer.file.path === full);

    for (const created of ensureFolder(folder)) {
      fireEvent('FolderAdded', { storage: 'local', path: created, name: baseName(created) });
    }
    addFile(full, upload.data.length, name);
    fireEvent('FileAdded', { storage: 'local', path: full, name, type: fileEventType(), operation: 'add' });
    fireEvent('UpdatedFiles', { type: 'printables' });
    if (effectiveSelect || reselect) selectFile(files.get(full));
    if (effectivePrint) startPrint(who.user);
    fireEvent('Upload', {
      name, path: full, target: 'local', select: selectRequest, print: printRequest,
      effective_select: effectiveSelect, effective_print: effectivePrint,
    });
    const location = fileRefs(base, files.get(full)).resource;
    return sendJson(res, 201, {
      files: { local: { name, path: full, origin: 'local', refs: fileRefs(base, files.get(full)) } },
      done: true,
      effectiveSelect,
      effectivePrint,
    }, { Location: location });
  }
  if (field('foldername') !== undefined) {
    const parent = field('path') ? normalizePath(field('path')) : '';
    const name = sanitizeName(field('foldername'));
    if (parent === null) return error(400, 'Could not create folder, invalid directory');
    if (!name) return error(400, 'folder name is empty');
    if (isMachinecode(name)) return error(409, "Can't create folder, please try another name");
    const full = parent ? `${parent}/${name}` : name;
    const existing = files.get(full);
    if (existing && existing.type === 'file') return error(409, 'A file of that name exists already');
    for (const created of ensureFolder(full)) {
      fireEvent('FolderAdded', { storage: 'local', path: created, name: baseName(created) });
    }
    fireEvent('UpdatedFiles', { type: 'printables' });
    const entry = files.get(full);
    return sendJson(res, 201, {
      folder: { name, path: full, origin: 'local', refs: fileRefs(base, entry) },
      done: true,
    }, { Location: fileRefs(base, entry).resource });
  }
  return error(400, 'No file to upload and no folder to create');
}

const CLOSE_REASONS = { 1000: 'Normal closure', 1011: 'Internal error', 3000: 'Go away!' };

function abortConnection(conn) {
  const session = conn._session;
  const recv = session && session.recv;
  const socket = recv && (recv.connection || (recv.request && recv.request.socket));
  if (socket && typeof socket.destroy === 'function') {
    socket.destroy();
  } else if (session && session.session_id && !session.recv && typeof session.didTimeout === 'function') {
    // polling session between two requests: forget it at once (the next request gets a new "o")
    try {
      session.didTimeout();
    } catch (e) {
      log(`abort: ${e.message}`);
    }
  }
}

async function handleTest(req, res, url, method, path) {
  if (path === '/test/state' && method === 'GET') {
    const list = [...clients.values()].filter((c) => c.isOpen);
    return sendJson(res, 200, {
      connected: list.length,
      authenticated: list.filter((c) => c.authed).length,
      sessions: loginSessions.size,
      clients: list.map((c) => c.describe()),
      print: {
        state: STATE_DEFS[printer.stateId].text,
        stateId: printer.stateId,
        file: printer.file ? printer.file.name : null,
        owner: printer.owner,
        completion: printer.progress.completion,
        printTime: printer.progress.printTime,
        printTimeLeft: printer.progress.printTimeLeft,
        currentZ: printer.currentZ,
        printsStarted: printer.printsStarted,
        lastResult: printer.lastResult,
        printSeconds: opts.printSeconds,
        fail: opts.fail,
      },
      currentIntervalMs: opts.currentInterval,
      printer: {
        connection: printer.stateId === 'OFFLINE' ? 'Closed' : STATE_DEFS[printer.stateId].text,
        port: printer.port,
        baudrate: printer.baudrate,
        toolActual: printer.tool0.actual,
        toolTarget: printer.tool0.target,
        bedActual: printer.bed.actual,
        bedTarget: printer.bed.target,
        homeCount: printer.homeCount,
        gcode: printer.gcode.slice(),
        selected: printer.file ? printer.file.path : null,
      },
      files: [...files.values()].map((e) => ({ path: e.path, type: e.type, size: e.type === 'file' ? e.size : null }))
        .sort((a, b) => a.path.localeCompare(b.path)),
      mutations: stats.mutations,
    });
  }
  if (method !== 'POST') return sendJson(res, 404, { error: 'Not found' });
  await readBody(req);

  if (path === '/test/start') {
    return startPrint(url.searchParams.get('user') || opts.user)
      ? sendJson(res, 200, { started: true })
      : sendJson(res, 409, { started: false, state: STATE_DEFS[printer.stateId].text });
  }
  if (path === '/test/api-key') {
    // rotates the API key (the old one gets 403 from now on), as when a user regenerates it
    const key = url.searchParams.get('key');
    if (!key) return sendJson(res, 400, { error: 'key is required' });
    opts.apiKey = key;
    return sendJson(res, 200, { changed: true });
  }
  if (path === '/test/reauth') {
    const reason = url.searchParams.get('reason') || 'stale';
    let sent = 0;
    for (const c of clients.values()) {
      if (!c.isOpen) continue;
      // stale/logout/removed drop the socket back to anonymous (OctoPrint does _on_logout first)
      if (reason !== 'modified') c.onLogout();
      c.sendReauthRequired(reason);
      sent++;
    }
    return sendJson(res, 200, { sent, reason });
  }
  if (path === '/test/disconnect') {
    const abort = truthy(url.searchParams.get('abort') || '');
    const codeText = url.searchParams.get('code');
    if (codeText !== null && !/^\d+$/.test(codeText)) return sendJson(res, 400, { error: 'code must be an integer' });
    const code = codeText === null ? 3000 : Number(codeText);
    const reason = url.searchParams.get('reason') || CLOSE_REASONS[code] || 'Go away!';
    let closed = 0;
    for (const c of [...clients.values()]) {
      if (!c.isOpen) continue;
      if (abort) abortConnection(c.conn);
      else c.conn.close(code, reason);
      closed++;
    }
    let expired = 0;
    if (truthy(url.searchParams.get('expire') || '')) {
      expired = loginSessions.size;
      loginSessions.clear();
    }
    return sendJson(res, 200, abort ? { closed, abort: true, expired } : { closed, code, reason, expired });
  }
  if (path === '/test/expire-sessions') {
    const expired = loginSessions.size;
    const tokens = new Set(loginSessions.keys());
    loginSessions.clear();
    let notified = 0;
    if (truthy(url.searchParams.get('notify') || '')) {
      // as when OctoPrint reaps a stale login session that a socket is using
      for (const c of clients.values()) {
        if (c.isOpen && c.session && tokens.has(c.session)) {
          c.onLogout();
          c.sendReauthRequired('stale');
          notified++;
        }
      }
    }
    return sendJson(res, 200, { expired, notified });
  }
  return sendJson(res, 404, { error: 'Not found' });
}

let boundPort = 0;

// The request handler given to createServer() only sees requests outside /sockjs:
// sockjs.installHandlers() takes the prefix and passes everything else to earlier listeners.
const httpServer = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const method = req.method;
  let handler = null;
  if (path.startsWith('/api/')) handler = handleApi;
  else if (path.startsWith('/test/')) handler = handleTest;
  if (!handler) {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found');
    return;
  }
  handler(req, res, url, method, path).catch((err) => {
    process.stderr.write(`octoprint-sim: ${err.stack || err}\n`);
    if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
    else res.end();
  });
});

sockServer.installHandlers(httpServer, { prefix: SOCKJS_PREFIX });

httpServer.on('error', (err) => {
  process.stderr.write(`octoprint-sim: ${err.stack || err}\n`);
  process.exit(1);
});

function exitNow() {
  process.exit(0);
}

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

setInterval(tick, opts.currentInterval);

httpServer.listen(opts.port, '127.0.0.1', () => {
  boundPort = httpServer.address().port;
  process.stdout.write(`READY ${boundPort}\n`);
});
