import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { keyPairFromSeed, type KeyPair } from '../../src/crypto';
import { deriveGenesis, parseGenesis, producerFor, skipCount, type Genesis } from '../../src/chain/genesis';
import { blockHash } from '../../src/chain/layouts';
import { signBlock } from '../../src/chain/signing';
import { equivocation, genesisParent, nextSlotFor, validateBlock, type BlockVerdict, type ParentRef } from '../../src/chain/block-rules';
import type { Block } from '../../src/chain/types';

const root = path.resolve(__dirname, '../../..');
const vectorsPath = path.join(root, '..', 'shared', 'vectors', 'tnp1.json');

interface BlockVector {
  height: number;
  prev: string;
  time: number;
  txids: string[];
  producer: string;
  r: number;
  hash: string;
  sig: string;
}

const INTERVAL = 2000;
const T0 = 1767225600000;
const pairs: KeyPair[] = [1, 2, 3].map((i) => keyPairFromSeed(Buffer.alloc(32, i)));
const genesis: Genesis = deriveGenesis({ network: 'rules', time: T0, interval: INTERVAL, masternodes: pairs.map((p) => p.publicKey) });
/** Key pairs in schedule order, so S[i] is signed by sched[i]. */
const sched: KeyPair[] = genesis.schedule.map((k) => pairs.find((p) => p.publicKey.equals(k)) as KeyPair);
const outsider = keyPairFromSeed(Buffer.alloc(32, 9));

function rejects(v: BlockVerdict, rule: string, ...words: string[]): void {
  assert.equal(v.ok, false, `expected rule ${rule} to fail`);
  if (v.ok) return;
  assert.equal(v.rule, rule, v.reason);
  for (const w of words) assert.ok(v.reason.includes(w), `reason "${v.reason}" should mention "${w}"`);
}

function accepts(v: BlockVerdict): Buffer {
  assert.ok(v.ok, v.ok ? '' : `${v.rule}: ${v.reason}`);
  return v.ok ? v.hash : Buffer.alloc(0);
}

function blockAt(keys: KeyPair, parent: ParentRef, time: number, over: Partial<{ height: number; prev: Buffer }> = {}): Block {
  return signBlock(keys, { height: over.height ?? parent.height + 1, prev: over.prev ?? parent.hash, time, txids: [] });
}

/** A deterministic PRNG (mulberry32), so a failing case can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('block rules: the shared vector blocks validate in sequence', () => {
  const doc = JSON.parse(fs.readFileSync(vectorsPath, 'utf8')) as { genesis: { file: unknown }; blocks: BlockVector[] };
  const g = parseGenesis(JSON.stringify(doc.genesis.file), 'vectors genesis');
  let parent = genesisParent(g);
  for (const v of doc.blocks) {
    const block: Block = {
      height: v.height,
      prev: Buffer.from(v.prev, 'hex'),
      time: v.time,
      txids: v.txids.map((t) => Buffer.from(t, 'hex')),
      producer: Buffer.from(v.producer, 'hex'),
      sig: Buffer.from(v.sig, 'hex'),
    };
    assert.equal(skipCount(parent.time, block.time, g.interval), v.r);
    const hash = accepts(validateBlock(block, parent, g, block.time));
    assert.equal(hash.toString('hex'), v.hash);
    // Also valid as seen by a node whose clock is up to one interval behind the producer's.
    accepts(validateBlock(block, parent, g, block.time - g.interval));
    parent = { height: block.height, hash, time: block.time };
  }
});

test('block rules: each rule broken alone is reported as that rule', () => {
  const parent = { height: 4, hash: Buffer.alloc(32, 0xab), time: T0 + 10_000 };
  const time = parent.time + INTERVAL; // r = 0
  const due = sched[5 % 3];
  const now = time;
  accepts(validateBlock(blockAt(due, parent, time), parent, genesis, now));

  const wrong = sched[(5 + 1) % 3];
  rejects(
    validateBlock(blockAt(wrong, parent, time), parent, genesis, now),
    'producer',
    'r=0',
    'height 5',
    genesis.schedule[5 % 3].toString('hex').slice(0, 8),
    wrong.publicKey.toString('hex').slice(0, 8),
  );
  rejects(validateBlock(blockAt(outsider, parent, time), parent, genesis, now), 'producer', 'not a masternode');

  const good = blockAt(due, parent, time);
  const badSig = { ...good, sig: Buffer.from(good.sig) };
  badSig.sig[0] ^= 1;
  rejects(validateBlock(badSig, parent, genesis, now), 'signature', 'does not verify');
  // A field changed after signing breaks the signature, not any other rule.
  rejects(validateBlock({ ...good, txids: [Buffer.alloc(32, 1)] }, parent, genesis, now), 'signature');
  // A malformed txid has no hash at all: still a signature failure, not a crash.
  rejects(validateBlock({ ...good, txids: [Buffer.alloc(31, 1)] }, parent, genesis, now), 'signature', 'no defined hash');

  rejects(validateBlock(blockAt(due, parent, time, { prev: Buffer.alloc(32, 0xcd) }), parent, genesis, now), 'prev', 'cdcdcdcd', 'abababab');

  // Height 6 is due for S[6 mod 3] at r = 0; sign with that key so only the height is wrong.
  rejects(validateBlock(blockAt(sched[6 % 3], parent, time, { height: 6 }), parent, genesis, now), 'height', 'expected 5', 'height 6');

  rejects(validateBlock(blockAt(due, parent, time - 1), parent, genesis, now), 'time-early', '1 ms too early', String(time));
  rejects(validateBlock(blockAt(due, parent, parent.time), parent, genesis, now), 'time-early');

  // One interval ahead of our clock is allowed, one ms more is not.
  accepts(validateBlock(good, parent, genesis, time - INTERVAL));
  rejects(validateBlock(good, parent, genesis, time - INTERVAL - 1), 'time-future', `${INTERVAL + 1} ms ahead`);
  rejects(validateBlock({ ...good, time: Number.NaN }, parent, genesis, now), 'time-early');
});

test('block rules: a missing producer is skipped after one interval', () => {
  for (let height = 1; height <= 6; height++) {
    const parent = { height: height - 1, hash: Buffer.alloc(32, height), time: T0 + height * 7777 };
    const absent = sched[height % 3];
    const next = sched[(height + 1) % 3];
    const r0 = parent.time + INTERVAL;
    const r1 = parent.time + 2 * INTERVAL;
    accepts(validateBlock(blockAt(absent, parent, r0), parent, genesis, r0));
    accepts(validateBlock(blockAt(absent, parent, r1 - 1), parent, genesis, r1 - 1));
    rejects(validateBlock(blockAt(next, parent, r0), parent, genesis, r0), 'producer', 'r=0');
    accepts(validateBlock(blockAt(next, parent, r1), parent, genesis, r1));
    rejects(validateBlock(blockAt(absent, parent, r1), parent, genesis, r1), 'producer', 'r=1');
    // After n skips the turn comes back round.
    const rn = parent.time + (3 + 1) * INTERVAL;
    accepts(validateBlock(blockAt(absent, parent, rn), parent, genesis, rn));
  }
});

test('block rules: nextSlotFor gives the earliest valid time for each key (1000 random cases)', () => {
  const seed = 20260101;
  const rand = prng(seed);
  const step = INTERVAL / 4;
  for (let i = 0; i < 1000; i++) {
    const me = pairs[Math.floor(rand() * 3)];
    const parent = {
      height: Math.floor(rand() * 1000),
      hash: Buffer.alloc(32, i & 0xff),
      time: T0 + Math.floor(rand() * 1e7),
    };
    const now = parent.time + Math.floor((rand() * 13 - 3) * INTERVAL);
    const where = `case ${i} (seed ${seed}): height ${parent.height + 1}, parent.time ${parent.time}, now ${now}`;
    const slot = nextSlotFor(me.publicKey, parent, genesis, now);
    assert.ok(slot, where);
    if (!slot) continue;
    assert.ok(slot.time >= now && slot.time >= parent.time + INTERVAL, where);
    assert.equal(slot.r, skipCount(parent.time, slot.time, INTERVAL), where);
    assert.ok(producerFor(genesis, parent.height + 1, slot.r).equals(me.publicKey), where);
    // At most n turns away.
    assert.ok(slot.time < Math.max(now, parent.time + INTERVAL) + 3 * INTERVAL, where);
    const block = blockAt(me, parent, slot.time);
    accepts(validateBlock(block, parent, genesis, slot.time));
    if (slot.time <= now + INTERVAL) accepts(validateBlock(block, parent, genesis, now));
    for (let t = now; t < slot.time; t += step) {
      const v = validateBlock(blockAt(me, parent, t), parent, genesis, t);
      assert.equal(v.ok, false, `${where}: t=${t} is earlier than ${slot.time} yet valid`);
    }
    if (slot.time - 1 >= now) {
      assert.equal(validateBlock(blockAt(me, parent, slot.time - 1), parent, genesis, slot.time - 1).ok, false, `${where}: one ms earlier is valid`);
    }
  }
});

test('block rules: nextSlotFor is immediate inside my window and undefined outside M', () => {
  const parent = { height: 0, time: T0 };
  const due = sched[1 % 3].publicKey;
  assert.deepEqual(nextSlotFor(due, parent, genesis, T0 + INTERVAL + 500), { time: T0 + INTERVAL + 500, r: 0 });
  assert.deepEqual(nextSlotFor(due, parent, genesis, T0), { time: T0 + INTERVAL, r: 0 }, 'not before parent + interval');
  assert.deepEqual(nextSlotFor(sched[2].publicKey, parent, genesis, T0), { time: T0 + 2 * INTERVAL, r: 1 });
  assert.deepEqual(nextSlotFor(sched[0].publicKey, parent, genesis, T0), { time: T0 + 3 * INTERVAL, r: 2 });
  assert.equal(nextSlotFor(outsider.publicKey, parent, genesis, T0), undefined);
});

test('block rules: equivocation is same height, same producer, different hash', () => {
  const parent = genesisParent(genesis);
  const a = blockAt(sched[1], parent, T0 + INTERVAL);
  const b = signBlock(sched[1], { height: 1, prev: genesis.hash, time: T0 + INTERVAL, txids: [Buffer.alloc(32, 5)] });
  assert.equal(equivocation(a, b), true);
  assert.equal(equivocation(a, { ...a }), false);
  const c = blockAt(sched[2], { ...parent, height: 1 }, T0 + 2 * INTERVAL);
  assert.equal(equivocation(a, c), false);
  const d = blockAt(sched[2], parent, T0 + 2 * INTERVAL);
  assert.equal(equivocation(a, d), false, 'another producer at the same height is a rival, not evidence');
  assert.ok(!blockHash(a).equals(blockHash(b)));
});
