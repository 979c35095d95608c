// Builds real nodes for tests: real sockets on distinct 127.0.0.x addresses,
// real data folders, devnet timings (or tighter ones), one genesis for all.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveGenesis, Genesis } from '../../src/chain/genesis';
import { KeyPair, keyPairFromSeed } from '../../src/crypto';
import { configFor, NodeConfig, NodeTimings, NodeLimits } from '../../src/base/config';
import { createLogger, Logger, silentLogger } from '../../src/base/log';
import { Node, NodeOptions } from '../../src/node/node';

/** Deterministic test keys: seed = [i, i, …]. */
export function testKey(i: number): KeyPair {
  return keyPairFromSeed(Buffer.alloc(32, i));
}

export function testGenesis(masternodes: KeyPair[], fields: Partial<{ network: string; time: number; interval: number }> = {}): Genesis {
  return deriveGenesis({
    network: fields.network ?? 'testnet',
    time: fields.time ?? Date.now() - 1000,
    interval: fields.interval ?? 2000,
    masternodes: masternodes.map((k) => k.publicKey),
  });
}

export function tempDir(prefix = 'timenode-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Each test run uses its own port so parallel test files never collide. */
let nextPort = 30000 + ((process.pid * 7) % 20000);
export function freePort(): number {
  return nextPort++;
}

export interface TestNodeOptions extends Partial<Omit<NodeOptions, 'config'>> {
  ip: string;
  port?: number;
  keys: KeyPair;
  genesis: Genesis;
  timings?: Partial<NodeTimings>;
  limits?: Partial<NodeLimits>;
  /** Log lines go here (for asserting on them); silent by default. Set TIMENODE_TEST_LOG=1 to print. */
  logLines?: string[];
}

export function testConfig(timings: Partial<NodeTimings> = {}, limits: Partial<NodeLimits> = {}): NodeConfig {
  const base = configFor('devnet');
  return { ...base, timings: { ...base.timings, ...timings }, limits: { ...base.limits, ...limits } };
}

export function testLogger(name: string, lines?: string[]): Logger {
  if (process.env.TIMENODE_TEST_LOG === '1') return createLogger(name, 'debug');
  if (lines) return createLogger(name, 'debug', (l) => lines.push(l));
  return silentLogger;
}

export async function startNode(o: TestNodeOptions): Promise<Node> {
  const port = o.port ?? freePort();
  const node = new Node({
    keys: o.keys,
    genesis: o.genesis,
    dataDir: o.dataDir ?? tempDir(),
    listen: `${o.ip}:${port}`,
    peers: o.peers ?? [],
    config: testConfig(o.timings, o.limits),
    log: testLogger(o.ip, o.logLines),
    chainLimits: o.chainLimits,
    syncTimings: o.syncTimings,
    banMs: o.banMs,
  });
  await node.start();
  return node;
}

/** Polls `check` until it returns a truthy value; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 10_000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
