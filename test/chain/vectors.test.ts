// Reproduces, byte for byte, the shared TNP/1 vectors (an independent
// implementation's output) for every object of §4, the genesis of §5 and the
// auth of §2; then checks that verification rejects any change to them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { hash, keyPairFromSeed, type KeyPair } from '../../src/crypto';
import { parseGenesis, producerFor, quorumFor, skipCount } from '../../src/chain/genesis';
import {
  annSignedBytes,
  blockHash,
  hbSignedBytes,
  txId,
  txSignedBytes,
  txidsHash,
  voteId,
  voteSignedBytes,
} from '../../src/chain/layouts';
import {
  signAnn,
  signBlock,
  signHb,
  signTx,
  signVote,
  verifyAnn,
  verifyBlockSig,
  verifyHb,
  verifyTx,
  verifyVote,
} from '../../src/chain/signing';
import { authSignedBytes, signAuth, verifyAuth } from '../../src/net/auth';
import type { Ann, Block, Hb, Tx, Vote } from '../../src/chain/types';

const root = path.resolve(__dirname, '../../..');
const vectorsPath = path.join(root, '..', 'shared', 'vectors', 'tnp1.json');

interface KeyVector { seed: string; public: string }
interface TxVector {
  from: string;
  inputs: { txid: string; index: number }[];
  outputs: { to: string; amount: number }[];
  time: number;
  signed_bytes: string;
  txid: string;
  sig: string;
}
interface VoteVector { txid: string; voter: string; accept: boolean; signed_bytes: string; sig: string }
interface BlockVector {
  height: number;
  prev: string;
  time: number;
  txids: string[];
  producer: string;
  r: number;
  txids_hash: string;
  hash: string;
  sig: string;
}
interface AnnVector { node: string; ip: string; port: number; time: number; signed_bytes: string; sig: string }
interface HbVector { node: string; seq: number; time: number; height: number; signed_bytes: string; sig: string }
interface AuthVector { challenge: string; signer: string; signed_bytes: string; sig: string }
interface Vectors {
  keys: KeyVector[];
  genesis: { file: unknown; hash: string; schedule: string[]; quorum: number };
  quorum: Record<string, number>;
  tx: TxVector;
  votes: VoteVector[];
  blocks: BlockVector[];
  ann: AnnVector;
  hb: HbVector;
  auth: AuthVector;
}

const v = JSON.parse(fs.readFileSync(vectorsPath, 'utf8')) as Vectors;
const b = (h: string): Buffer => Buffer.from(h, 'hex');
const hex = (x: Uint8Array): string => Buffer.from(x).toString('hex');

/** The vectors name signers by public key; the key list gives their seeds. */
function keysOf(publicHex: string): KeyPair {
  const entry = v.keys.find((k) => k.public === publicHex);
  assert.ok(entry, `no seed in the vectors for ${publicHex}`);
  return keyPairFromSeed(b(entry.seed));
}

/** A copy with the lowest bit of the first byte flipped. */
function flipped(x: Buffer): Buffer {
  const out = Buffer.from(x);
  out[0] ^= 0x01;
  return out;
}

const genesis = parseGenesis(JSON.stringify(v.genesis.file), 'tnp1.json genesis');

function txOf(t: TxVector): Tx {
  return {
    from: b(t.from),
    inputs: t.inputs.map((i) => ({ txid: b(i.txid), index: i.index })),
    outputs: t.outputs.map((o) => ({ to: b(o.to), amount: BigInt(o.amount) })),
    time: t.time,
    sig: b(t.sig),
  };
}
const voteOf = (x: VoteVector): Vote => ({ txid: b(x.txid), voter: b(x.voter), accept: x.accept, sig: b(x.sig) });
const blockOf = (x: BlockVector): Block => ({
  height: x.height,
  prev: b(x.prev),
  time: x.time,
  txids: x.txids.map(b),
  producer: b(x.producer),
  sig: b(x.sig),
});
const annOf = (x: AnnVector): Ann => ({ node: b(x.node), ip: x.ip, port: x.port, time: x.time, sig: b(x.sig) });
const hbOf = (x: HbVector): Hb => ({ node: b(x.node), seq: x.seq, time: x.time, height: x.height, sig: b(x.sig) });

test('every key public is derived from its seed', () => {
  assert.ok(v.keys.length > 0);
  for (const k of v.keys) assert.equal(hex(keyPairFromSeed(b(k.seed)).publicKey), k.public);
});

test('genesis hash, schedule and quorum match', () => {
  assert.equal(hex(genesis.hash), v.genesis.hash);
  assert.deepEqual(genesis.schedule.map(hex), v.genesis.schedule);
  assert.equal(genesis.quorum, v.genesis.quorum);
});

test('quorum table matches floor(2n/3)+1 for every n listed', () => {
  const entries = Object.entries(v.quorum);
  assert.ok(entries.length >= 10);
  for (const [n, q] of entries) assert.equal(quorumFor(Number(n)), q, `quorum for n=${n}`);
});

test('tx signed bytes, txid and signature match', () => {
  const tx = txOf(v.tx);
  assert.equal(hex(txSignedBytes(tx)), v.tx.signed_bytes);
  assert.equal(hex(txId(tx)), v.tx.txid);
  const signed = signTx(keysOf(v.tx.from), { inputs: tx.inputs, outputs: tx.outputs, time: tx.time });
  assert.equal(hex(signed.sig), v.tx.sig);
  assert.equal(hex(signed.from), v.tx.from);
  assert.ok(verifyTx(tx));
});

test('tx verification rejects a flipped signature bit and a changed field', () => {
  const tx = txOf(v.tx);
  assert.equal(verifyTx({ ...tx, sig: flipped(tx.sig) }), false);
  assert.equal(verifyTx({ ...tx, time: tx.time + 1 }), false);
  assert.equal(verifyTx({ ...tx, outputs: [{ ...tx.outputs[0], amount: tx.outputs[0].amount + 1n }, ...tx.outputs.slice(1)] }), false);
  assert.equal(verifyTx({ ...tx, inputs: tx.inputs.slice(1) }), false);
});

test('both votes: signed bytes and signatures match; changes are rejected', () => {
  assert.equal(v.votes.length, 2);
  assert.deepEqual(v.votes.map((x) => x.accept).sort(), [false, true]);
  for (const x of v.votes) {
    const vote = voteOf(x);
    assert.equal(hex(voteSignedBytes(vote.txid, vote.accept)), x.signed_bytes);
    assert.equal(hex(signVote(keysOf(x.voter), vote.txid, x.accept).sig), x.sig);
    assert.ok(verifyVote(vote));
    assert.equal(verifyVote({ ...vote, sig: flipped(vote.sig) }), false);
    assert.equal(verifyVote({ ...vote, accept: !vote.accept }), false);
    assert.equal(hex(voteId(vote)), hex(hash(b(x.signed_bytes), vote.voter)));
  }
});

test('blocks: txids hash, hash, signature and r match, and each producer is the one due', () => {
  let parent = { hash: genesis.hash, time: genesis.time, height: 0 };
  for (const x of v.blocks) {
    const block = blockOf(x);
    assert.equal(hex(block.prev), hex(parent.hash), `block ${x.height} prev`);
    assert.equal(x.height, parent.height + 1);
    assert.equal(hex(txidsHash(block.txids)), x.txids_hash);
    assert.equal(hex(blockHash(block)), x.hash);
    const r = skipCount(parent.time, block.time, genesis.interval);
    assert.equal(r, x.r, `block ${x.height} r`);
    assert.equal(hex(producerFor(genesis, block.height, r)), x.producer);
    const signed = signBlock(keysOf(x.producer), { height: x.height, prev: block.prev, time: x.time, txids: block.txids });
    assert.equal(hex(signed.sig), x.sig);
    assert.ok(verifyBlockSig(block));
    assert.equal(verifyBlockSig({ ...block, sig: flipped(block.sig) }), false);
    assert.equal(verifyBlockSig({ ...block, time: block.time + 1 }), false);
    assert.equal(verifyBlockSig({ ...block, txids: [...block.txids, block.prev] }), false);
    parent = { hash: b(x.hash), time: x.time, height: x.height };
  }
  assert.equal(v.blocks.length, 2);
});

test('ann signed bytes and signature match; changes are rejected', () => {
  const ann = annOf(v.ann);
  assert.equal(hex(annSignedBytes(ann)), v.ann.signed_bytes);
  assert.equal(hex(signAnn(keysOf(v.ann.node), { ip: ann.ip, port: ann.port, time: ann.time }).sig), v.ann.sig);
  assert.ok(verifyAnn(ann));
  assert.equal(verifyAnn({ ...ann, sig: flipped(ann.sig) }), false);
  assert.equal(verifyAnn({ ...ann, ip: '203.0.113.8' }), false);
  assert.equal(verifyAnn({ ...ann, port: ann.port + 1 }), false);
});

test('hb signed bytes and signature match; changes are rejected', () => {
  const hb = hbOf(v.hb);
  assert.equal(hex(hbSignedBytes(hb)), v.hb.signed_bytes);
  assert.equal(hex(signHb(keysOf(v.hb.node), { seq: hb.seq, time: hb.time, height: hb.height }).sig), v.hb.sig);
  assert.ok(verifyHb(hb));
  assert.equal(verifyHb({ ...hb, sig: flipped(hb.sig) }), false);
  assert.equal(verifyHb({ ...hb, seq: hb.seq + 1 }), false);
  assert.equal(verifyHb({ ...hb, height: hb.height + 1 }), false);
});

test('auth signed bytes and signature match; a wrong challenge or key is rejected', () => {
  const challenge = b(v.auth.challenge);
  const signer = keysOf(v.auth.signer);
  assert.equal(hex(authSignedBytes(challenge, signer.publicKey)), v.auth.signed_bytes);
  const sig = signAuth(signer, challenge);
  assert.equal(hex(sig), v.auth.sig);
  assert.ok(verifyAuth(signer.publicKey, challenge, sig));
  assert.equal(verifyAuth(signer.publicKey, challenge, flipped(sig)), false);
  assert.equal(verifyAuth(signer.publicKey, flipped(challenge), sig), false);
  const other = keysOf(v.keys[1].public);
  assert.equal(verifyAuth(other.publicKey, challenge, sig), false);
});

test('verification returns false, not an exception, for fields that have no layout', () => {
  const tx = txOf(v.tx);
  assert.equal(verifyTx({ ...tx, from: tx.from.subarray(1) }), false);
  assert.equal(verifyTx({ ...tx, time: -1 }), false);
  const block = blockOf(v.blocks[0]);
  assert.equal(verifyBlockSig({ ...block, txids: [Buffer.alloc(31)] }), false);
  assert.equal(verifyAuth(Buffer.alloc(31), b(v.auth.challenge), b(v.auth.sig)), false);
});
