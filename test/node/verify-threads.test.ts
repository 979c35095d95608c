// How many verify worker threads a node runs and what they cost: the count
// from cores and --max-memory (0 on a one-core board), each worker's RSS
// taken off the budget before the shares, --verify-threads validated with a
// one-line error naming the flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { COST, DEFAULT_MAX_MEMORY_MB, MAX_VERIFY_WORKER_FRACTION, splitBudget, verifyThreadsFor } from '../../src/base/budget';
import { MAX_VERIFY_THREADS } from '../../src/base/config';
import { TIMENODE_BIN } from '../support/processes';

test('the automatic count: none on one core, one per extra core, within a quarter of the budget', () => {
  assert.equal(verifyThreadsFor(1, DEFAULT_MAX_MEMORY_MB), 0);
  assert.equal(verifyThreadsFor(2, DEFAULT_MAX_MEMORY_MB), 1);
  assert.equal(verifyThreadsFor(2, 64), 0, '64 MB: a quarter (16 MB) holds no 18 MB worker');
  assert.equal(verifyThreadsFor(3, DEFAULT_MAX_MEMORY_MB), 1);
  assert.equal(verifyThreadsFor(4, DEFAULT_MAX_MEMORY_MB), 1, '96 MB: a quarter holds one 18 MB worker');
  assert.equal(verifyThreadsFor(4, 400), 3);
  assert.equal(verifyThreadsFor(8, 32), 0, 'a 32 MB budget has no room for a worker');
});

test('each verify worker counts inside --max-memory: the shares divide what is left', () => {
  const none = splitBudget(DEFAULT_MAX_MEMORY_MB, 32, 0);
  const two = splitBudget(DEFAULT_MAX_MEMORY_MB, 32, 2);
  assert.equal(two.verifyWorkerBytes, 2 * COST.verifyWorker);
  assert.equal(two.totalBytes, none.totalBytes);
  const rest = (two.totalBytes - two.verifyWorkerBytes) / two.totalBytes;
  for (const key of ['inboundBufferBytes', 'sendQueueBytesPerPeer', 'seenEntries'] as const) {
    assert.ok(Math.abs(two[key] - none[key] * rest) <= 1 + none[key] * 0.001, `${key}: ${two[key]} is ${none[key]} scaled by ${rest.toFixed(3)}`);
  }
  const sum = two.sendQueueBytesPerPeer * 32 + two.inboundBufferBytes + two.blocksAnswerBytes + two.verifyWorkerBytes;
  assert.ok(sum <= two.totalBytes);
});

test('more verify threads than half the budget holds is refused, naming the flag and the most that fit', () => {
  const fit = Math.floor((32 * 1048576 * MAX_VERIFY_WORKER_FRACTION) / COST.verifyWorker);
  assert.doesNotThrow(() => splitBudget(32, 32, fit));
  assert.throws(() => splitBudget(32, 32, fit + 1), (err: Error) => err instanceof RangeError && err.message.includes(`--verify-threads ${fit + 1}`) && err.message.includes(`use at most ${fit} threads`));
});

test('start --help lists --verify-threads; a bad value is one line naming the flag, exit 2', () => {
  const help = spawnSync(process.execPath, [TIMENODE_BIN, 'start', '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--verify-threads N/);
  for (const bad of ['-1', 'two', '1.5', String(MAX_VERIFY_THREADS + 1), '']) {
    const run = spawnSync(process.execPath, [TIMENODE_BIN, 'start', '--data', '/nonexistent', '--genesis', '/nonexistent', '--listen', '127.11.0.1:1', `--verify-threads=${bad}`], { encoding: 'utf8' });
    assert.equal(run.status, 2, `${bad}: ${run.stderr}`);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0]!, new RegExp(`--verify-threads must be a whole number from 0 to ${MAX_VERIFY_THREADS}, got "${bad.replace('.', '\\.')}"`));
  }
});
