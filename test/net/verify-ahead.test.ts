// The loop's verification pipeline (src/net/verify-ahead.ts) on its own:
// batches come back in the order taken and only once verified, a batch's
// verdicts answer verify() while its messages are handled, and what it holds
// is bounded per peer (messages) and charged to the shared inbound budget
// until handled or closed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyPairFromSeed, verify, type SignedMessage } from '../../src/crypto';
import { signatureChecks } from '../../src/chain/signature-checks';
import { signTx, verifyTx } from '../../src/chain/signing';
import { InboundBudget } from '../../src/net/inbound-budget';
import { DECODED_BYTES_PER_WIRE_BYTE, Decoded, Taken, VerifyAhead } from '../../src/net/verify-ahead';
import type { Message } from '../../src/wire/messages';

const k = keyPairFromSeed(Buffer.alloc(32, 5));
function txMsg(i: number): Message {
  const txid = Buffer.alloc(32);
  txid.writeUInt32BE(i + 1);
  return { type: 'tx', tx: signTx(k, { inputs: [{ txid, index: 0 }], outputs: [{ to: k.publicKey, amount: 1n }], time: 1_767_225_600_000 }) };
}

/** A verifier whose answers the test releases by hand, with the verdicts it chooses. */
function manualVerifier(): { verifier: ConstructorParameters<typeof VerifyAhead>[0]; asked: { checks: readonly SignedMessage[]; answer(v?: boolean[]): void }[] } {
  const asked: { checks: readonly SignedMessage[]; answer(v?: boolean[]): void }[] = [];
  return {
    asked,
    verifier: {
      checksOf: (msg) => signatureChecks(msg, { isMasternode: () => true, knowsTx: () => false, isFinal: () => false, height: () => 0 }),
      verify: (checks) =>
        new Promise((resolve) => asked.push({ checks, answer: (v) => resolve(v ?? checks.map((c) => verify(c.publicKey, c.message, c.signature))) })),
    },
  };
}

function source(msgs: Message[], bytes = 100): () => Taken | undefined {
  let i = 0;
  return () => (i < msgs.length ? { item: msgs[i++]!, bytes } : undefined);
}

test('batches are handed back in the order taken, each only once its verdicts are in', async () => {
  const { verifier, asked } = manualVerifier();
  let ready = 0;
  const ahead = new VerifyAhead(verifier, { messages: 4, checks: 100, ahead: 100 }, new InboundBudget(1e9), () => ready++);
  const msgs = Array.from({ length: 10 }, (_, i) => txMsg(i));
  const next = source(msgs);
  while (ahead.pending < msgs.length) ahead.take(next, true);
  assert.deepEqual(asked.map((a) => a.checks.length), [4, 4, 2]);
  assert.equal(ahead.peek(), 'unverified');
  asked[1]!.answer(); // the second batch first: the head still waits
  await Promise.resolve();
  assert.equal(ahead.peek(), 'unverified');
  assert.equal(ready, 0, 'only the head being verified wakes the loop');
  asked[0]!.answer();
  await new Promise((r) => setImmediate(r));
  assert.equal(ready, 1);
  const handled: Decoded[] = [];
  while (ahead.peek() !== 'unverified' && ahead.peek() !== undefined) ahead.handleNext((m) => handled.push(m));
  assert.equal(handled.length, 8, 'both verified batches, and not the third');
  asked[2]!.answer();
  await new Promise((r) => setImmediate(r));
  while (ahead.peek() !== undefined) ahead.handleNext((m) => handled.push(m));
  assert.deepEqual(handled, msgs, 'every message, in the order taken');
});

test("a batch's verdicts answer the chain's verify() while its messages are handled", async () => {
  const { verifier, asked } = manualVerifier();
  const ahead = new VerifyAhead(verifier, { messages: 8, checks: 100, ahead: 100 }, new InboundBudget(1e9), () => undefined);
  const msgs = [txMsg(1), txMsg(2)];
  ahead.take(source(msgs), true);
  asked[0]!.answer([false, true]); // the pool's word, deliberately not the truth for the first
  await Promise.resolve();
  const seen: boolean[] = [];
  while (ahead.peek() !== undefined) ahead.handleNext((m) => seen.push(verifyTx((m as Extract<Message, { type: 'tx' }>).tx)));
  assert.deepEqual(seen, [false, true]);
  assert.equal(verifyTx((msgs[0] as Extract<Message, { type: 'tx' }>).tx), true, 'outside the handling, verify() is itself again');
});

test('what the pipeline holds is bounded per peer and charged to the shared budget until handled or closed', async () => {
  const { verifier, asked } = manualVerifier();
  const budget = new InboundBudget(1e9);
  const ahead = new VerifyAhead(verifier, { messages: 5, checks: 100, ahead: 12 }, budget, () => undefined);
  const next = source(Array.from({ length: 40 }, (_, i) => txMsg(i)), 250);
  while (ahead.wantsMore) ahead.take(next, true);
  assert.equal(ahead.pending, 12, 'no more than `ahead` messages taken');
  assert.equal(budget.usedBytes, 12 * 250 * DECODED_BYTES_PER_WIRE_BYTE);
  for (const a of asked) a.answer();
  await Promise.resolve();
  for (let i = 0; i < 5; i++) ahead.handleNext(() => undefined);
  assert.equal(budget.usedBytes, 7 * 250 * DECODED_BYTES_PER_WIRE_BYTE, 'a handled batch releases its charge');
  ahead.close();
  assert.equal(budget.usedBytes, 0, 'closing releases the rest');
  assert.equal(ahead.peek(), undefined);
  assert.equal(ahead.wantsMore, false);

  const tight = new InboundBudget(1000);
  tight.adjust(5000); // other peers hold the shared budget
  const small = new VerifyAhead(verifier, { messages: 5, checks: 100, ahead: 100 }, tight, () => undefined);
  assert.equal(small.wantsMore, true, 'a peer with nothing taken may always take one batch: floods elsewhere never stop it reading');
  small.take(source([txMsg(1), txMsg(2)], 250), true);
  assert.equal(small.wantsMore, false, 'over the shared budget: no second batch until it has room');
});

test('checks are listed only once the peer is established, and a fault ends its batch', () => {
  const { verifier, asked } = manualVerifier();
  const ahead = new VerifyAhead(verifier, { messages: 8, checks: 100, ahead: 100 }, new InboundBudget(1e9), () => undefined);
  ahead.take(source([txMsg(1)]), false);
  assert.equal(asked.length, 0, 'before the handshake nothing is sent to the pool');
  assert.notEqual(ahead.peek(), 'unverified');
  const items: Taken[] = [{ item: txMsg(2), bytes: 1 }, { item: { fault: new Error('bad') }, bytes: 1 }, { item: txMsg(3), bytes: 1 }];
  ahead.take(() => items.shift(), true);
  assert.equal(asked[0]!.checks.length, 1);
  assert.equal(items.length, 1, 'the payload after the fault stays in the backlog');
});

test('the same signature twice in a batch is sent to the pool once', () => {
  const { verifier, asked } = manualVerifier();
  const ahead = new VerifyAhead(verifier, { messages: 8, checks: 100, ahead: 100 }, new InboundBudget(1e9), () => undefined);
  const m = txMsg(1);
  ahead.take(source([m, m, txMsg(2), m]), true);
  assert.equal(asked[0]!.checks.length, 2);
});
