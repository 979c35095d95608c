// Learned addresses are not dialed forever: after MAX_LEARNED_ATTEMPTS failed
// dials a learned target is dropped, so addresses gossiped by peers cannot
// grow the dial set; a configured peer is kept and redialed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freePort, startNode, testGenesis, testKey, waitFor } from '../support/harness';

test('a learned address that never answers is given up after a few dials; a configured one is kept', async () => {
  const keys = testKey(91);
  const genesis = testGenesis([keys]);
  const deadPort = freePort(); // nobody listens here
  const node = await startNode({
    ip: '127.0.18.1',
    keys,
    genesis,
    peers: [`127.0.18.3:${deadPort}`],
    timings: { reconnectBaseMs: 1, reconnectMaxMs: 5 },
  });
  try {
    node.manager.learned('127.0.18.2', deadPort);
    assert.equal(node.manager.dialTargetCount, 2);
    await waitFor('the learned target to be dropped', () => node.manager.dialTargetCount === 1, 5000);
    // The configured peer keeps being redialed well past the learned limit.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(node.manager.dialTargetCount, 1);
  } finally {
    await node.stop();
  }
});
