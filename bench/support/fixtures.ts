// What the cases feed the nodes: a genesis whose masternodes are bench keys
// (so the nodes under test are plain relays: no votes, no blocks of their
// own), key files, signed txs, and a valid chain in a block store.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlockStore } from '../../src/chain/block-store';
import { deriveGenesis, formatGenesis, Genesis } from '../../src/chain/genesis';
import { blockHash } from '../../src/chain/layouts';
import { signBlock, signTx } from '../../src/chain/signing';
import type { Block, Tx } from '../../src/chain/types';
import { hash, KeyPair, keyPairFromSeed } from '../../src/crypto';
import { encodeFrame } from '../../src/wire/frame';
import { encodeMessage } from '../../src/wire/messages';

export const BENCH_NETWORK = 'bench';
/** Masternodes of the bench network: nobody runs them, they only sign txs and blocks. */
export const MASTERNODES = 3;
/** Block interval of the bench network; the chain for sync lies in the past at this spacing. */
export const BENCH_INTERVAL_MS = 1000;

/** Deterministic keys: seed = [tag, i, i, …]. Tag 1: masternodes, 2: node identities, 3: peers, 4: tx senders. */
export function benchKey(tag: number, i: number): KeyPair {
  const seed = Buffer.alloc(32, i & 0xff);
  seed[0] = tag;
  seed[1] = i >> 8;
  return keyPairFromSeed(seed);
}

export function masternodeKeys(): KeyPair[] {
  return Array.from({ length: MASTERNODES }, (_, i) => benchKey(1, i));
}

/** DIR/genesis.json, far enough in the past for `blocks` blocks at BENCH_INTERVAL_MS. */
export function writeBenchGenesis(dir: string, blocks = 0): { file: string; genesis: Genesis } {
  mkdirSync(dir, { recursive: true });
  // Rounded to the hour so every run of one process (and the chain cache) shares one genesis.
  const hour = 3_600_000;
  const time = Math.floor((Date.now() - (blocks + 10) * BENCH_INTERVAL_MS) / hour) * hour - hour;
  const fields = { network: BENCH_NETWORK, time, interval: BENCH_INTERVAL_MS, masternodes: masternodeKeys().map((k) => k.publicKey) };
  const file = join(dir, 'genesis.json');
  writeFileSync(file, formatGenesis(fields));
  return { file, genesis: deriveGenesis(fields) };
}

/** DIR/node.key (PROTOCOL.md §7), so a node starts without generating a key. */
export function writeKeyFile(dataDir: string, keys: KeyPair): void {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'node.key');
  writeFileSync(file, `${JSON.stringify({ public: keys.publicKey.toString('hex'), seed: keys.seed.toString('hex') })}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

export interface TxSet {
  txs: Tx[];
  /** Each tx as a `tx` frame (length prefix included), all the same size. */
  frames: Buffer[];
  frameBytes: number;
}

const txCache = new Map<string, TxSet>();

/**
 * `count` distinct valid txs, one input and one output each, signed by a
 * handful of sender keys. Every field has a fixed encoded size, so every
 * frame (ours and the node's re-encoding) has the same length. Cached per
 * process by (salt, count): signing is the slow part on a small board.
 */
export function signedTxs(count: number, salt: number): TxSet {
  const cacheKey = `${salt}:${count}`;
  const cached = txCache.get(cacheKey);
  if (cached) return cached;
  const senders = Array.from({ length: 8 }, (_, i) => benchKey(4, i));
  const time = Math.floor(Date.now() / 1000) * 1000;
  const seed = Buffer.alloc(12);
  seed.writeUInt32BE(salt, 0);
  const txs: Tx[] = [];
  const frames: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    seed.writeUInt32BE(i, 4);
    const keys = senders[i % senders.length] as KeyPair;
    const tx = signTx(keys, {
      inputs: [{ txid: hash(seed), index: 1 }],
      outputs: [{ to: (senders[(i + 1) % senders.length] as KeyPair).publicKey, amount: 1_000_000_000n + BigInt(i) }],
      time,
    });
    txs.push(tx);
    frames.push(encodeFrame(encodeMessage({ type: 'tx', tx })));
  }
  const frameBytes = (frames[0] as Buffer).length;
  if (frames.some((f) => f.length !== frameBytes)) throw new Error('signedTxs: frames of unequal size; the relay count relies on one size');
  const set = { txs, frames, frameBytes };
  txCache.set(cacheKey, set);
  return set;
}

/**
 * Writes blocks 1..count of a valid chain into DATA/blocks.dat: block h at
 * genesis.time + h·interval, produced by schedule[h mod n] (no skipped
 * turns), linked to its parent, with `txidsPerBlock` txids each.
 */
export function makeChain(dataDir: string, genesis: Genesis, count: number, txidsPerBlock = 0): void {
  const byKey = new Map(masternodeKeys().map((k) => [k.publicKey.toString('hex'), k]));
  const producers = genesis.schedule.map((pub) => byKey.get(pub.toString('hex')) as KeyPair);
  mkdirSync(dataDir, { recursive: true });
  const store = BlockStore.open(dataDir, genesis.hash);
  try {
    let prev = genesis.hash;
    let pending: Block[] = [];
    const salt = Buffer.alloc(8);
    for (let h = 1; h <= count; h++) {
      const txids = Array.from({ length: txidsPerBlock }, (_, i) => {
        salt.writeUInt32BE(h, 0);
        salt.writeUInt32BE(i, 4);
        return hash(salt);
      });
      const block = signBlock(producers[h % producers.length] as KeyPair, { height: h, prev, time: genesis.time + h * genesis.interval, txids });
      prev = blockHash(block);
      pending.push(block);
      if (pending.length === 500) {
        store.append(pending);
        pending = [];
      }
    }
    if (pending.length > 0) store.append(pending);
  } finally {
    store.close();
  }
}
