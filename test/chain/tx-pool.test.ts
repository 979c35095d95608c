import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyPairFromSeed, type KeyPair } from '../../src/crypto';
import { signTx, signVote } from '../../src/chain/signing';
import { txId } from '../../src/chain/layouts';
import {
  DEFAULT_TX_POOL_LIMITS,
  MAX_TX_BYTES,
  TxPool,
  txBytes,
  type FinalizedVerdict,
  type TxVerdict,
  type VoteVerdict,
} from '../../src/chain/tx-pool';
import { keyHex, txKey } from '../../src/chain/id-keys';
import { outpointKey, outpointText } from '../../src/chain/tx-sanity';
import type { Tx, TxInput, Vote } from '../../src/chain/types';

const NOW = 1_767_225_600_000;
const mn = [1, 2, 3, 4].map((i) => keyPairFromSeed(Buffer.alloc(32, i)));
const outsider = keyPairFromSeed(Buffer.alloc(32, 9));
const alice = keyPairFromSeed(Buffer.alloc(32, 100));
const bob = keyPairFromSeed(Buffer.alloc(32, 101));
const M3 = mn.slice(0, 3).map((k) => k.publicKey);
const M4 = mn.map((k) => k.publicKey);

/** A distinct outpoint per n: a made-up funding txid, as there is no UTXO set to take one from. */
function outpoint(n: number, index = 0): TxInput {
  const txid = Buffer.alloc(32);
  txid.writeUInt32BE(n, 0);
  return { txid, index };
}

function makeTx(inputs: TxInput[], opts: { keys?: KeyPair; time?: number; outputs?: number; amount?: bigint } = {}): Tx {
  const outputs = Array.from({ length: opts.outputs ?? 1 }, () => ({ to: bob.publicKey, amount: opts.amount ?? 5n }));
  return signTx(opts.keys ?? alice, { inputs, outputs, time: opts.time ?? NOW });
}

function accepted(v: TxVerdict): { txid: Buffer; conflict: boolean; evicted: number } {
  assert.equal(v.kind, 'accepted', v.kind === 'invalid' ? v.reason : v.kind);
  if (v.kind !== 'accepted') throw new Error('unreachable');
  return v;
}

function invalid(v: TxVerdict | VoteVerdict | FinalizedVerdict, ...words: string[]): void {
  assert.equal(v.kind, 'invalid');
  const reason = v.kind === 'invalid' ? v.reason : '';
  for (const w of words) assert.ok(reason.includes(w), `"${reason}" should mention "${w}"`);
}

/** A spend of what a final tx spent: refused, but not an offence (an honest relay can race the proof). */
function spent(v: TxVerdict, ...words: string[]): void {
  assert.equal(v.kind, 'spent');
  const reason = v.kind === 'spent' ? v.reason : '';
  for (const w of words) assert.ok(reason.includes(w), `"${reason}" should mention "${w}"`);
}

function counted(v: VoteVerdict): Vote[] | undefined {
  assert.equal(v.kind, 'counted', v.kind === 'invalid' ? v.reason : v.kind);
  if (v.kind !== 'counted') throw new Error('unreachable');
  return v.finalizedNow;
}

function hexSorted(keys: Buffer[]): string[] {
  return keys.map((k) => k.toString('hex')).sort();
}

/** A pool's state as far as the public API shows it, to prove a refused message changed nothing. */
function snapshot(pool: TxPool, txids: Buffer[], inputs: TxInput[]): unknown {
  return {
    stats: pool.stats(),
    final: txids.map((t) => pool.isFinal(t)),
    locks: inputs.map((i) => pool.lockState(i)),
    unclaimed: pool.unclaimedFinal(1000).map((t) => t.toString('hex')),
  };
}

test('quorum is reached exactly once, on the vote that completes it (n=3 and n=4, q=3)', () => {
  for (const members of [M3, M4]) {
    const pool = new TxPool(members);
    assert.equal(pool.quorum, 3);
    const tx = makeTx([outpoint(1)]);
    const { txid, conflict } = accepted(pool.addTx(tx, NOW));
    assert.equal(conflict, false);
    assert.equal(pool.lockState(tx.inputs[0]).state, 'locked');

    const votes = mn.slice(0, members.length).map((k) => pool.voteFor(k, txid));
    for (const v of votes) assert.ok(v !== undefined && v.accept);
    const [v1, v2, v3, v4] = votes as Vote[];

    assert.equal(counted(pool.addVote(v1, NOW)), undefined);
    // A vote by a key outside M is invalid however well signed.
    invalid(pool.addVote(signVote(outsider, txid, true), NOW), 'not a masternode');
    // The same vote again: known, not counted twice.
    assert.deepEqual(pool.addVote(v1, NOW), { kind: 'known' });
    // The same voter now voting the other way: equivocation.
    invalid(pool.addVote(signVote(mn[0], txid, false), NOW), 'equivocation', mn[0].publicKey.toString('hex'));
    assert.equal(counted(pool.addVote(v2, NOW)), undefined);
    assert.equal(pool.isFinal(txid), false);

    const proof = counted(pool.addVote(v3, NOW));
    assert.ok(proof !== undefined, 'the third accept vote completes the quorum');
    assert.deepEqual(hexSorted(proof.map((v) => v.voter)), hexSorted(M3));
    assert.ok(pool.isFinal(txid));
    assert.equal(pool.lockState(tx.inputs[0]).state, 'spent');
    assert.ok(pool.lockState(tx.inputs[0]).by?.equals(txid));

    // Never again: not for a repeat, nor for the fourth member's vote, nor for the tx itself.
    assert.deepEqual(pool.addVote(v3, NOW), { kind: 'known' });
    if (v4 !== undefined) assert.deepEqual(pool.addVote(v4, NOW), { kind: 'known' });
    assert.deepEqual(pool.addTx(tx, NOW), { kind: 'known', txid });
    assert.equal(pool.voteFor(mn[0], txid), undefined);
    const s = pool.stats();
    assert.equal(s.txs, 0);
    assert.equal(s.votes, 0);
    assert.equal(s.finalizedTotal, 1);
    assert.equal(s.locked, 0);
  }
});

test('a bad vote signature is invalid and not counted', () => {
  const pool = new TxPool(M3);
  const { txid } = accepted(pool.addTx(makeTx([outpoint(1)]), NOW));
  const forged = { ...signVote(mn[0], txid, true), sig: signVote(mn[1], txid, true).sig };
  invalid(pool.addVote(forged, NOW), 'bad signature');
  assert.equal(pool.stats().votes, 0);
  // The real vote by the same voter still counts afterwards.
  assert.equal(counted(pool.addVote(signVote(mn[0], txid, true), NOW)), undefined);
});

test('voteFor: only members, only pooled txs, only once per key', () => {
  const pool = new TxPool(M3);
  const { txid } = accepted(pool.addTx(makeTx([outpoint(1)]), NOW));
  assert.equal(pool.voteFor(outsider, txid), undefined);
  assert.equal(pool.voteFor(mn[0], Buffer.alloc(32, 7)), undefined);
  const v = pool.voteFor(mn[0], txid);
  assert.ok(v !== undefined && v.accept && v.voter.equals(mn[0].publicKey));
  assert.equal(pool.voteFor(mn[0], txid), undefined);
  // A vote by this key that came from a peer (e.g. cast before a restart) also counts as voted.
  pool.addVote(signVote(mn[1], txid, true), NOW);
  assert.equal(pool.voteFor(mn[1], txid), undefined);
});

test('double spend: the second tx is a conflict, voted against, and cannot be finalized', () => {
  const pool = new TxPool(M4);
  const shared = outpoint(1);
  const first = makeTx([shared], { amount: 5n });
  const second = makeTx([shared, outpoint(2)], { amount: 6n });
  const a = accepted(pool.addTx(first, NOW));
  const b = accepted(pool.addTx(second, NOW + 1));
  assert.equal(a.conflict, false);
  assert.equal(b.conflict, true);
  // The conflict locks nothing, not even its free input.
  assert.ok(pool.lockState(shared).by?.equals(a.txid));
  assert.equal(pool.lockState(outpoint(2)).state, 'unlocked');
  for (const k of mn) {
    assert.equal(pool.voteFor(k, a.txid)?.accept, true);
    assert.equal(pool.voteFor(k, b.txid)?.accept, false);
  }

  // Even if every masternode signed accept for both, only one becomes final here.
  const finalized: string[] = [];
  for (const k of mn) {
    for (const txid of [b.txid, a.txid]) {
      const v = pool.addVote(signVote(k, txid, true), NOW);
      if (v.kind === 'counted' && v.finalizedNow !== undefined) finalized.push(txid.toString('hex'));
    }
  }
  assert.deepEqual(finalized, [b.txid.toString('hex')], 'the first to reach quorum wins, and only it');
  assert.ok(pool.isFinal(b.txid));
  assert.equal(pool.isFinal(a.txid), false);
  // The loser's proof is refused too.
  const loserProof = mn.slice(0, 3).map((k) => signVote(k, a.txid, true));
  invalid(pool.addFinalized(a.txid, loserProof, NOW), 'already spent');
  assert.equal(pool.isFinal(a.txid), false);

  // A third spend arriving after finality is refused on arrival.
  spent(pool.addTx(makeTx([shared], { amount: 7n }), NOW + 2), 'already spent', b.txid.toString('hex'));
});

test('double spend through honest votes: the locked tx finalizes, the conflict never can', () => {
  const pool = new TxPool(M3);
  const shared = outpoint(1);
  const a = accepted(pool.addTx(makeTx([shared], { amount: 1n }), NOW));
  const b = accepted(pool.addTx(makeTx([shared], { amount: 2n }), NOW));
  const results: (Vote[] | undefined)[] = [];
  for (const k of mn.slice(0, 3)) {
    for (const txid of [a.txid, b.txid]) {
      const v = pool.voteFor(k, txid);
      assert.ok(v !== undefined);
      const r = pool.addVote(v, NOW);
      // Votes for the loser after the winner is final still count (or are known), but never finalize it.
      if (r.kind === 'counted') results.push(r.finalizedNow);
    }
  }
  assert.equal(results.filter((r) => r !== undefined).length, 1);
  assert.ok(pool.isFinal(a.txid));
  assert.equal(pool.isFinal(b.txid), false);
  spent(pool.addTx(makeTx([shared], { amount: 3n }), NOW), 'input already spent', a.txid.toString('hex'));
});

test('addFinalized: every bad proof is invalid and changes nothing; a good one is accepted once', () => {
  const pool = new TxPool(M4);
  const tx = makeTx([outpoint(1), outpoint(1, 1)]);
  const { txid } = accepted(pool.addTx(tx, NOW));
  const other = txId(makeTx([outpoint(2)]));
  const good = mn.slice(0, 3).map((k) => signVote(k, txid, true));
  const before = snapshot(pool, [txid], tx.inputs);

  const forged = [...good];
  forged[1] = { ...good[1], sig: signVote(mn[1], other, true).sig };
  invalid(pool.addFinalized(txid, forged, NOW), 'bad signature', mn[1].publicKey.toString('hex'));

  invalid(pool.addFinalized(txid, [...good.slice(0, 2), signVote(outsider, txid, true)], NOW), 'not a masternode', outsider.publicKey.toString('hex'));
  invalid(pool.addFinalized(txid, [...good.slice(0, 2), signVote(mn[2], other, true)], NOW), 'is for tx', other.toString('hex'));
  invalid(pool.addFinalized(txid, [...good.slice(0, 2), signVote(mn[2], txid, false)], NOW), 'accept=false', mn[2].publicKey.toString('hex'));
  invalid(pool.addFinalized(txid, [good[0], good[0], good[0], good[0]], NOW), '1 distinct', 'quorum is 3');
  invalid(pool.addFinalized(txid, good.slice(0, 2), NOW), '2 distinct');
  invalid(pool.addFinalized(txid, [], NOW), '0 distinct');
  // A bad vote among more than enough good ones still spoils the proof.
  invalid(pool.addFinalized(txid, [...good, { ...signVote(mn[3], txid, true), sig: good[0].sig }], NOW), 'bad signature', mn[3].publicKey.toString('hex'));
  invalid(pool.addFinalized(Buffer.alloc(31), good, NOW), 'txid');
  assert.deepEqual(snapshot(pool, [txid], tx.inputs), before);

  const verdict = pool.addFinalized(txid, [...good, good[0]], NOW);
  assert.equal(verdict.kind, 'accepted');
  if (verdict.kind === 'accepted') assert.deepEqual(verdict.spent, tx.inputs);
  assert.ok(pool.isFinal(txid));
  for (const i of tx.inputs) assert.equal(pool.lockState(i).state, 'spent');
  assert.deepEqual(pool.addFinalized(txid, good, NOW), { kind: 'known' });
  assert.equal(pool.stats().finalizedTotal, 1);
});

test('addFinalized for an unknown tx remembers it; its body arriving later marks its inputs spent', () => {
  const pool = new TxPool(M3);
  const tx = makeTx([outpoint(5)]);
  const txid = txId(tx);
  const verdict = pool.addFinalized(txid, mn.slice(0, 3).map((k) => signVote(k, txid, true)), NOW);
  assert.deepEqual(verdict, { kind: 'accepted', spent: [] });
  assert.ok(pool.isFinal(txid));
  assert.equal(pool.lockState(outpoint(5)).state, 'unlocked');
  assert.deepEqual(pool.addTx(tx, NOW), { kind: 'known', txid });
  assert.equal(pool.lockState(outpoint(5)).state, 'spent');
  spent(pool.addTx(makeTx([outpoint(5)], { amount: 9n }), NOW), 'already spent');
});

test('votes may arrive before their tx; a quorum of them finalizes the txid even unseen', () => {
  const pool = new TxPool(M4);
  const tx = makeTx([outpoint(1)]);
  const txid = txId(tx);
  assert.equal(counted(pool.addVote(signVote(mn[0], txid, true), NOW)), undefined);
  assert.equal(counted(pool.addVote(signVote(mn[1], txid, false), NOW)), undefined);
  assert.deepEqual(pool.addVote(signVote(mn[0], txid, true), NOW), { kind: 'known' });
  assert.equal(pool.stats().pendingVotes, 2);
  accepted(pool.addTx(tx, NOW));
  assert.equal(pool.stats().pendingVotes, 0);
  assert.equal(pool.stats().votes, 2);
  // The early votes are held: an equivocation against one of them is caught, and they count toward quorum.
  invalid(pool.addVote(signVote(mn[1], txid, true), NOW), 'equivocation');
  assert.equal(counted(pool.addVote(signVote(mn[2], txid, true), NOW)), undefined);
  assert.ok(counted(pool.addVote(signVote(mn[3], txid, true), NOW)) !== undefined);

  const unseen = txId(makeTx([outpoint(2)]));
  let proof: Vote[] | undefined;
  for (const k of mn.slice(0, 3)) proof = counted(pool.addVote(signVote(k, unseen, true), NOW));
  assert.equal(proof?.length, 3);
  assert.ok(pool.isFinal(unseen));
  assert.equal(pool.stats().pendingVotes, 0);
});

test('invalid txs: bad signature, time too far ahead, duplicate inputs, and other schema breaches', () => {
  const pool = new TxPool(M3, { maxFutureMs: 60_000 });
  const tx = makeTx([outpoint(1)]);
  invalid(pool.addTx({ ...tx, sig: makeTx([outpoint(2)]).sig }, NOW), 'bad signature');
  invalid(pool.addTx({ ...tx, outputs: [{ to: bob.publicKey, amount: 500n }] }, NOW), 'bad signature');
  invalid(pool.addTx(makeTx([outpoint(1)], { time: NOW + 60_001 }), NOW), 'time');
  accepted(pool.addTx(makeTx([outpoint(3)], { time: NOW + 60_000 }), NOW));
  invalid(pool.addTx(makeTx([outpoint(1), outpoint(2), outpoint(1)]), NOW), 'duplicate input', 'inputs[2]');
  // Same funding txid, different index: two outpoints, not a duplicate.
  accepted(pool.addTx(makeTx([outpoint(4, 0), outpoint(4, 1)]), NOW));
  invalid(pool.addTx(makeTx([]), NOW), 'at least one input');
  invalid(pool.addTx(makeTx(Array.from({ length: 65 }, (_, i) => outpoint(100 + i))), NOW), '65 inputs');
  invalid(pool.addTx(makeTx([outpoint(6)], { outputs: 65 }), NOW), '65 outputs');
  invalid(pool.addTx({ ...tx, from: Buffer.alloc(31) }, NOW), 'from');
  invalid(pool.addTx({ ...tx, inputs: [{ txid: Buffer.alloc(32), index: -1 }] }, NOW), 'index');
  invalid(pool.addTx({ ...tx, outputs: [{ to: bob.publicKey, amount: 1n << 64n }] }, NOW), 'amount');
  assert.equal(pool.stats().txs, 2);
  assert.equal(pool.stats().locked, 3);
  // A refused tx locked nothing.
  assert.equal(pool.lockState(outpoint(1)).state, 'unlocked');
});

test('bounds: maxTxs 100 under 1000 txs keeps the newest, releasing the locks of the evicted', () => {
  const pool = new TxPool(M3, { maxTxs: 100 });
  const txs = Array.from({ length: 1000 }, (_, i) => makeTx([outpoint(i)]));
  const ids: Buffer[] = [];
  let evictedTotal = 0;
  for (const [i, tx] of txs.entries()) {
    const v = accepted(pool.addTx(tx, NOW + i));
    ids.push(v.txid);
    if (i >= 100) {
      assert.equal(v.evicted, 1, 'one goes for one');
      assert.equal(pool.knows(ids[i - 100]!), false, 'the oldest');
      assert.equal(pool.knows(ids[i - 99]!), true, 'and only the oldest');
    }
    evictedTotal += v.evicted;
    assert.ok(pool.stats().txs <= 100);
  }
  assert.equal(evictedTotal, 900);
  assert.equal(pool.stats().txs, 100);
  assert.equal(pool.stats().locked, 100);
  assert.equal(pool.lockState(outpoint(899)).state, 'unlocked');
  assert.equal(pool.lockState(outpoint(900)).state, 'locked');
  assert.equal(pool.voteFor(mn[0], ids[899]), undefined, 'an evicted tx is unknown');
  // The evicted tx's input is free again: a new spend of it is no conflict.
  assert.equal(accepted(pool.addTx(makeTx([outpoint(0)], { amount: 99n }), NOW + 2000)).conflict, false);
});

test('bounds: maxBytes evicts oldest until the newcomer fits', () => {
  const big = (n: number): Tx => makeTx(Array.from({ length: 64 }, (_, i) => outpoint(n, i)), { outputs: 64 });
  assert.equal(txBytes(big(0)), MAX_TX_BYTES);
  // Room for three of the largest txs and one small one (184 bytes) beside them.
  const maxBytes = 3 * MAX_TX_BYTES + 200;
  const pool = new TxPool(M3, { maxBytes });
  for (let n = 0; n < 20; n++) {
    accepted(pool.addTx(big(n), NOW + n));
    assert.ok(pool.stats().bytes <= maxBytes);
  }
  assert.equal(pool.stats().txs, 3);
  assert.equal(pool.stats().locked, 3 * 64);
  const small = makeTx([outpoint(1000)]);
  assert.equal(txBytes(small), 184);
  assert.equal(accepted(pool.addTx(small, NOW + 100)).evicted, 0, 'a small tx fills the space left');
  const v = accepted(pool.addTx(makeTx([outpoint(1001)]), NOW + 101));
  assert.equal(v.evicted, 1, 'a second one needs one big one gone');
  assert.equal(pool.knows(txId(big(17))), false, 'the oldest of them');
  assert.equal(pool.knows(txId(big(18))), true);
  assert.equal(pool.stats().bytes, 2 * MAX_TX_BYTES + 2 * 184);
});

test('bounds: votes waiting for unknown txs, oldest txid dropped first', () => {
  const pool = new TxPool(M4, { maxPendingVotes: 10 });
  const txids = Array.from({ length: 8 }, (_, i) => txId(makeTx([outpoint(i)])));
  for (const txid of txids) {
    counted(pool.addVote(signVote(mn[0], txid, true), NOW));
    counted(pool.addVote(signVote(mn[1], txid, true), NOW));
    assert.ok(pool.stats().pendingVotes <= 10);
  }
  assert.equal(pool.stats().pendingVotes, 10);
  // txids[0..2] were dropped: a third vote for txids[0] starts over instead of completing the quorum.
  assert.equal(counted(pool.addVote(signVote(mn[2], txids[0], true), NOW)), undefined);
  assert.equal(pool.isFinal(txids[0]), false);
  // The newest kept txids still hold their two votes.
  assert.equal(counted(pool.addVote(signVote(mn[2], txids[7], true), NOW))?.length, 3);
});

test('bounds: remembered finalized txids and spent outpoints forget the oldest', () => {
  const pool = new TxPool(M3, { maxFinalizedRemembered: 5, maxSpentRemembered: 7 });
  const txs = Array.from({ length: 12 }, (_, i) => makeTx([outpoint(i)]));
  const ids = txs.map((tx) => accepted(pool.addTx(tx, NOW)).txid);
  for (const txid of ids) assert.equal(pool.addFinalized(txid, mn.slice(0, 3).map((k) => signVote(k, txid, true)), NOW).kind, 'accepted');
  const s = pool.stats();
  assert.equal(s.finalized, 5);
  assert.equal(s.unclaimed, 5);
  assert.equal(s.spent, 7);
  assert.equal(s.finalizedTotal, 12);
  assert.equal(pool.isFinal(ids[6]), false);
  assert.ok(pool.isFinal(ids[7]));
  assert.deepEqual(pool.unclaimedFinal(100), ids.slice(7));
  // The documented cost: a forgotten spend can be pooled again.
  assert.equal(pool.lockState(outpoint(4)).state, 'unlocked');
  assert.equal(pool.lockState(outpoint(5)).state, 'spent');
  accepted(pool.addTx(makeTx([outpoint(4)], { amount: 77n }), NOW));
  // A final tx whose txid was forgotten but whose spend is remembered is still known, not a double spend.
  assert.deepEqual(pool.addTx(txs[5], NOW), { kind: 'known', txid: ids[5] });
});

test('bounds: own votes remembered', () => {
  const pool = new TxPool(M3, { maxOwnVotesRemembered: 2, maxTxs: 1 });
  const a = accepted(pool.addTx(makeTx([outpoint(1)]), NOW)).txid;
  assert.ok(pool.voteFor(mn[0], a));
  // Evicted and received again: still voted, so no second (possibly different) vote.
  accepted(pool.addTx(makeTx([outpoint(2)]), NOW));
  accepted(pool.addTx(makeTx([outpoint(1)]), NOW));
  assert.equal(pool.voteFor(mn[0], a), undefined);
  for (const n of [3, 4]) {
    const t = accepted(pool.addTx(makeTx([outpoint(n)]), NOW)).txid;
    assert.ok(pool.voteFor(mn[0], t));
  }
  accepted(pool.addTx(makeTx([outpoint(1)]), NOW));
  assert.ok(pool.voteFor(mn[0], a), 'past the bound the oldest own vote is forgotten');
});

test('evict: by age releases locks and old pending votes; then enforces bounds', () => {
  const pool = new TxPool(M3);
  const old = accepted(pool.addTx(makeTx([outpoint(1)]), NOW)).txid;
  const young = accepted(pool.addTx(makeTx([outpoint(2)]), NOW + 50_000)).txid;
  pool.addVote(signVote(mn[0], old, true), NOW);
  pool.addVote(signVote(mn[0], txId(makeTx([outpoint(3)])), true), NOW);
  assert.equal(pool.stats().votes, 2);
  assert.equal(pool.evict(NOW + 60_000, 60_000), 0);
  assert.equal(pool.evict(NOW + 60_001, 60_000), 1);
  assert.equal(pool.knows(old), false, 'the old one went');
  assert.equal(pool.knows(young), true);
  assert.equal(pool.lockState(outpoint(1)).state, 'unlocked');
  assert.equal(pool.lockState(outpoint(2)).state, 'locked');
  assert.equal(pool.stats().votes, 0);
  assert.equal(pool.stats().txs, 1);
  assert.equal(pool.evict(NOW + 200_000, 60_000), 1);
  assert.equal(pool.knows(young), false);
  const s = pool.stats();
  assert.deepEqual([s.txs, s.bytes, s.locked, s.votes], [0, 0, 0, 0]);
});

test('unclaimedFinal / claimed', () => {
  const pool = new TxPool(M3);
  const finalize = (txid: Buffer): void => {
    assert.equal(pool.addFinalized(txid, mn.slice(0, 3).map((k) => signVote(k, txid, true)), NOW).kind, 'accepted');
  };
  const ids = Array.from({ length: 5 }, (_, i) => txId(makeTx([outpoint(i)])));
  for (const txid of ids) finalize(txid);
  assert.deepEqual(pool.unclaimedFinal(3), ids.slice(0, 3));
  assert.deepEqual(pool.unclaimedFinal(100), ids);
  assert.deepEqual(pool.unclaimedFinal(0), []);
  pool.claimed([ids[0], ids[2]]);
  assert.deepEqual(pool.unclaimedFinal(100), [ids[1], ids[3], ids[4]]);
  assert.ok(pool.isFinal(ids[0]), 'claimed txids stay final');
  // A block listing a txid this node has not seen final: when it does, it is not offered again.
  const ahead = txId(makeTx([outpoint(50)]));
  pool.claimed([ahead]);
  finalize(ahead);
  assert.deepEqual(pool.unclaimedFinal(100), [ids[1], ids[3], ids[4]]);
  pool.claimed(ids);
  assert.deepEqual(pool.unclaimedFinal(100), []);
  assert.equal(pool.stats().unclaimed, 0);
});

test('constructor refuses unusable limits and an empty M', () => {
  assert.throws(() => new TxPool([]), /at least one masternode/);
  assert.throws(() => new TxPool(M3, { maxTxs: 0 }), /maxTxs/);
  assert.throws(() => new TxPool(M3, { maxBytes: MAX_TX_BYTES - 1 }), /maxBytes/);
  assert.throws(() => new TxPool(M3, { maxPendingVotes: 1.5 }), /maxPendingVotes/);
  assert.equal(new TxPool(M3, { maxFutureMs: 0 }).quorum, 3);
  assert.equal(new TxPool([M3[0]]).quorum, 1);
  assert.equal(DEFAULT_TX_POOL_LIMITS.maxTxs, 10_000);
});

test('keys: a txid is its 32 bytes as one latin1 string, an outpoint that and its index; messages show both in hex', () => {
  const txid = Buffer.from('3a31' + 'ff'.repeat(30), 'hex');
  assert.equal(txKey(txid).length, 32, 'one character per byte');
  assert.equal(keyHex(txKey(txid)), txid.toString('hex'));
  const a = outpointKey({ txid, index: 1 });
  const b = outpointKey({ txid, index: 11 });
  assert.notEqual(a, b);
  assert.equal(a, txKey(txid) + '1');
  // A txid whose bytes spell digits cannot pass for another txid's outpoint: the txid part is always 32 characters.
  const shifted = Buffer.concat([txid.subarray(1), Buffer.from('1')]);
  assert.notEqual(outpointKey({ txid: shifted, index: 1 }), b);
  assert.equal(outpointText(b), `${txid.toString('hex').slice(0, 16)}…:11`);
  assert.throws(() => outpointKey({ txid: txid.subarray(1), index: 0 }), /32 bytes, got 31/);
  const largest = outpointKey({ txid, index: Number.MAX_SAFE_INTEGER });
  assert.equal(largest.slice(32), String(Number.MAX_SAFE_INTEGER), 'the largest index fits whole');
});

test('keys in messages: a spend of a final input names the outpoint and the final tx in hex', () => {
  const pool = new TxPool(M3);
  const a = accepted(pool.addTx(makeTx([outpoint(7, 2)]), NOW));
  for (const k of mn.slice(0, pool.quorum)) pool.addVote(signVote(k, a.txid, true), NOW);
  assert.equal(pool.isFinal(a.txid), true);
  const o = outpoint(7, 2);
  spent(pool.addTx(makeTx([o], { amount: 9n }), NOW), `${o.txid.toString('hex').slice(0, 16)}…:2`, `by final tx ${a.txid.toString('hex')}`);
  assert.deepEqual(pool.lockState(o), { state: 'spent', by: a.txid });
});
