// §5 Votes and finality, live: "a receiver verifies every vote before it
// believes it", and invalid objects are never relayed and cost the sender 50.
// A is not a masternode (it casts no vote of its own); M has three keys, so a
// proof needs q = 3 accept votes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { txId } from '../../../src/chain/layouts';
import { signVote, verifyVote } from '../../../src/chain/signing';
import type { Vote } from '../../../src/chain/types';
import { hash } from '../../../src/crypto';
import type { Node } from '../../../src/node/node';
import { startNode, testGenesis, testKey } from '../../support/harness';
import type { RawPeer } from '../../support/raw-peer';
import { closeAll, connectPeer, control, linesWith, received, validTx } from './support';

// This file's addresses: 127.0.6.10 – 127.0.6.19.
const A_IP = '127.0.6.10';
const S_IP = '127.0.6.11';
const O_IP = '127.0.6.12';
const S2_IP = '127.0.6.13';

const mn = [testKey(1), testKey(2), testKey(3)];
const outsider = testKey(9);
const genesis = testGenesis(mn, { time: Date.now() - 10_000, interval: 1000 });

/** A proof as text a failure message can show: its txid and each vote's voter and signature prefix. */
function proofSummary(m: { txid: Buffer; votes: Vote[] }): string {
  return `${m.txid.toString('hex').slice(0, 16)} [${m.votes.map((v) => `${v.voter.toString('hex').slice(0, 8)}:${v.sig.toString('hex').slice(0, 8)}`).join(' ')}]`;
}

test('finalized: a proof with a forged vote or a foreign voter is refused, scored and not relayed; a valid proof is accepted and relayed once', async () => {
  assert.equal(genesis.quorum, 3, 'three masternodes: a proof needs three accept votes');
  const logA: string[] = [];
  const A: Node = await startNode({ ip: A_IP, keys: testKey(110), genesis, logLines: logA });
  let S: RawPeer | undefined;
  let O: RawPeer | undefined;
  let S2: RawPeer | undefined;
  try {
    S = await connectPeer(A, A_IP, S_IP, testKey(151), genesis);
    O = await connectPeer(A, A_IP, O_IP, testKey(152), genesis);
    const tx = validTx('finalized test');
    const txid = txId(tx);
    const good: Vote[] = mn.map((k) => signVote(k, txid, true));
    assert.ok(good.every(verifyVote));

    // 1. A forged vote: mn[2]'s key and fields, but its signature is over another txid.
    const forged: Vote = { ...good[2]!, sig: signVote(mn[2]!, hash(Buffer.from('another tx')), true).sig };
    assert.equal(verifyVote(forged), false, 'the forged vote does not verify');
    S.sendMessage({ type: 'finalized', txid, votes: [good[0]!, good[1]!, forged] });
    await control(S, O, 'after forged proof');
    assert.equal(A.status().finalized, 0, 'A believed no proof');
    assert.equal(A.chain.pool.isFinal(txid), false, 'the tx is not final at A after the forged proof');
    assert.deepEqual(received(O, 'finalized').map(proofSummary), [], 'the forged proof never reached O');
    assert.equal(linesWith(logA, `invalid from ${S_IP}: finalized ${txid.toString('hex')}`).length, 1, `one "invalid from" line for S; log:\n${logA.join('\n')}`);
    assert.ok(S.isOpen, 'one invalid object (50) does not ban');

    // 2. A foreign vote: validly signed, by a key outside M (three distinct voters, one of them foreign).
    const foreign = signVote(outsider, txid, true);
    assert.ok(verifyVote(foreign), 'the foreign vote is correctly signed: only its voter is wrong');
    S.sendMessage({ type: 'finalized', txid, votes: [good[0]!, good[1]!, foreign] });
    // The second invalid object takes S to 100: banned, which proves both were scored 50.
    const reject = await S.waitForMessage('reject', () => true, 5000);
    assert.equal(reject.code, 'banned', `S is closed with "banned", reason: ${reject.reason}`);
    await S.waitClosed();
    assert.ok(A.bans.isBanned(S_IP, Date.now()), 'S is banned at A after two invalid proofs');
    assert.match(logA.join('\n'), new RegExp(`invalid from ${S_IP.replace(/\./g, '\\.')}: finalized [0-9a-f]{64}: vote 2 by ${outsider.publicKey.toString('hex')}: voter is not a masternode`));
    assert.equal(A.status().finalized, 0);
    assert.equal(A.chain.pool.isFinal(txid), false, 'the tx is not final at A after the foreign proof');

    // 3. The valid proof for the same tx, from another peer: believed and relayed to O exactly once.
    // (A handled the foreign proof before it sent S the reject, so any relay of it was queued to O before this one.)
    S2 = await connectPeer(A, A_IP, S2_IP, testKey(153), genesis);
    S2.sendMessage({ type: 'finalized', txid, votes: good });
    const relayed = await O.waitForMessage('finalized', (m) => m.txid.equals(txid), 5000);
    assert.deepEqual(relayed.votes.map((v) => v.sig.toString('hex')), good.map((v) => v.sig.toString('hex')), 'O got the valid proof, not a forged one');
    assert.equal(A.chain.pool.isFinal(txid), true, 'the tx is final at A');
    assert.equal(A.status().finalized, 1);
    // The same proof again (and from S2 again) is known: not relayed a second time.
    S2.sendMessage({ type: 'finalized', txid, votes: good });
    await control(S2, O, 'after the repeated proof');
    assert.deepEqual(received(O, 'finalized').map(proofSummary), [proofSummary({ txid, votes: good })], 'O received exactly one finalized in all: the valid one');
    assert.equal(received(S2, 'finalized').length, 0, 'the proof is not echoed to its sender');
    assert.equal(A.status().finalized, 1, 'a repeated proof is not counted again');
    assert.equal(linesWith(logA, `invalid from ${S2_IP}`).length, 0, 'valid proofs cost S2 nothing');
  } finally {
    await closeAll([S, O, S2]);
    await A.stop();
  }
});
