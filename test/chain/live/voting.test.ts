// §5 Votes and finality and §3 utxo_state, live, with A the only masternode
// (n = 1, q = 1): a valid tx is relayed, A locks its inputs (a `locked`
// hint), votes accept, sees the quorum first and sends `finalized` with its
// vote, and marks the inputs spent (a `spent` hint). A hint a peer sends A is
// counted and never relayed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { txId } from '../../../src/chain/layouts';
import { signTx, verifyVote } from '../../../src/chain/signing';
import { hash } from '../../../src/crypto';
import type { Node } from '../../../src/node/node';
import { startNode, testGenesis, testKey, waitFor } from '../../support/harness';
import type { RawPeer } from '../../support/raw-peer';
import { closeAll, connectPeer, control, isTx, PAYER, received, validTx } from './support';

// This file's addresses: 127.0.6.60 – 127.0.6.69.
const A_IP = '127.0.6.60';
const S_IP = '127.0.6.61';
const O_IP = '127.0.6.62';
const LATE_IP = '127.0.6.63';
const WATCH_IP = '127.0.6.64';

const A_KEY = testKey(6);
const genesis = testGenesis([A_KEY], { time: Date.now() - 3000, interval: 1000 });

test('voting: a 1-masternode A relays a tx, votes, finalizes with its vote, and sends utxo hints; hints it receives are counted, never relayed', async () => {
  assert.deepEqual({ n: genesis.masternodes.length, q: genesis.quorum }, { n: 1, q: 1 });
  const A: Node = await startNode({ ip: A_IP, keys: A_KEY, genesis });
  let S: RawPeer | undefined;
  let O: RawPeer | undefined;
  try {
    assert.equal(A.chain.isMasternode, true);
    S = await connectPeer(A, A_IP, S_IP, testKey(193), genesis);
    O = await connectPeer(A, A_IP, O_IP, testKey(194), genesis);

    const tx = validTx('voting');
    const txid = txId(tx);
    const input = tx.inputs[0]!;
    S.sendMessage({ type: 'tx', tx });

    const finalized = await O.waitForMessage('finalized', (m) => m.txid.equals(txid), 5000);
    const relayedTx = received(O, 'tx', isTx(txid));
    assert.equal(relayedTx.length, 1, 'O received the tx once');
    const votes = received(O, 'vote', (m) => m.vote.txid.equals(txid));
    assert.equal(votes.length, 1, 'O received one vote for the tx');
    const vote = votes[0]!.vote;
    assert.deepEqual({ voter: vote.voter.toString('hex'), accept: vote.accept, valid: verifyVote(vote) }, { voter: A_KEY.publicKey.toString('hex'), accept: true, valid: true }, "A's own valid accept vote");
    assert.equal(finalized.votes.length, 1, 'the proof holds q = 1 vote');
    assert.deepEqual(finalized.votes[0], vote, "the proof is A's vote");
    // Relay order: the tx, then the vote it caused, then the proof.
    const iTx = O.messages.indexOf(relayedTx[0]!);
    const iVote = O.messages.indexOf(votes[0]!);
    const iFinal = O.messages.indexOf(finalized);
    assert.ok(iTx < iVote && iVote < iFinal, `tx (${iTx}) before vote (${iVote}) before finalized (${iFinal})`);

    // Hints: the input was locked by the tx, then spent by it.
    const hintFor = (state: string) => received(O!, 'utxo_state', (m) => m.txid.equals(input.txid) && m.index === input.index && m.state === state);
    await waitFor('the spent hint at O', () => hintFor('spent').length === 1, 5000);
    const locked = hintFor('locked');
    const spent = hintFor('spent');
    assert.equal(locked.length, 1, 'one locked hint');
    assert.ok(locked[0]!.by.equals(txid) && spent[0]!.by.equals(txid), 'both hints name the tx');
    assert.ok(O.messages.indexOf(locked[0]!) < O.messages.indexOf(spent[0]!), 'locked before spent');

    assert.equal(A.chain.pool.isFinal(txid), true);
    assert.equal(A.status().finalized, 1);
    // The sender does not get its own tx back, but it does get A's vote and proof.
    assert.equal(received(S, 'tx').length, 0, 'the tx is not echoed to S');
    await S.waitForMessage('finalized', (m) => m.txid.equals(txid), 5000);
    assert.equal(received(S, 'vote', (m) => m.vote.txid.equals(txid)).length, 1);

    // A hint from a peer: counted, not relayed. The control tx after it makes A send O its own hints
    // for the control's input, which are told apart by txid.
    const stray = { type: 'utxo_state' as const, txid: hash(Buffer.from('stray hint')), index: 7, state: 'locked' as const, by: hash(Buffer.from('stray by')) };
    const hintsBefore = A.chain.stats().hintsReceived;
    S.sendMessage(stray);
    const controlTx = validTx('voting control');
    S.sendMessage({ type: 'tx', tx: controlTx });
    await O.waitForMessage('finalized', (m) => m.txid.equals(txId(controlTx)), 5000);
    assert.equal(A.chain.stats().hintsReceived, hintsBefore + 1, 'A counted the hint');
    assert.equal(received(O, 'utxo_state', (m) => m.txid.equals(stray.txid) || m.by.equals(stray.by)).length, 0, 'the hint S sent never reached O');
    assert.equal(A.chain.stats().invalid, 0, 'nothing S sent was invalid');

    // Exactly once, checked after the control has come through.
    assert.equal(received(O, 'tx', isTx(txid)).length, 1);
    assert.equal(received(O, 'vote', (m) => m.vote.txid.equals(txid)).length, 1);
    assert.equal(received(O, 'finalized', (m) => m.txid.equals(txid)).length, 1);
    assert.equal(A.status().finalized, 2);
  } finally {
    await closeAll([S, O]);
    await A.stop();
  }
});

// Two spends of one input sent to two nodes at once: the loser reaches a node whose proof for the
// winner came first, relayed by a peer that had not seen that proof yet. Such a tx is refused and not
// relayed, but it is no offence: scoring it banned an honest masternode in the 3-process finality test.
test('a tx spending what a final tx spent is refused and not relayed, and costs its sender no score', async () => {
  const A: Node = await startNode({ ip: A_IP, keys: A_KEY, genesis });
  let S: RawPeer | undefined;
  let O: RawPeer | undefined;
  try {
    S = await connectPeer(A, A_IP, LATE_IP, testKey(195), genesis);
    O = await connectPeer(A, A_IP, WATCH_IP, testKey(196), genesis);
    const winner = validTx('late spend');
    S.sendMessage({ type: 'tx', tx: winner });
    await O.waitForMessage('finalized', (m) => m.txid.equals(txId(winner)), 5000);

    // Three spends, as many as would have banned S at 50 a piece.
    const losers = [2n, 3n, 4n].map((amount) => signTx(PAYER(), { inputs: winner.inputs, outputs: [{ to: PAYER().publicKey, amount }], time: Date.now() }));
    for (const tx of losers) S.sendMessage({ type: 'tx', tx });
    await control(S, O, 'late spend');

    assert.equal(A.chain.stats().spentRefused, 3, 'A counted the three late spends');
    assert.equal(A.chain.stats().invalid, 0, 'none of them counted as invalid');
    assert.equal(A.bans.scoreOf(LATE_IP), 0, "S's score");
    for (const tx of losers) assert.equal(received(O, 'tx', isTx(txId(tx))).length, 0, `late spend ${txId(tx).toString('hex').slice(0, 16)} was relayed to O`);
    assert.ok(A.registry.all().some((p) => p.key === LATE_IP), 'S is still connected');
  } finally {
    await closeAll([S, O]);
    await A.stop();
  }
});
