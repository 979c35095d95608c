// §5 Misbehaviour, live: an invalid signed object costs 50, at 100 the IP is
// banned and its connections closed with `reject` `banned`; a banned IP is
// refused when it comes back, and the ban is kept in DATA/bans.json so that
// a restart does not lift it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { txId } from '../../../src/chain/layouts';
import { BANS_FILE } from '../../../src/chain/misbehaviour';
import { verifyTx } from '../../../src/chain/signing';
import type { Node } from '../../../src/node/node';
import { decodeCbor } from '../../../src/wire/cbor';
import { decodeMessage, LIMITS } from '../../../src/wire/messages';
import { isMap } from '../../../src/wire/schema';
import { removeDir, startNode, tempDir, testGenesis, testKey } from '../../support/harness';
import { RawPeer } from '../../support/raw-peer';
import { badSigTx, closeAll, connectPeer, linesWith, received, validTx } from './support';

// This file's addresses: 127.0.6.40 – 127.0.6.49.
const A_IP = '127.0.6.40';
const S_IP = '127.0.6.41';
const OTHER_IP = '127.0.6.42';
const A2_IP = '127.0.6.45';
const S2_IP = '127.0.6.46';

const mn = [testKey(1), testKey(2), testKey(3)];
const genesis = testGenesis(mn, { time: Date.now() - 10_000, interval: 1000 });

/**
 * Connects from `localIp`, sends nothing, and waits for the node to hang up.
 * Returns the first frame's `type` and `code` read straight from its CBOR (so
 * this works even for a frame the message schema would refuse) and the frames
 * that did not pass the schema.
 */
async function refusal(nodeIp: string, node: Node, localIp: string): Promise<{ type: unknown; code: unknown; reason: unknown; frames: number; schemaErrors: string[]; payload: Buffer }> {
  const peer = await RawPeer.connect({ host: nodeIp, port: node.listenPort, localAddress: localIp });
  try {
    await peer.waitClosed(5000);
  } finally {
    peer.destroy();
  }
  const first = peer.payloads[0];
  assert.ok(first, `the node sent ${localIp} nothing before hanging up`);
  const value = decodeCbor(first);
  assert.ok(isMap(value), 'the first frame is a CBOR map');
  return { type: value.type, code: value.code, reason: value.reason, frames: peer.payloads.length, schemaErrors: peer.decodeErrors.map((e) => e.message), payload: first };
}

/** S sends a bad tx, a control tx (which must reach O), then a second bad tx, which must get S banned. */
async function getBanned(A: Node, S: RawPeer, O: RawPeer, sIp: string, logA: string[]): Promise<void> {
  const bad1 = badSigTx(`ban 1 ${sIp}`);
  const bad2 = badSigTx(`ban 2 ${sIp}`);
  assert.equal(verifyTx(bad1) || verifyTx(bad2), false, 'both txs carry a bad signature');
  S.sendMessage({ type: 'tx', tx: bad1 });
  const okTx = validTx(`ban control ${sIp}`);
  S.sendMessage({ type: 'tx', tx: okTx });
  await O.waitForMessage('tx', (m) => txId(m.tx).equals(txId(okTx)), 5000);
  assert.ok(S.isOpen, 'one bad tx (50) does not ban');
  assert.equal(A.bans.isBanned(sIp, Date.now()), undefined);
  assert.equal(linesWith(logA, `invalid from ${sIp}: tx ${txId(bad1).toString('hex')}: bad signature`).length, 1, `log:\n${logA.join('\n')}`);

  S.sendMessage({ type: 'tx', tx: bad2 });
  const reject = await S.waitForMessage('reject', () => true, 5000);
  assert.equal(reject.code, 'banned', `reject reason: ${reject.reason}`);
  await S.waitClosed();
  const ban = A.bans.isBanned(sIp, Date.now());
  assert.ok(ban, 'S is banned after the second bad tx');
  assert.match(ban.reason, /misbehaviour score 100 ≥ 100 \(invalidObject×2\)/);
  assert.equal(received(O, 'tx').length, 1, 'neither bad tx was relayed: O has only the control');
}

test('ban: two txs with bad signatures ban the sender; the IP is refused on reconnect, and after a restart on the same data dir', async () => {
  const dataDir = tempDir('timenode-live-ban-');
  const logA: string[] = [];
  const A_KEY = testKey(140);
  let A: Node | undefined = await startNode({ ip: A_IP, keys: A_KEY, genesis, dataDir, logLines: logA });
  const peers: RawPeer[] = [];
  try {
    const S = await connectPeer(A, A_IP, S_IP, testKey(180), genesis);
    const O = await connectPeer(A, A_IP, OTHER_IP, testKey(181), genesis);
    peers.push(S, O);
    await getBanned(A, S, O, S_IP, logA);
    assert.equal(A.status().banned, 1);

    // Back from the same IP: refused before any handshake, with `reject` `banned`.
    const again = await refusal(A_IP, A, S_IP);
    assert.deepEqual({ type: again.type, code: again.code, frames: again.frames }, { type: 'reject', code: 'banned', frames: 1 }, 'one frame, a reject banned, and no hello');
    assert.equal(linesWith(logA, `refusing ${S_IP}: banned until`).length, 1);

    // Persisted.
    const file = join(dataDir, BANS_FILE);
    assert.ok(existsSync(file), `${file} exists`);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { ip: string; until: number; reason: string }[];
    assert.deepEqual(saved.map((b) => b.ip), [S_IP], 'bans.json holds exactly S');
    assert.ok(saved[0]!.until > Date.now() + 23 * 3600_000, `banned for the default 24 h, until ${saved[0]!.until}`);

    // Restart on the same data folder: still refused; another IP still welcome.
    await closeAll(peers.splice(0));
    await A.stop();
    A = undefined;
    const logA2: string[] = [];
    A = await startNode({ ip: A_IP, keys: A_KEY, genesis, dataDir, logLines: logA2 });
    assert.ok(A.bans.isBanned(S_IP, Date.now()), 'the restarted node loaded the ban');
    const afterRestart = await refusal(A_IP, A, S_IP);
    assert.deepEqual({ type: afterRestart.type, code: afterRestart.code, frames: afterRestart.frames }, { type: 'reject', code: 'banned', frames: 1 }, 'refused after the restart');
    assert.equal(linesWith(logA2, `refusing ${S_IP}: banned until`).length, 1);
    const fine = await connectPeer(A, A_IP, OTHER_IP, testKey(184), genesis);
    peers.push(fine);
    assert.ok(fine.isOpen, 'an IP that was never banned connects to the restarted node');
  } finally {
    await closeAll(peers);
    await A?.stop();
    removeDir(dataDir);
  }
});

// §3: `reject` carries `reason` text ≤ 256 bytes, and "a message over a bound is
// a protocol error": a conforming peer must refuse an oversized one, and then
// never learns that it is banned.
test('ban: the reject a banned IP gets on connect is a valid §3 message (reason ≤ 256 bytes)', async () => {
  const logA: string[] = [];
  const A = await startNode({ ip: A2_IP, keys: testKey(141), genesis, logLines: logA });
  const peers: RawPeer[] = [];
  try {
    const S = await connectPeer(A, A2_IP, S2_IP, testKey(185), genesis);
    const O = await connectPeer(A, A2_IP, '127.0.6.47', testKey(186), genesis);
    peers.push(S, O);
    await getBanned(A, S, O, S2_IP, logA);
    const again = await refusal(A2_IP, A, S2_IP);
    assert.equal(again.code, 'banned');
    const reasonBytes = typeof again.reason === 'string' ? Buffer.byteLength(again.reason, 'utf8') : -1;
    assert.deepEqual(
      { reasonBytesWithinBound: reasonBytes >= 0 && reasonBytes <= LIMITS.reasonBytes, schemaErrors: again.schemaErrors },
      { reasonBytesWithinBound: true, schemaErrors: [] },
      `the reject's reason is ${reasonBytes} bytes (bound ${LIMITS.reasonBytes}): ${String(again.reason)}`,
    );
    // And the message as a whole decodes under the §3 schema.
    assert.equal(decodeMessage(again.payload).type, 'reject');
  } finally {
    await closeAll(peers);
    await A.stop();
  }
});
