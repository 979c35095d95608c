// `timenode status --data DIR [--json]` against a real node with two peers,
// over its control socket (DIR/control.sock, mode 0600): every field an
// operator reads is there, and the numbers move between two asks; the relay's
// "alive" line is logged at the profile's summary interval.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateKeyPair } from '../../src/crypto';
import type { NodeStatus } from '../../src/node/status';
import { removeDir, tempDir } from '../support/harness';
import { portFreeOn, TIMENODE_BIN, waitUntil, withNodes, writeGenesis, writeKeyFile } from '../support/processes';

const IP_A = '127.15.1.1';
const IP_B = '127.15.1.2';
const IP_C = '127.15.1.3';

function statusJson(dataDir: string): NodeStatus {
  const r = spawnSync(process.execPath, [TIMENODE_BIN, 'status', '--data', dataDir, '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as NodeStatus;
}

test('status --json of a node with two peers: every field present, and changing', async () => {
  const dir = tempDir('timenode-status-');
  try {
    const keys = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
    ['a', 'b', 'c'].forEach((n, i) => writeKeyFile(join(dir, n), keys[i]!));
    // A is the only masternode: it makes a block each interval, so height moves.
    const { file, genesis } = writeGenesis(dir, [keys[0]!], { interval: 500, time: Date.now() });
    const port = await portFreeOn([IP_A, IP_B, IP_C]);
    await withNodes(async (group) => {
      const a = group.spawn({ name: 'A', ip: IP_A, port, dataDir: join(dir, 'a'), genesisFile: file });
      group.spawn({ name: 'B', ip: IP_B, port, dataDir: join(dir, 'b'), genesisFile: file, peers: [`${IP_A}:${port}`] });
      group.spawn({ name: 'C', ip: IP_C, port, dataDir: join(dir, 'c'), genesisFile: file, peers: [`${IP_A}:${port}`] });
      await waitUntil('A with two established peers', async () => {
        const s = await a.status();
        return s.peers.filter((p) => p.state === 'established' && p.rttMs !== undefined).length === 2;
      });
      const mode = statSync(join(dir, 'a', 'control.sock')).mode;
      assert.ok((mode & 0o170000) === 0o140000, 'control.sock is a unix socket');
      assert.equal(mode & 0o777, 0o600, 'control.sock is mode 0600');

      const first = statusJson(join(dir, 'a'));
      assert.equal(first.node, keys[0]!.publicKey.toString('hex'));
      assert.equal(first.network, genesis.network);
      assert.equal(first.genesis, genesis.hash.toString('hex'));
      assert.equal(first.listen, port);
      assert.equal(first.masternode, true);
      assert.match(first.tip, /^[0-9a-f]{64}$/);
      assert.equal(typeof first.syncTarget, 'number');
      assert.ok(first.budgetBytes > 0 && first.rssBytes > 0, 'memory against the budget');
      assert.ok(first.backends.length >= 5 && first.backends.every((b) => b.impl !== '' && (b.kind === 'native' || b.kind === 'fallback')));
      assert.equal(typeof first.dropped.relay, 'number');
      assert.ok((first.messagesIn.ping ?? 0) > 0 && (first.messagesOut.pong ?? 0) > 0, 'message counts by type');
      const byKey = new Map(first.peers.map((p) => [p.key, p]));
      for (const [i, ip] of [[1, IP_B], [2, IP_C]] as const) {
        const p = byKey.get(keys[i].publicKey.toString('hex'));
        assert.ok(p, `peer ${ip} listed by its node key`);
        assert.equal(p.ip, ip);
        assert.equal(p.direction, 'inbound');
        assert.equal(p.transport, 'tcp');
        assert.equal(p.encrypted, true, 'links are encrypted by default (PROTOCOL.md §8)');
        assert.equal(p.state, 'established');
        assert.equal(typeof p.rttMs, 'number');
        assert.equal(typeof p.height, 'number');
        assert.equal(p.score, 0);
        assert.ok(p.queueCapacityBytes > 0 && p.queuedBytes >= 0 && p.queuedBytes <= p.queueCapacityBytes);
      }

      const second = await waitUntil('the next status to show more blocks and pings', () => {
        const s = statusJson(join(dir, 'a'));
        return s.height > first.height && (s.messagesIn.ping ?? 0) > (first.messagesIn.ping ?? 0) ? s : undefined;
      });
      assert.ok(second.uptimeMs > first.uptimeMs);
      assert.notEqual(second.tip, first.tip);

      const text = spawnSync(process.execPath, [TIMENODE_BIN, 'status', '--data', join(dir, 'a')], { encoding: 'utf8' });
      assert.equal(text.status, 0, text.stderr);
      assert.match(text.stdout, new RegExp(`^node +${first.node}`, 'm'));
      assert.match(text.stdout, new RegExp(`network +${genesis.network} +genesis ${first.genesis}`));
      for (const k of [keys[1]!, keys[2]!]) assert.ok(text.stdout.includes(k.publicKey.toString('hex').slice(0, 12)), 'each peer by key');
      assert.match(text.stdout, /inbound  tcp encrypted established rtt +\d+ ms/);

      // The relay's one-line summary at the profile's interval (devnet: 5 s; default: a minute).
      await waitUntil('an "alive" line in A\'s log', () => a.lines(/alive: height \d+, peers 2 \(\d out, \d in\), tx\/s \d+\.\d in, \d+\.\d finalized, rss \d+ MB of 96 MB budget$/).length > 0);
    });
    // Stopped: the socket is gone and status says so in one line.
    const gone = spawnSync(process.execPath, [TIMENODE_BIN, 'status', '--data', join(dir, 'a')], { encoding: 'utf8' });
    assert.equal(gone.status, 1);
    assert.match(gone.stderr, /^timenode status: no node is running on .*control\.sock: ENOENT\)\n$/);
  } finally {
    removeDir(dir);
  }
});
