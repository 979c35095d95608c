// Shared pieces of the live chain tests: a node A on a loopback IP with
// scriptable RawPeers around it (S sends, O observes), valid and broken
// signed objects, and the "positive control" that proves something was NOT
// relayed: a valid object sent afterwards over the same path, whose arrival
// at O means everything A did before it has reached O too (one connection
// delivers in order, and relays all go through the same data lane).
import assert from 'node:assert/strict';
import type { Genesis } from '../../../src/chain/genesis';
import { producerFor } from '../../../src/chain/genesis';
import { blockHash, txId } from '../../../src/chain/layouts';
import { signBlock, signTx } from '../../../src/chain/signing';
import type { Block, Tx } from '../../../src/chain/types';
import { hash, KeyPair } from '../../../src/crypto';
import type { Node } from '../../../src/node/node';
import type { MessageOf, MessageType } from '../../../src/wire/messages';
import { testKey, waitFor } from '../../support/harness';
import { RawPeer, Received } from '../../support/raw-peer';

/** Key seeds in this folder: masternodes 1..9, other nodes and raw peers 110..203 (distinct within a test), the payer of every tx 201. */
export const PAYER = (): KeyPair => testKey(201);

/** Connects a RawPeer from `localIp` to `node` (listening on `nodeIp`) and completes the handshake. */
export async function connectPeer(node: Node, nodeIp: string, localIp: string, keys: KeyPair, genesis: Genesis): Promise<RawPeer> {
  const peer = await RawPeer.connect({ host: nodeIp, port: node.listenPort, localAddress: localIp });
  try {
    await peer.handshake({ keys, genesis });
  } catch (err) {
    peer.destroy();
    throw err;
  }
  await waitFor(`${localIp} registered at the node`, () => node.registry.get(localIp)?.isOpen);
  return peer;
}

/** The message of `type` in `m`, typed, or undefined. */
export function as<K extends MessageType>(m: Received, type: K): MessageOf<K> | undefined {
  return m.type === type && !('unknown' in m) ? (m as MessageOf<K>) : undefined;
}

/** All received messages of `type` that match. */
export function received<K extends MessageType>(peer: RawPeer, type: K, predicate: (m: MessageOf<K>) => boolean = () => true): MessageOf<K>[] {
  const out: MessageOf<K>[] = [];
  for (const m of peer.messages) {
    const typed = as(m, type);
    if (typed && predicate(typed)) out.push(typed);
  }
  return out;
}

/** A valid tx spending an input named by `tag`, so every tag gives a distinct, non-conflicting tx. */
export function validTx(tag: string, payer: KeyPair = PAYER()): Tx {
  return signTx(payer, {
    inputs: [{ txid: hash(Buffer.from(`live input ${tag}`)), index: 0 }],
    outputs: [{ to: payer.publicKey, amount: 1n }],
    time: Date.now(),
  });
}

/** `tx` with its signature replaced by the payer's signature over something else: well formed, wrong. */
export function badSigTx(tag: string, payer: KeyPair = PAYER()): Tx {
  const tx = validTx(tag, payer);
  const other = validTx(`${tag} (other)`, payer);
  return { ...tx, sig: other.sig };
}

export const isTx = (txid: Buffer) => (m: MessageOf<'tx'>): boolean => txId(m.tx).equals(txid);

/**
 * The positive control: `sender` sends a fresh valid tx through the node; it
 * must reach `observer`. Once it has, every relay the node made of what
 * `sender` sent before it has reached `observer` as well.
 */
export async function control(sender: RawPeer, observer: RawPeer, tag: string): Promise<Buffer> {
  const tx = validTx(`control ${tag}`);
  const txid = txId(tx);
  sender.sendMessage({ type: 'tx', tx });
  await observer.waitForMessage('tx', isTx(txid), 5000);
  return txid;
}

/** The key of `keys` that is scheduled for block `height` after `r` skipped turns (§5). */
export function producerOf(genesis: Genesis, keys: KeyPair[], height: number, r: number): KeyPair {
  const due = producerFor(genesis, height, r);
  const k = keys.find((x) => x.publicKey.equals(due));
  assert.ok(k, `no test key is the producer ${due.toString('hex')} of height ${height}, r=${r}`);
  return k;
}

/** A valid chain of `count` blocks on the genesis, each in its first slot (r = 0), with one txid each. */
export function buildChain(genesis: Genesis, keys: KeyPair[], count: number, tag = 'chain'): Block[] {
  const blocks: Block[] = [];
  let prev = genesis.hash;
  let time = genesis.time;
  for (let h = 1; h <= count; h++) {
    time += genesis.interval;
    const block = signBlock(producerOf(genesis, keys, h, 0), { height: h, prev, time, txids: [hash(Buffer.from(`${tag} ${h}`))] });
    blocks.push(block);
    prev = blockHash(block);
  }
  return blocks;
}

export const isBlock = (h: Buffer) => (m: MessageOf<'block'>): boolean => blockHash(m.block).equals(h);

/** Log lines that contain `text`. */
export function linesWith(lines: readonly string[], text: string): string[] {
  return lines.filter((l) => l.includes(text));
}

export async function closeAll(peers: (RawPeer | undefined)[]): Promise<void> {
  for (const p of peers) p?.destroy();
  await Promise.all(peers.map((p) => p?.closed));
}
