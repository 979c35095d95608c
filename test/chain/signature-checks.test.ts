// signatureChecks lists exactly the Ed25519 checks the chain's verify calls
// will make for a message (one per tx, vote, block, ann, hb; every vote of a
// `finalized`, every block of a `blocks` answer), and verdicts installed for
// those bytes are what the chain's verify functions then answer — for those
// bytes only (src/crypto/verdict-memo.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyPairFromSeed, verify, withVerdicts } from '../../src/crypto';
import { VerdictMemo } from '../../src/crypto/verdict-memo';
import { signatureChecks as checksWith, type ChainView } from '../../src/chain/signature-checks';
import { signAnn, signBlock, signHb, signTx, signVote, verifyAnn, verifyBlockSig, verifyHb, verifyTx, verifyVote } from '../../src/chain/signing';
import type { Message } from '../../src/wire/messages';

const NOW = 1_767_225_600_000;
const keys = [1, 2, 3].map((i) => keyPairFromSeed(Buffer.alloc(32, i)));
const k = keys[0]!;
const tx = signTx(k, { inputs: [{ txid: Buffer.alloc(32, 7), index: 0 }], outputs: [{ to: keys[1]!.publicKey, amount: 5n }], time: NOW });
const votes = keys.map((v) => signVote(v, Buffer.alloc(32, 9), true));
const blocks = [1, 2, 3, 4].map((h) => signBlock(k, { height: h, prev: Buffer.alloc(32, h), time: NOW + h, txids: [Buffer.alloc(32, h)] }));
const ann = signAnn(k, { ip: '127.11.0.1', port: 24100, time: NOW });
const hb = signHb(k, { seq: 3, time: NOW, height: 12 });

/** A chain that knows nothing and counts every key in M: every check is listed. */
const OPEN: ChainView = { isMasternode: () => true, knowsTx: () => false, isFinal: () => false, height: () => 0 };
const signatureChecks = (msg: Message, view: ChainView = OPEN) => checksWith(msg, view);

test('each chain message lists one check per signature it carries, and each holds', () => {
  const cases: [Message, number][] = [
    [{ type: 'tx', tx }, 1],
    [{ type: 'vote', vote: votes[0]! }, 1],
    [{ type: 'finalized', txid: Buffer.alloc(32, 9), votes }, 3],
    [{ type: 'block', block: blocks[0]! }, 1],
    [{ type: 'blocks', blocks }, 4],
    [{ type: 'masternode', ann }, 1],
    [{ type: 'heartbeat', hb }, 1],
    [{ type: 'get_blocks', from: 1, to: 2 }, 0],
    [{ type: 'get_peers' }, 0],
  ];
  for (const [msg, n] of cases) {
    const checks = signatureChecks(msg);
    assert.equal(checks.length, n, msg.type);
    for (const c of checks) assert.ok(verify(c.publicKey, c.message, c.signature), `${msg.type}: the listed check holds`);
  }
});

test('verdicts installed for the listed checks are what the chain verify functions answer', () => {
  const all: Message[] = [
    { type: 'tx', tx },
    { type: 'finalized', txid: Buffer.alloc(32, 9), votes },
    { type: 'blocks', blocks },
    { type: 'masternode', ann },
    { type: 'heartbeat', hb },
  ];
  const checks = all.flatMap((m) => signatureChecks(m));
  const memo = new VerdictMemo(100);
  // Deliberately the opposite of the truth, so an answer from the memo is visible.
  memo.fill(checks, checks.map(() => false));
  withVerdicts(memo, () => {
    assert.equal(verifyTx(tx), false);
    for (const v of votes) assert.equal(verifyVote(v), false);
    for (const b of blocks) assert.equal(verifyBlockSig(b), false);
    assert.equal(verifyAnn(ann), false);
    assert.equal(verifyHb(hb), false);
    // Other bytes under the same signature: a tx with another time, a vote turned to reject.
    assert.equal(verifyTx({ ...tx, time: tx.time + 1 }), false, 'truly invalid: verified, not taken from the memo');
    const other = signTx(k, { inputs: tx.inputs, outputs: tx.outputs, time: NOW + 5 });
    assert.equal(verifyTx(other), true, 'a check not in the memo is verified as before');
  });
  assert.equal(verifyTx(tx), true, 'outside withVerdicts the memo is not consulted');
});

test('a verdict is applied only to the exact key, message and signature bytes it was computed on', () => {
  const [c] = signatureChecks({ type: 'tx', tx });
  const memo = new VerdictMemo(10);
  memo.fill([c!], [false]);
  assert.equal(memo.find(c!.publicKey, c!.message, c!.signature), false);
  // Found by the objects it was filled with, and by equal bytes in other objects.
  assert.equal(memo.find(Buffer.from(c!.publicKey), Buffer.from(c!.message), Buffer.from(c!.signature)), false, 'copies of the same bytes');
  assert.equal(memo.find(keys[1]!.publicKey, c!.message, c!.signature), undefined, 'another key');
  assert.equal(memo.find(keys[1]!.publicKey, c!.message, Buffer.from(c!.signature)), undefined, 'another key, the signature a copy');
  const msg = Buffer.from(c!.message);
  msg[31]! ^= 1;
  assert.equal(memo.find(c!.publicKey, msg, c!.signature), undefined, 'another message');
  assert.equal(memo.find(c!.publicKey, c!.message.subarray(0, 31), c!.signature), undefined, 'a shorter message');
  const sig = Buffer.from(c!.signature);
  sig[0]! ^= 1;
  assert.equal(memo.find(c!.publicKey, c!.message, sig), undefined, 'another signature');
  memo.clear();
  assert.equal(memo.size, 0);
  assert.equal(memo.find(c!.publicKey, c!.message, c!.signature), undefined, 'cleared');
});

test('the memo holds at most its capacity', () => {
  const checks = blocks.flatMap((b) => signatureChecks({ type: 'block', block: b }));
  const memo = new VerdictMemo(2);
  memo.fill(checks, checks.map(() => true));
  assert.equal(memo.size, 2);
  assert.equal(memo.find(checks[3]!.publicKey, checks[3]!.message, checks[3]!.signature), undefined, 'past capacity: not kept');
});

test('an object whose layout refuses its fields lists no check (the chain refuses it without a verify)', () => {
  const badTx = { ...tx, from: Buffer.alloc(31) };
  assert.deepEqual(signatureChecks({ type: 'tx', tx: badTx }), []);
  const badBlock = { ...blocks[0]!, txids: [Buffer.alloc(5)] };
  assert.equal(signatureChecks({ type: 'blocks', blocks: [badBlock, blocks[1]!] }).length, 1);
});

test("the chain's cheap rules leave out the checks it would never make", () => {
  const members = new Set(keys.slice(0, 2).map((x) => x.publicKey.toString('hex')));
  const view: ChainView = { ...OPEN, isMasternode: (key) => members.has(key.toString('hex')) };
  const outsider = keyPairFromSeed(Buffer.alloc(32, 9));
  assert.equal(signatureChecks({ type: 'vote', vote: signVote(outsider, Buffer.alloc(32, 9), true) }, view).length, 0, "a non-member's vote");
  assert.equal(signatureChecks({ type: 'finalized', txid: Buffer.alloc(32, 9), votes }, view).length, 0, 'a proof with one non-member vote is refused unverified');
  const mine = votes.slice(0, 2);
  assert.equal(signatureChecks({ type: 'finalized', txid: Buffer.alloc(32, 9), votes: mine }, view).length, 2);
  assert.equal(signatureChecks({ type: 'finalized', txid: Buffer.alloc(32, 8), votes: mine }, view).length, 0, 'votes for another txid');
  const copies = new Array(1024).fill(votes[0]!);
  assert.equal(signatureChecks({ type: 'finalized', txid: Buffer.alloc(32, 9), votes: copies }, view).length, 1, '1024 copies of one vote: one check');
  assert.equal(signatureChecks({ type: 'finalized', txid: Buffer.alloc(32, 9), votes: mine }, { ...view, isFinal: () => true }).length, 0, 'already final');
  assert.equal(signatureChecks({ type: 'tx', tx }, { ...view, knowsTx: () => true }).length, 0, 'a known tx');
  assert.equal(signatureChecks({ type: 'blocks', blocks }, { ...view, height: () => 2 }).length, 2, 'blocks at or below the tip are overlap');
  assert.equal(signatureChecks({ type: 'heartbeat', hb: signHb(outsider, { seq: 1, time: NOW, height: 1 }) }, view).length, 0);
  assert.equal(signatureChecks({ type: 'masternode', ann: signAnn(outsider, { ip: '127.11.0.2', port: 1, time: NOW }) }, view).length, 0);
});
