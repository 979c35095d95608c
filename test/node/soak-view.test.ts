// The soak run (bench/soak.ts) reads the devnet's status view: this keeps the
// view's lines and the soak's parser in step, on a real node's status, and
// checks the trend fit it judges by.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseView, slope } from '../../bench/soak';
import { renderStatus } from '../../src/cli/status-view';
import { startNode, testGenesis, testKey } from '../support/harness';

// This file's addresses: 127.14.3.1 – 127.14.3.9.
test('the soak parses every figure it judges out of the status view of a running node', async () => {
  const keys = testKey(61);
  const node = await startNode({ ip: '127.14.3.1', keys, genesis: testGenesis([keys]) });
  try {
    const s = node.status();
    assert.ok(s.process.fds > 0 && s.process.handles > 0 && s.process.timers > 0, JSON.stringify(s.process));
    const text = renderStatus([{ name: 'node1', listen: '127.14.3.1:1', pid: 42, status: s, exited: undefined }], Date.now(), 'header');
    const [sample] = parseView(text, 1234);
    assert.ok(sample, text);
    assert.equal(sample.node, 'node1');
    assert.equal(sample.at, 1234);
    assert.equal(sample.height, s.height);
    assert.equal(sample.fds, s.process.fds);
    assert.equal(sample.timers, s.process.timers);
    assert.equal(sample.handles, s.process.handles);
    assert.equal(sample.loopP99Ms, s.process.loopDelayP99Ms);
    assert.ok(Math.abs(sample.rssMb - s.rssBytes / 1048576) < 0.1);
    assert.ok(Math.abs(sample.heapMb - s.memory.heapUsedBytes / 1048576) < 0.1);
    assert.ok(Math.abs(sample.heapTotalMb - s.process.heapTotalBytes / 1048576) < 0.1);
    assert.ok(Math.abs(sample.externalMb - s.process.externalBytes / 1048576) < 0.1);
  } finally {
    await node.stop();
  }
});

test('the trend is the least-squares slope: flat is 0, a steady climb is found through noise', () => {
  const xs = Array.from({ length: 50 }, (_, i) => i);
  assert.equal(slope(xs, xs.map(() => 7)), 0);
  const noisy = xs.map((x, i) => 2 * x + (i % 2 === 0 ? 3 : -3));
  assert.ok(Math.abs(slope(xs, noisy) - 2) < 0.05);
});
