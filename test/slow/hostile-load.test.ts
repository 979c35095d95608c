// The memory issue's table, re-run by every CI: `timenode start --profile
// devnet --max-memory M`, started exactly as the README says (no environment,
// no test-only flags), under each hostile load for 20 s and under all of them
// at once. Each run asserts the budget (peak RSS ≤ idle RSS + M), that a
// well-behaved peer's pongs stay prompt (p99 ≤ 100 ms), that every distinct
// valid tx the flooders got into the node reaches the well-behaved peer
// (§5: slowed, never dropped), and that nobody was scored for sending fast.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, removeDir, testKey } from '../support/harness';
import { sleep } from '../support/processes';
import { RawPeer } from '../support/raw-peer';
import { median } from '../../bench/measure';
import { BudgetNode, MB, mb, prepareNet, RssSampler } from './fixtures/memory-node';
import { bigUnknownPayload, floodTxs, p99, slowReaderLoad, Target, throwBombs, txPayloads, WellBehavedProcess } from './fixtures/hostile-loads';
import { pump } from './fixtures/flood';

// This file's addresses: nodes on 127.0.8.1–9 (one per run), peers on 127.0.8.(10·run + k), bombers on 127.0.9.(10·run + i).
const LOAD_MS = 20_000;
/** Under the tx flood (the bound). */
const PONG_P99_MS = 100;
/**
 * When large frames share the well-behaved peer's TCP stream (5 KB relays, a
 * 4 MiB frame being opened next to it), a pong waits behind what is already
 * on the wire: head-of-line, not the loop. Every ping is still answered.
 */
const PONG_P99_LARGE_MS = 1000;
const FLOOD_TXS_PER_PEER = 30_000;
const LARGE_TXS = 16_000;

type Load = 'tx flood' | 'slow reader' | 'bombs' | 'all at once';

const dirs: string[] = [];
const nodes: BudgetNode[] = [];
const goods: WellBehavedProcess[] = [];
/** Every run's load peers, destroyed at the end even when a run failed half-way. */
const peersOfAllRuns: RawPeer[][] = [];
after(async () => {
  for (const g of goods) g.kill();
  for (const peers of peersOfAllRuns) for (const p of peers) p.destroy();
  for (const n of nodes) await n.stop();
  for (const d of dirs) removeDir(d);
});

// Signing is the slow part of making a load: every run shares the same txs (each run is a fresh node).
const floodA = txPayloads(FLOOD_TXS_PER_PEER, 1);
const floodB = txPayloads(FLOOD_TXS_PER_PEER, 2);
const large = txPayloads(LARGE_TXS, 3, 64);

interface RunResult {
  idle: number;
  peak: number;
  limit: number;
  p99: number;
  pongs: number;
  lostPongs: number;
  expected: number;
  relayed: number;
  bombs: string[];
  log: string;
}

let run = 0;

async function runLoad(load: Load, maxMemoryMb: number): Promise<RunResult> {
  run++;
  const peerIp = (k: number): string => `127.0.8.${10 * run + k}`;
  const ip = `127.0.8.${run}`;
  const net = prepareNet(testKey(0x40 + run), [testKey(0x3f)]);
  dirs.push(net.dir);
  const port = freePort();
  const node = new BudgetNode({ name: `${load} @ ${maxMemoryMb}`, ip, port, dataDir: net.nodeDir, genesisFile: net.genesisFile, maxMemoryMb });
  nodes.push(node);
  await node.ready();
  const target: Target = { host: ip, port, genesis: net.genesis };

  const good = await WellBehavedProcess.start({ host: ip, port, localAddress: peerIp(0), genesisFile: net.genesisFile, everyMs: 20 });
  goods.push(good);
  await sleep(1000);
  const idleReadings: number[] = [];
  for (let i = 0; i < 5; i++) {
    idleReadings.push((await node.status()).rssBytes);
    await sleep(100);
  }
  const idle = median(idleReadings);
  const sampler = new RssSampler(node, 50);
  sampler.start();
  const t0 = Date.now();
  const until = t0 + LOAD_MS;

  const expected = new Set<string>();
  const work: Promise<unknown>[] = [];
  const open: RawPeer[] = [];
  peersOfAllRuns.push(open);
  let bombAnswers: string[] = [];
  if (load === 'tx flood' || load === 'all at once') {
    for (const [k, flood] of [floodA, floodB].entries()) {
      for (const s of flood.ids) expected.add(s);
      work.push(floodTxs(target, peerIp(1 + k), flood.payloads, until).then((r) => open.push(r.peer)));
    }
  }
  if (load === 'slow reader' || load === 'all at once') {
    for (const s of large.ids) expected.add(s);
    work.push(slowReaderLoad(target, peerIp(3), peerIp(4), large.payloads, until).then((r) => open.push(r.reader, r.sender)));
  }
  if (load === 'bombs' || load === 'all at once') {
    work.push(throwBombs(target, (i) => `127.0.9.${10 * run + i}`).then((a) => (bombAnswers = a)));
  }
  if (load === 'all at once') {
    work.push(
      (async () => {
        const peer = await RawPeer.connect({ host: ip, port, localAddress: peerIp(6) });
        await peer.handshake({ keys: testKey(0x56), genesis: net.genesis });
        peer.record = false;
        open.push(peer);
        const bulk = bigUnknownPayload();
        await pump(peer.socket, () => peer.frameOf(bulk), until);
      })(),
    );
  }
  good.begin(expected);
  await Promise.all(work);
  while (Date.now() < until) await sleep(100);
  // What the flooders handed to their sockets the node reads on after the load: wait for it to reach the good peer.
  const completeBy = Date.now() + 60_000;
  while (Date.now() < completeBy && (await good.relayed()) < expected.size) await sleep(200);
  const report = await good.stop();
  sampler.stop();
  const peak = sampler.peak(t0);
  const relayed = report.relayed;
  const end = await node.status();
  console.log(`# at the end: relays dropped ${end.dropped.relay}, reading paced ${end.paced.times}x; ${node.lines(/127\.0\.8\..*(closing|refused|banning)/).slice(0, 8).join(' | ')}`);
  for (const p of open) p.destroy();
  const log = node.log;
  await node.stop();
  const result: RunResult = { idle, peak, limit: idle + maxMemoryMb * MB, p99: p99(report.pongMs), pongs: report.pongMs.length, lostPongs: report.lostPongs, expected: expected.size, relayed, bombs: bombAnswers, log };
  console.log(
    `# ${load} @ --max-memory ${maxMemoryMb}: peak RSS ${mb(peak)} (idle ${mb(idle)}, limit ${mb(result.limit)}), ` +
      `pong p99 ${result.p99.toFixed(1)} ms over ${result.pongs} pongs (${result.lostPongs} lost), relayed ${relayed}/${expected.size}`,
  );
  return result;
}

function assertHeld(r: RunResult, load: Load, pongP99Ms = PONG_P99_MS): void {
  assert.ok(r.peak <= r.limit, `${load}: peak RSS ${mb(r.peak)} over idle ${mb(r.idle)} + budget = ${mb(r.limit)}`);
  assert.equal(r.lostPongs, 0, `${load}: ${r.lostPongs} pings of the well-behaved peer went unanswered`);
  assert.ok(r.pongs > 100, `${load}: only ${r.pongs} pongs measured`);
  assert.ok(r.p99 <= pongP99Ms, `${load}: the well-behaved peer's pong p99 is ${r.p99.toFixed(1)} ms (bound ${pongP99Ms} ms)`);
  assert.equal(r.relayed, r.expected, `${load}: ${r.expected - r.relayed} of ${r.expected} distinct valid txs never reached the well-behaved peer`);
  assert.doesNotMatch(r.log, /banning|rate limit/, `${load}: a peer was scored or limited for sending fast:\n${r.log.split('\n').filter((l) => /banning|rate limit/.test(l)).slice(0, 3).join('\n')}`);
  assert.doesNotMatch(r.log, /WARN.*(MALLOC_|NODE_OPTIONS|semi-space)/, `${load}: the node asked for environment settings`);
}

test('tx flood @ 64 MB: two peers resend 60 000 distinct valid txs as fast as the node reads; all reach the well-behaved peer', async () => {
  const r = await runLoad('tx flood', 64);
  assertHeld(r, 'tx flood');
});

test('slow reader @ 64 MB: a peer stops reading while 16 000 large txs are pushed through the node to it', async () => {
  const r = await runLoad('slow reader', 64);
  assertHeld(r, 'slow reader', PONG_P99_LARGE_MS);
  // Whichever comes first closes it: its send queue filling (`slow`), or its own pings going unanswered,
  // since a peer that stops reading stops answering too (on a loaded machine the queue fills more slowly).
  // test/slow/memory-slow-reader.test.ts holds the `slow` close on its own.
  assert.match(r.log, /closing: (send queue full|no pong to \d+ pings in a row)/, 'the reader that stopped reading is closed, `slow` or `timeout`');
});

test('bombs @ 64 MB: eight decoding bombs are refused `protocol`, each before anything is allocated', async () => {
  const r = await runLoad('bombs', 64);
  assertHeld(r, 'bombs');
  assert.equal(r.bombs.length, 8);
  for (const a of r.bombs) assert.match(a, /: protocol$/, a);
});

for (const maxMemoryMb of [64, 96]) {
  test(`all at once @ ${maxMemoryMb} MB: tx floods, a slow reader, bombs and 4 MiB unknown frames together`, async () => {
    const r = await runLoad('all at once', maxMemoryMb);
    assertHeld(r, 'all at once', PONG_P99_LARGE_MS);
  });
}
