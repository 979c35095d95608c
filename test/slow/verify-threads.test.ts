// Signature verification on worker threads, end to end through a real
// `timenode start` (addresses 127.11.1.x): txs from peer A reach peer B in
// the order A sent them, with the pool doing the verifying; one bad signature
// among 64 txs is refused (and only that tx); the same holds with
// --verify-threads 0 and with the no-addon fallback in the workers; and the
// node's worker threads go away with it when it stops.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Genesis } from '../../src/chain/genesis';
import { txId } from '../../src/chain/layouts';
import { signTx } from '../../src/chain/signing';
import type { Tx } from '../../src/chain/types';
import { generateKeyPair } from '../../src/crypto';
import type { NodeStatus } from '../../src/node/status';
import { removeDir, tempDir, testKey } from '../support/harness';
import { NodeProcess, portFreeOn, waitUntil, withNodes, writeGenesis } from '../support/processes';
import { RawPeer } from '../support/raw-peer';

const NODE_IP = '127.11.1.1';
const A_IP = '127.11.1.2';
const B_IP = '127.11.1.3';

interface Run {
  node: NodeProcess;
  a: RawPeer;
  b: RawPeer;
  genesis: Genesis;
}

/** A node (not a masternode, so it relays txs and casts no votes) with peers A and B handshaken. */
async function withRelay(extraArgs: string[], backends: 'native' | 'fallback' | undefined, body: (run: Run) => Promise<void>): Promise<void> {
  const dir = tempDir('timenode-slow-verify-');
  try {
    await withNodes(async (group) => {
      const { file, genesis } = writeGenesis(dir, [generateKeyPair(), generateKeyPair(), generateKeyPair()], { interval: 1000, time: Date.now() });
      const port = await portFreeOn([NODE_IP]);
      const node = group.spawn({ name: 'relay', ip: NODE_IP, port, dataDir: join(dir, 'node'), genesisFile: file, extraArgs, ...(backends && { backends }) });
      await waitUntil('the node listens', () => node.lines(/listening on/).length > 0 || undefined, { timeoutMs: 10_000, describe: () => node.log });
      const a = await RawPeer.connect({ host: NODE_IP, port, localAddress: A_IP });
      const b = await RawPeer.connect({ host: NODE_IP, port, localAddress: B_IP });
      try {
        await a.handshake({ keys: testKey(0xa1), genesis });
        await b.handshake({ keys: testKey(0xb1), genesis });
        await body({ node, a, b, genesis });
      } finally {
        a.destroy();
        b.destroy();
      }
    });
  } finally {
    removeDir(dir);
  }
}

function txs(n: number): Tx[] {
  const wallet = generateKeyPair();
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => {
    const txid = Buffer.alloc(32);
    txid.writeUInt32BE(i + 1);
    return signTx(wallet, { inputs: [{ txid, index: 0 }], outputs: [{ to: wallet.publicKey, amount: BigInt(i + 1) }], time: now });
  });
}

/** The txids B has received, in arrival order. */
function receivedIds(b: RawPeer): string[] {
  return b.received('tx').map((m) => txId(m.tx).toString('hex'));
}

async function bRecvs(run: Run, n: number): Promise<string[]> {
  return waitUntil(`B received ${n} txs`, () => (receivedIds(run.b).length >= n ? receivedIds(run.b) : undefined), {
    timeoutMs: 20_000,
    describe: () => `B has ${receivedIds(run.b).length}; node log:\n${run.node.lines(/WARN|ERROR/).slice(-5).join('\n')}`,
  });
}

/** One bad signature in the middle of 64 txs: the 63 others reach B in order, the node logs exactly that tx as invalid. */
async function badOneOf64(run: Run): Promise<NodeStatus> {
  const batch = txs(64);
  const bad = 29;
  const forged = Buffer.from(batch[bad]!.sig);
  forged[10]! ^= 0x40;
  batch[bad] = { ...batch[bad]!, sig: forged };
  for (const tx of batch) run.a.sendMessage({ type: 'tx', tx });
  const expected = batch.filter((_, i) => i !== bad).map((tx) => txId(tx).toString('hex'));
  assert.deepEqual(await bRecvs(run, 63), expected, 'B got the 63 good txs, in the order A sent them');
  // A ping after the batch: its pong proves the node handled everything before it, so no late 64th tx can still come.
  await run.a.pingPong();
  await run.b.pingPong();
  assert.equal(receivedIds(run.b).length, 63);
  const refused = run.node.lines(/invalid from .*bad signature/);
  assert.equal(refused.length, 1, run.node.log);
  assert.ok(refused[0]!.includes(txId(batch[bad]!).toString('hex')), refused[0]);
  return run.node.status();
}

test('workers on: one bad signature among 64 txs is refused, the other 63 relayed to B in order', async () => {
  await withRelay(['--verify-threads', '2'], undefined, async (run) => {
    assert.equal(run.node.lines(/signatures verified on 2 worker threads/).length, 1, run.node.log);
    const status = await badOneOf64(run);
    assert.equal(status.verify.threads, 2);
    assert.ok(status.verify.workerChunks + status.verify.inlineChunks > 0, `the pool verified the batch: ${JSON.stringify(status.verify)}`);
    assert.equal(status.verify.crashes, 0);
  });
});

test('workers on: 1500 txs from A reach B in the order A sent them', async () => {
  await withRelay(['--verify-threads', '1'], undefined, async (run) => {
    const batch = txs(1500);
    for (const tx of batch) run.a.sendMessage({ type: 'tx', tx });
    assert.deepEqual(await bRecvs(run, batch.length), batch.map((tx) => txId(tx).toString('hex')));
    const status = await run.node.status();
    assert.ok(status.verify.workerChunks > 0, `workers verified chunks: ${JSON.stringify(status.verify)}`);
  });
});

test('--verify-threads 0: verified on the main thread, same outcome', async () => {
  await withRelay(['--verify-threads', '0'], undefined, async (run) => {
    assert.equal(run.node.lines(/signatures verified on the main thread \(--verify-threads 0\)/).length, 1, run.node.log);
    const status = await badOneOf64(run);
    assert.deepEqual([status.verify.threads, status.verify.workerChunks, status.verify.inlineChunks], [0, 0, 0], JSON.stringify(status.verify));
  });
});

test('the no-addon fallback (TIMENODE_NATIVE=0) in the workers: same outcome', async () => {
  await withRelay(['--verify-threads', '2'], 'fallback', async (run) => {
    assert.equal(run.node.lines(/signatures verified on 2 worker threads \(node:crypto,/).length, 1, run.node.log);
    const status = await badOneOf64(run);
    assert.equal(status.verify.threads, 2, 'the 64-tx batch started the workers');
    assert.ok(status.verify.workerChunks + status.verify.inlineChunks > 0, JSON.stringify(status.verify));
  });
});

test('the worker threads stop with the node: it exits on SIGTERM with none left running', async () => {
  // Three workers (18 MB each) need more than the default 96 MB allows: at most half the budget.
  await withRelay(['--verify-threads', '3', '--max-memory', '128'], undefined, async (run) => {
    const threads = (): number => Number(/Threads:\s+(\d+)/.exec(readFileSync(`/proc/${run.node.pid}/status`, 'utf8'))?.[1]);
    const idle = threads();
    const batch = txs(200);
    for (const tx of batch) run.a.sendMessage({ type: 'tx', tx });
    await bRecvs(run, batch.length);
    const withWorkers = threads();
    assert.equal(withWorkers, idle + 3, 'idle, the node ran no worker; the first batch started three');
    const exit = await run.node.stop(5000);
    assert.deepEqual(exit, { code: 0, signal: null }, `the node exited by itself (a thread left running would hold it) — it had ${withWorkers} threads`);
    assert.ok(run.node.lines(/signatures verified on 3 worker threads/).length === 1);
  });
});
