// `start --max-peers N --max-inbound N`: defaults as DEFAULT_LIMITS, each bad
// value refused in one line naming the flag (by the function and by the real
// command), and the budget split dividing send queues by the cap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { peerCaps, MAX_PEERS_LIMIT } from '../../src/cli/peer-caps';
import { CliError } from '../../src/cli/args';
import { DEFAULT_LIMITS } from '../../src/base/config';
import { splitBudget } from '../../src/base/budget';
import { TIMENODE_BIN } from '../support/processes';

test('peer caps default to DEFAULT_LIMITS; --max-inbound follows a smaller --max-peers', () => {
  assert.deepEqual(peerCaps(undefined, undefined, DEFAULT_LIMITS), { maxPeers: DEFAULT_LIMITS.maxPeers, maxInbound: DEFAULT_LIMITS.maxInbound });
  assert.deepEqual(peerCaps('128', '120', DEFAULT_LIMITS), { maxPeers: 128, maxInbound: 120 });
  assert.deepEqual(peerCaps('128', undefined, DEFAULT_LIMITS), { maxPeers: 128, maxInbound: DEFAULT_LIMITS.maxInbound });
  assert.deepEqual(peerCaps('8', undefined, DEFAULT_LIMITS), { maxPeers: 8, maxInbound: 8 });
});

test('bad peer caps are CliErrors naming the flag', () => {
  const cases: [string | undefined, string | undefined, RegExp][] = [
    ['0', undefined, /^--max-peers must be a positive integer, got "0"$/],
    ['x', undefined, /^--max-peers must be a positive integer, got "x"$/],
    [String(MAX_PEERS_LIMIT + 1), undefined, /^--max-peers must be at most 1024, got 1025$/],
    [undefined, '-3', /^--max-inbound must be a positive integer, got "-3"$/],
    ['16', '17', /^--max-inbound must be at most --max-peers \(16\), got 17$/],
  ];
  for (const [peers, inbound, message] of cases) {
    assert.throws(() => peerCaps(peers, inbound, DEFAULT_LIMITS), (err: unknown) => err instanceof CliError && message.test(err.message), `${peers} ${inbound}`);
  }
});

test('the budget split gives each of --max-peers peers its share of the send-queue budget', () => {
  const at32 = splitBudget(96, 32);
  const at128 = splitBudget(96, 128);
  assert.equal(at128.sendQueueBytesPerPeer, Math.floor(at32.sendQueueBytesPerPeer / 4));
  assert.ok(at128.sendQueueBytesPerPeer * 128 <= at128.totalBytes * 0.3);
});

test('timenode start refuses a bad --max-peers / --max-inbound in one line, before touching the data folder', () => {
  for (const [flags, message] of [
    [['--max-peers', '0'], 'timenode start: --max-peers must be a positive integer, got "0"'],
    [['--max-peers', '4', '--max-inbound', '5'], 'timenode start: --max-inbound must be at most --max-peers (4), got 5'],
  ] as [string[], string][]) {
    const run = spawnSync(process.execPath, [TIMENODE_BIN, 'start', '--data', '/nonexistent/timenode-caps', '--genesis', '/nonexistent/g.json', '--listen', '127.10.0.1:1', ...flags], { encoding: 'utf8' });
    assert.equal(run.status, 2, run.stderr);
    assert.equal(run.stderr, `${message}\n`);
  }
  const help = spawnSync(process.execPath, [TIMENODE_BIN, 'start', '--help'], { encoding: 'utf8' });
  assert.match(help.stdout, /--max-peers N\] \[--max-inbound N\]/);
});
