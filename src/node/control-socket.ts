// The local control socket, DATA/control.sock (mode 0600, never on the
// network): `timenode status` connects, writes one request line, and reads
// one JSON line back. One request per connection, answered at once; a
// client that sends more than a line is cut off, so the socket holds no
// growing buffer.
import { existsSync, chmodSync, unlinkSync } from 'node:fs';
import { connect, createServer, Server, Socket } from 'node:net';
import { join } from 'node:path';

export const CONTROL_SOCKET = 'control.sock';
/** A request is a word ("status"); anything longer is not a client of ours. */
const MAX_REQUEST_BYTES = 256;
/** Connections served at once; more are closed at accept (a local loop cannot exhaust fds). */
const MAX_CLIENTS = 16;

export type ControlHandler = (request: string) => unknown;

export class ControlSocketError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ControlSocketError';
  }
}

export function controlSocketPath(dataDir: string): string {
  return join(dataDir, CONTROL_SOCKET);
}

/** Listens on DATA/control.sock; a stale file from a killed node is replaced, a live node's is refused. */
export async function openControlSocket(dataDir: string, handle: ControlHandler): Promise<Server> {
  const path = controlSocketPath(dataDir);
  if (existsSync(path)) {
    if (await answers(path)) throw new ControlSocketError(`another node is running on ${dataDir} (its control socket ${path} answers)`);
    unlinkSync(path);
  }
  const server = createServer((socket) => serve(socket, handle));
  server.maxConnections = MAX_CLIENTS;
  // The socket file is created by bind() inside listen(): with umask 077 it is 0600 from its first moment.
  const umask = process.umask(0o177);
  try {
    await new Promise<void>((ready, fail) => {
      server.once('error', fail);
      server.listen(path, () => {
        server.off('error', fail);
        ready();
      });
    });
  } finally {
    process.umask(umask);
  }
  chmodSync(path, 0o600);
  return server;
}

export function closeControlSocket(server: Server, dataDir: string): Promise<void> {
  return new Promise((done) => {
    server.close(() => {
      // A process killed before this leaves the file; the next start finds it dead and replaces it.
      const path = controlSocketPath(dataDir);
      if (existsSync(path)) unlinkSync(path);
      done();
    });
  });
}

function serve(socket: Socket, handle: ControlHandler): void {
  let request = '';
  socket.setEncoding('utf8');
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: string) => {
    request += chunk;
    const end = request.indexOf('\n');
    if (end < 0) {
      if (request.length > MAX_REQUEST_BYTES) socket.destroy();
      return;
    }
    socket.removeAllListeners('data');
    let reply: unknown;
    try {
      reply = handle(request.slice(0, end).trim());
    } catch (err) {
      reply = { error: (err as Error).message };
    }
    socket.end(`${JSON.stringify(reply)}\n`);
  });
}

function answers(path: string): Promise<boolean> {
  return new Promise((done) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      done(true);
    });
    s.once('error', () => done(false));
  });
}

/** Asks the node on `dataDir` one request; rejects with a ControlSocketError saying what to check. */
export function askControlSocket(dataDir: string, request: string, timeoutMs = 5000): Promise<unknown> {
  const path = controlSocketPath(dataDir);
  return new Promise((resolve, reject) => {
    const s = connect(path);
    let text = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new ControlSocketError(`${path}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    s.setEncoding('utf8');
    s.once('connect', () => s.write(`${request}\n`));
    s.on('data', (chunk: string) => (text += chunk));
    s.once('end', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new ControlSocketError(`${path}: the answer is not JSON (is this a timenode control socket?)`));
      }
    });
    s.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') reject(new ControlSocketError(`no node is running on ${dataDir} (${path}: ${err.code})`));
      else if (err.code === 'EACCES') reject(new ControlSocketError(`${path}: permission denied (run as the user the node runs as, e.g. sudo -u timenode)`));
      else reject(new ControlSocketError(`${path}: ${err.message}`));
    });
  });
}
