// §5 Masternodes, live: `ann` and `hb` are accepted only from keys in M
// (others are invalid: not relayed, scored) and only if newer (`time`, resp.
// `seq`) than the last one seen for that key; an older one is dropped
// quietly (not relayed, not scored); a newer one is relayed once. A is not
// a masternode, so it sends no ann/hb of its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signAnn, signHb } from '../../../src/chain/signing';
import type { Ann, Hb } from '../../../src/chain/types';
import type { Node } from '../../../src/node/node';
import type { MessageOf } from '../../../src/wire/messages';
import { startNode, testGenesis, testKey } from '../../support/harness';
import type { RawPeer } from '../../support/raw-peer';
import { closeAll, connectPeer, control, linesWith, received } from './support';

// This file's addresses: 127.0.6.50 – 127.0.6.59.
const A_IP = '127.0.6.50';
const S_IP = '127.0.6.51';
const O_IP = '127.0.6.52';
const BAD_IP = '127.0.6.53';

const mn = [testKey(4), testKey(5)];
const outsider = testKey(9);
const genesis = testGenesis(mn, { time: Date.now() - 10_000, interval: 1000 });

const annIs = (a: Ann) => (m: MessageOf<'masternode'>): boolean => m.ann.node.equals(a.node) && m.ann.time === a.time;
const hbIs = (h: Hb) => (m: MessageOf<'heartbeat'>): boolean => m.hb.node.equals(h.node) && m.hb.seq === h.seq;
// Port 0: nothing to dial, so the announcements do not make A connect anywhere.
const ann = (keys: typeof mn[number], time: number): Ann => signAnn(keys, { ip: '127.0.6.59', port: 0, time });
const hb = (keys: typeof mn[number], seq: number, time: number): Hb => signHb(keys, { seq, time, height: 0 });

test('ann/hb: from a key outside M refused and scored; older than the last seen ignored unscored; newer relayed once', async () => {
  const logA: string[] = [];
  const A: Node = await startNode({ ip: A_IP, keys: testKey(150), genesis, logLines: logA });
  let S: RawPeer | undefined;
  let O: RawPeer | undefined;
  let BAD: RawPeer | undefined;
  try {
    assert.equal(A.chain.isMasternode, false);
    S = await connectPeer(A, A_IP, S_IP, testKey(190), genesis);
    O = await connectPeer(A, A_IP, O_IP, testKey(191), genesis);
    BAD = await connectPeer(A, A_IP, BAD_IP, testKey(192), genesis);
    const now = Date.now();

    // --- ann: newest wins by time ---
    const a1 = ann(mn[0]!, now - 5000);
    const aOld = ann(mn[0]!, now - 6000);
    const a2 = ann(mn[0]!, now - 4000);
    S.sendMessage({ type: 'masternode', ann: a1 });
    await O.waitForMessage('masternode', annIs(a1), 5000);
    S.sendMessage({ type: 'masternode', ann: aOld }); // older: ignored
    S.sendMessage({ type: 'masternode', ann: a1 }); // same: ignored
    S.sendMessage({ type: 'masternode', ann: a2 }); // newer: relayed; also the control for the two before it
    await O.waitForMessage('masternode', annIs(a2), 5000);
    assert.equal(received(O, 'masternode', annIs(aOld)).length, 0, 'the older ann never reached O');
    assert.equal(received(O, 'masternode', annIs(a1)).length, 1, 'the first ann reached O once, not again when repeated');
    assert.equal(received(O, 'masternode', annIs(a2)).length, 1, 'the newer ann reached O once');
    assert.equal(received(S, 'masternode').length, 0, 'nothing is echoed to the sender');
    const info = A.chain.masternodes.list(Date.now()).find((m) => m.key === mn[0]!.publicKey.toString('hex'));
    assert.deepEqual({ ip: info?.ip, port: info?.port }, { ip: '127.0.6.59', port: 0 }, 'A recorded the announcement');

    // --- hb: newest wins by seq ---
    const h1 = hb(mn[1]!, 10, now);
    const hOld = hb(mn[1]!, 9, now + 1); // a later time does not make a lower seq newer
    const h2 = hb(mn[1]!, 11, now + 2);
    S.sendMessage({ type: 'heartbeat', hb: h1 });
    await O.waitForMessage('heartbeat', hbIs(h1), 5000);
    S.sendMessage({ type: 'heartbeat', hb: hOld });
    S.sendMessage({ type: 'heartbeat', hb: h1 });
    S.sendMessage({ type: 'heartbeat', hb: h2 });
    await O.waitForMessage('heartbeat', hbIs(h2), 5000);
    assert.equal(received(O, 'heartbeat', hbIs(hOld)).length, 0, 'the older hb never reached O');
    assert.equal(received(O, 'heartbeat', hbIs(h1)).length, 1);
    assert.equal(received(O, 'heartbeat', hbIs(h2)).length, 1);
    assert.equal(A.chain.masternodes.list(Date.now()).find((m) => m.key === mn[1]!.publicKey.toString('hex'))?.lastHbSeq, 11);

    // Old and repeated announcements are gossip, not misbehaviour.
    assert.equal(linesWith(logA, `invalid from ${S_IP}`).length, 0, `S was never scored; log:\n${logA.join('\n')}`);
    assert.equal(A.chain.stats().invalid, 0);
    assert.equal(A.bans.scoredCount, 0, 'no IP holds a score');

    // --- a key outside M ---
    const foreignAnn = ann(outsider, now);
    BAD.sendMessage({ type: 'masternode', ann: foreignAnn });
    await control(BAD, O, 'after the foreign ann');
    assert.equal(received(O, 'masternode', (m) => m.ann.node.equals(outsider.publicKey)).length, 0, 'the foreign ann never reached O');
    assert.equal(linesWith(logA, `invalid from ${BAD_IP}: ann from ${outsider.publicKey.toString('hex')}`).length, 1, `log:\n${logA.join('\n')}`);
    assert.equal(A.bans.scoredCount, 1, 'BAD holds a score');
    assert.ok(BAD.isOpen);

    const foreignHb = hb(outsider, 1, now);
    BAD.sendMessage({ type: 'heartbeat', hb: foreignHb });
    // Second invalid object: 50 + 50 = 100, banned. A judged the hb before it sent the reject.
    const reject = await BAD.waitForMessage('reject', () => true, 5000);
    assert.equal(reject.code, 'banned');
    assert.equal(linesWith(logA, `invalid from ${BAD_IP}: hb from ${outsider.publicKey.toString('hex')}`).length, 1);
    // Control through S, sent after A had handled the foreign hb: its arrival at O means any relay of that hb came first.
    await control(S, O, 'after the foreign hb');
    assert.equal(received(O, 'heartbeat', (m) => m.hb.node.equals(outsider.publicKey)).length, 0, 'the foreign hb never reached O');
    assert.equal(received(O, 'masternode').length + received(O, 'heartbeat').length, 4, 'O got exactly a1, a2, h1, h2');
  } finally {
    await closeAll([S, O, BAD]);
    await A.stop();
  }
});
