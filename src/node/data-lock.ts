// One node per data folder: `start` holds an exclusive lock on DIR/node.lock
// for its whole life, and a second `start` on the same folder is refused at
// once, naming the PID that holds it. Two nodes on one folder would sign
// blocks with the same key and overwrite each other's records in blocks.dat.
//
// Both locks the kernel drops when the holder dies, however it dies (kill -9
// leaves nothing stale):
//   flock(2) on node.lock, through our addon: works across containers and
//     network namespaces that share the folder;
//   a Linux abstract unix socket named after the folder's real path, bound by
//     every node, with or without the addon (TIMENODE_NATIVE=0, the portable
//     bundle): two nodes in different network namespaces do not see each
//     other's socket, which is why the addon's flock comes first.
// node.lock holds the holder's PID, for the refusal's message only: the
// locks decide, never the file's content. Where abstract sockets do not exist
// (not Linux) and without the addon, the PID in the file is checked for
// liveness instead: a stale file whose PID was reused refuses until removed.
import { createHash } from 'node:crypto';
import { closeSync, constants, ftruncateSync, mkdirSync, openSync, readFileSync, realpathSync, writeSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { join } from 'node:path';
import { processAddon } from './process-setup';

export const LOCK_FILE_NAME = 'node.lock';

export class DataLockError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: number | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'DataLockError';
  }
}

/** Held until the process exits; release() is for tests and a clean stop. */
export interface DataLock {
  readonly file: string;
  /** "flock + socket", "socket", "pid file". */
  readonly how: string;
  release(): void;
}

function refuse(dataDir: string, file: string): never {
  const holder = pidIn(file);
  const who = holder === undefined ? 'another process (its PID is not written yet)' : `process ${holder}`;
  throw new DataLockError(dataDir, holder, `data folder ${dataDir} is in use by ${who} (${file} is locked); stop that node first, or give this one another --data`);
}

function pidIn(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isSafeInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the folder's lock (creating the folder), or throws DataLockError naming the holder. */
export async function lockDataFolder(dataDir: string): Promise<DataLock> {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, LOCK_FILE_NAME);
  const fd = openSync(file, constants.O_RDWR | constants.O_CREAT, 0o600);
  let flocked = false;
  try {
    const addon = processAddon();
    if (addon) {
      const errno = addon.lockExclusive(fd);
      if (errno === addon.EWOULDBLOCK) refuse(dataDir, file);
      flocked = errno === 0;
    }
    const socket = await bindFolderSocket(realpathSync(dataDir));
    if (socket === 'in use') refuse(dataDir, file);
    if (socket === 'unsupported' && !flocked) {
      const holder = pidIn(file);
      if (holder !== undefined && holder !== process.pid && alive(holder)) refuse(dataDir, file);
    }
    ftruncateSync(fd, 0);
    writeSync(fd, `${process.pid}\n`, 0);
    const how = [flocked && 'flock', socket instanceof Server && 'socket'].filter(Boolean).join(' + ') || 'pid file';
    return {
      file,
      how,
      release: () => {
        if (socket instanceof Server) socket.close();
        // Closing the descriptor drops the flock.
        closeSync(fd);
      },
    };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** The folder's abstract socket, bound; 'in use' when another process holds it; 'unsupported' off Linux. */
function bindFolderSocket(realDir: string): Promise<Server | 'in use' | 'unsupported'> {
  if (process.platform !== 'linux') return Promise.resolve('unsupported');
  const name = `\0timenode-data-${createHash('sha256').update(realDir).digest('hex').slice(0, 40)}`;
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'EADDRINUSE' ? 'in use' : 'unsupported'));
    server.listen(name, () => {
      // The lock must not keep the process alive, nor accept anything.
      server.unref();
      server.on('connection', (c) => c.destroy());
      resolve(server);
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
