// Real node processes for the slow tests: `bin/timenode start` run as a
// program with an IPC channel, its log kept in memory, its status asked for over IPC; plus
// the files such a node reads (genesis, key file) and a block store filled
// with a valid pre-made chain. Every process spawned through a NodeGroup is
// killed when the group is closed, whatever the test did.
import { ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, openSync, readSync, fstatSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { BlockStore, HEADER_BYTES } from '../../src/chain/block-store';
import { checkRecord, decodeRecord } from '../../src/chain/block-record';
import { deriveGenesis, formatGenesis, Genesis } from '../../src/chain/genesis';
import { blockHash } from '../../src/chain/layouts';
import { signBlock } from '../../src/chain/signing';
import type { Block, Tx } from '../../src/chain/types';
import type { KeyPair } from '../../src/crypto';
import type { NodeCommand, NodeReport } from '../../src/cli/devnet';
import type { NodeStatus, PeerStatus } from '../../src/node/status';
import { encodeMessage } from '../../src/wire/messages';

/** bin/timenode, from lib/test/support/. */
export const TIMENODE_BIN = resolve(__dirname, '../../../bin/timenode');
export const REPO_ROOT = resolve(__dirname, '../../..');

export interface SpawnOptions {
  /** A name for log dumps and failure messages ("node1"). */
  name?: string;
  ip: string;
  port: number;
  dataDir: string;
  genesisFile: string;
  /** "IP:PORT" of configured peers. */
  peers?: string[];
  profile?: 'devnet' | 'default';
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** More `start` flags, appended as given (e.g. ['--max-memory', '64']). */
  extraArgs?: string[];
  /** Hot-path backends: 'fallback' sets TIMENODE_NATIVE=0, 'native' clears it; default inherits the test's environment. */
  backends?: 'native' | 'fallback';
  /** Runs the node inside this network namespace (`ip netns exec NS …`, which execs: same pid, same IPC channel). */
  netns?: string;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One `timenode start` child process. */
export class NodeProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** The last status the node reported (every second, or on request). */
  latest: NodeStatus | undefined;
  /** Everything the process wrote to stderr and stdout: its log. */
  log = '';
  readonly exited: Promise<Exit>;
  exit: Exit | undefined;
  private waiters: { resolve: (s: NodeStatus) => void; reject: (e: Error) => void }[] = [];

  constructor(readonly options: SpawnOptions) {
    this.name = options.name ?? `${options.ip}:${options.port}`;
    const args = ['start', '--data', options.dataDir, '--genesis', options.genesisFile, '--listen', `${options.ip}:${options.port}`];
    for (const peer of options.peers ?? []) args.push('--peer', peer);
    args.push('--profile', options.profile ?? 'devnet');
    if (options.logLevel) args.push('--log-level', options.logLevel);
    args.push(...(options.extraArgs ?? []));
    const env = { ...process.env };
    if (options.backends === 'fallback') env.TIMENODE_NATIVE = '0';
    if (options.backends === 'native') delete env.TIMENODE_NATIVE;
    // Run as a user runs it: the program itself, which sets up its own process (src/node/process-setup.ts).
    const stdio: ['ignore', 'pipe', 'pipe', 'ipc'] = ['ignore', 'pipe', 'pipe', 'ipc'];
    this.child = options.netns ? spawn('ip', ['netns', 'exec', options.netns, TIMENODE_BIN, ...args], { stdio, env }) : spawn(TIMENODE_BIN, args, { stdio, env });
    this.child.stderr?.setEncoding('utf8');
    this.child.stdout?.setEncoding('utf8');
    this.child.stderr?.on('data', (chunk: string) => (this.log += chunk));
    this.child.stdout?.on('data', (chunk: string) => (this.log += chunk));
    this.child.on('message', (msg: NodeReport) => {
      if (typeof msg !== 'object' || msg === null || msg.kind !== 'status') return;
      this.latest = msg.status;
      const waiting = this.waiters;
      this.waiters = [];
      for (const w of waiting) w.resolve(msg.status);
    });
    // An IPC send racing the child's exit fails with EPIPE/ERR_IPC_CHANNEL_CLOSED; the exit itself is what matters.
    this.child.on('error', () => undefined);
    this.exited = new Promise<Exit>((done) => {
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        const waiting = this.waiters;
        this.waiters = [];
        for (const w of waiting) w.reject(new Error(`${this.name} exited (code ${code}, signal ${signal}) before answering a status request`));
        done(this.exit);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** A fresh status: asks the node over IPC and resolves with the next report. */
  status(timeoutMs = 5000): Promise<NodeStatus> {
    if (!this.running || !this.child.connected) return Promise.reject(new Error(`${this.name} is not running (exit ${JSON.stringify(this.exit)})`));
    return new Promise<NodeStatus>((resolveStatus, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`${this.name} did not answer a status request within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        resolve: (s: NodeStatus): void => {
          clearTimeout(timer);
          resolveStatus(s);
        },
        reject: (e: Error): void => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.waiters.push(waiter);
      this.command('status');
    });
  }

  /** Hands a tx to the node as if a peer had sent it. */
  submit(tx: Tx): void {
    this.command({ kind: 'submit', payload: encodeMessage({ type: 'tx', tx }).toString('hex') });
  }

  /** SIGTERM, then waits for the exit; SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 10_000): Promise<Exit> {
    if (this.exit) return this.exit;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  /** kill -9 and wait for the exit. */
  async kill9(): Promise<Exit> {
    if (this.exit) return this.exit;
    this.child.kill('SIGKILL');
    return this.exited;
  }

  /** The log lines matching `re`. */
  lines(re: RegExp): string[] {
    return this.log.split('\n').filter((l) => re.test(l));
  }

  private command(msg: NodeCommand): void {
    if (this.child.connected) this.child.send(msg);
  }
}

/** The processes of one test: spawned through it, dumped on failure, all killed by close(). */
export class NodeGroup {
  readonly all: NodeProcess[] = [];

  spawn(options: SpawnOptions): NodeProcess {
    const node = new NodeProcess(options);
    this.all.push(node);
    return node;
  }

  /** Every log, for a failure message. */
  dump(): string {
    return this.all
      .map((n) => `===== ${n.name} pid ${n.pid} exit ${JSON.stringify(n.exit)} =====\n${n.log}`)
      .join('\n');
  }

  /** Stops every process still running: SIGTERM with a grace period, then SIGKILL. */
  async close(graceMs = 5000): Promise<void> {
    await Promise.all(this.all.map((n) => n.stop(graceMs)));
  }
}

/**
 * Runs `body` with a fresh group; on failure prints every process's log to
 * stderr before rethrowing; always leaves no process behind.
 */
export async function withNodes<T>(body: (group: NodeGroup) => Promise<T>): Promise<T> {
  const group = new NodeGroup();
  try {
    return await body(group);
  } catch (err) {
    process.stderr.write(`\n----- logs of the node processes (test failed) -----\n${group.dump()}\n----- end of logs -----\n`);
    throw err;
  } finally {
    await group.close();
  }
}

/** Spawns one node through a throwaway-free path (the caller must stop it). */
export function spawnNode(options: SpawnOptions): NodeProcess {
  return new NodeProcess(options);
}

/**
 * Polls `check` until it returns a value other than undefined/false; fails
 * after `timeoutMs` with `what` and the last value `describe` gives (so the
 * failure says what was seen instead).
 */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  options: { timeoutMs?: number; everyMs?: number; describe?: () => string } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const everyMs = options.everyMs ?? 200;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const seen = options.describe ? `; last seen: ${options.describe()}` : '';
      const error = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}${seen}${error}`);
    }
    await sleep(everyMs);
  }
}

/** True when a server can listen on ip:port right now. */
export function canListen(ip: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen({ host: ip, port, exclusive: true }, () => server.close(() => done(true)));
  });
}

/**
 * A port free on every one of `ips`, tried from random points of
 * [base, base + span): a second run of the same test file (another checkout,
 * another backend pass) then rarely meets this one.
 */
export async function portFreeOn(ips: readonly string[], base = 24300, span = 4000): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = base + Math.floor(Math.random() * span);
    const free = await Promise.all(ips.map((ip) => canListen(ip, port)));
    if (free.every(Boolean)) return port;
  }
  throw new Error(`no port in ${base}..${base + span - 1} is free on all of ${ips.join(', ')}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Established peers by IP, for assertions. */
export function peersOf(status: NodeStatus): Map<string, PeerStatus> {
  return new Map(status.peers.filter((p) => p.state === 'established').map((p) => [p.ip, p]));
}

/** Writes DIR/node.key in the format of PROTOCOL.md §7, so the genesis can list the key before the node starts. */
export function writeKeyFile(dataDir: string, keys: KeyPair): void {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'node.key');
  writeFileSync(file, `${JSON.stringify({ public: keys.publicKey.toString('hex'), seed: keys.seed.toString('hex') }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** Writes DIR/genesis.json listing `keys` as masternodes. */
export function writeGenesis(
  dir: string,
  keys: (KeyPair | Buffer)[],
  fields: { interval: number; time: number; network?: string },
): { file: string; genesis: Genesis } {
  mkdirSync(dir, { recursive: true });
  const masternodes = keys.map((k) => (Buffer.isBuffer(k) ? k : k.publicKey));
  const g = { network: fields.network ?? 'slowtest', time: fields.time, interval: fields.interval, masternodes };
  const file = join(dir, 'genesis.json');
  writeFileSync(file, formatGenesis(g));
  return { file, genesis: deriveGenesis(g) };
}

/**
 * Appends blocks 1..count of a valid chain to DATA/blocks.dat: block h at
 * genesis.time + h·interval (r = 0), produced and signed by schedule[h mod n],
 * each linked to its parent's hash. The genesis time must be at least
 * count·interval in the past, or the last blocks would be "in the future".
 * `txidsPerBlock` made-up txids make each block that much larger on the wire.
 */
export function makeChain(dataDir: string, genesis: Genesis, keys: KeyPair[], count: number, batch = 1000, txidsPerBlock = 0): { height: number; tip: Buffer } {
  const byKey = new Map(keys.map((k) => [k.publicKey.toString('hex'), k]));
  const producers = genesis.schedule.map((pub) => {
    const k = byKey.get(pub.toString('hex'));
    if (!k) throw new Error(`makeChain: no key pair for masternode ${pub.toString('hex')}`);
    return k;
  });
  const store = BlockStore.open(dataDir, genesis.hash);
  try {
    if (store.height !== 0) throw new Error(`makeChain: ${dataDir} already holds ${store.height} blocks`);
    let prev = genesis.hash;
    let pending: Block[] = [];
    for (let h = 1; h <= count; h++) {
      const keys = producers[h % producers.length] as KeyPair;
      // Made-up txids: a block's txids are its producer's claim (§5), so fat blocks need no txs.
      const txids = Array.from({ length: txidsPerBlock }, (_, i) => createHash('sha256').update(`${h}:${i}`).digest());
      const block = signBlock(keys, { height: h, prev, time: genesis.time + h * genesis.interval, txids });
      prev = blockHash(block);
      pending.push(block);
      if (pending.length >= batch) {
        store.append(pending);
        pending = [];
      }
    }
    store.append(pending);
    return { height: store.height, tip: prev };
  } finally {
    store.close();
  }
}

/**
 * The blocks in DATA/blocks.dat, read without opening a BlockStore (which
 * would truncate a tail the running node is still writing): the intact
 * records from the start, stopping at the first incomplete one.
 */
export function readBlocks(dataDir: string): Block[] {
  const fd = openSync(join(dataDir, 'blocks.dat'), 'r');
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(size);
    let read = 0;
    while (read < size) {
      const n = readSync(fd, buf, read, size - read, read);
      if (n === 0) break;
      read += n;
    }
    const blocks: Block[] = [];
    let at = HEADER_BYTES;
    while (at < read) {
      const check = checkRecord(buf, at, read);
      if (check.status !== 'ok') break;
      blocks.push(decodeRecord(buf, at, check.size));
      at += check.size;
    }
    return blocks;
  } finally {
    closeSync(fd);
  }
}

/** First 16 hex digits: how the node's log names a tx ("tx 0123456789abcdef finalized"). */
export function short(b: Buffer): string {
  return b.toString('hex').slice(0, 16);
}
