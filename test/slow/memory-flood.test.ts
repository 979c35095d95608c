// Flood (issue: "a peer sends valid-looking frames as fast as the socket
// allows for 20 s; the node's RSS stays under its budget plus the Node
// runtime's own baseline, and a second, well-behaved peer keeps getting
// pongs within the devnet deadline throughout").
//
// The node is a `timenode start --profile devnet --max-memory 96` child; its
// RSS is read from /proc every 100 ms and from its IPC status. Two floods run
// at once for exactly 20 s from this process:
//  - schema-valid pings (the general rate limit charges the flooder each
//    second it is over; at a score of 100 it is banned: its address is then
//    refused and the flood moves to the next address);
//  - 4 MiB frames of a type the node does not know: never rate-limited and
//    never scored (PROTOCOL.md §1), so one address floods all 20 s, and the
//    largest frames allowed are the hardest on the frame reader and the GC.
// A third peer pings every 200 ms and measures each pong.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, removeDir, testKey } from '../support/harness';
import type { MessageOf } from '../../src/wire/messages';
import { RawPeer } from '../support/raw-peer';
import { sleep } from '../support/processes';
import { BudgetNode, MB, mb, median, NetFiles, prepareNet, procMemory, RssSampler, runtimeBaselineRss } from './fixtures/memory-node';
import { pingChunk, pump, unknownTypeFrame } from './fixtures/flood';

// This file's addresses: the node on 127.0.8.1, flooders 127.0.8.10–19 and 127.0.8.40, the well-behaved peer 127.0.8.20.
const NODE_IP = '127.0.8.1';
const GOOD_IP = '127.0.8.20';
const PING_FLOOD_IPS = Array.from({ length: 10 }, (_, i) => `127.0.8.${10 + i}`);
const BIG_FLOOD_IP = '127.0.8.40';
const FLOOD_MS = 20_000;
/** The node's default budget, what a 512 MB board runs with. TIMENODE_FLOOD_MAX_MEMORY=MB tries another. */
const MAX_MEMORY_MB = Number(process.env.TIMENODE_FLOOD_MAX_MEMORY ?? 96);
const PONG_DEADLINE_MS = 2000;
const BIG_FRAME = 4 * 1024 * 1024 - 64;

const dirs: string[] = [];
const nodes: BudgetNode[] = [];
after(async () => {
  for (const n of nodes) await n.stop();
  for (const d of dirs) removeDir(d);
});

interface FloodLog {
  events: string[];
  bytes: number;
  connections: number;
  refusedBanned: string[];
}

async function startNode(net: NetFiles, port: number): Promise<BudgetNode> {
  const node = new BudgetNode({ name: 'flooded', ip: NODE_IP, port, dataDir: net.nodeDir, genesisFile: net.genesisFile, maxMemoryMb: MAX_MEMORY_MB });
  nodes.push(node);
  await node.ready();
  return node;
}

/**
 * Floods from `ips` in turn: handshake, pump until the node closes us, then
 * again from the same address; an address the node refuses is left for the next.
 */
async function flood(name: string, ips: string[], port: number, net: NetFiles, chunk: Buffer, until: number, t0: number): Promise<FloodLog> {
  const log: FloodLog = { events: [], bytes: 0, connections: 0, refusedBanned: [] };
  const at = (): string => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
  let i = 0;
  while (Date.now() < until && i < ips.length) {
    const ip = ips[i] as string;
    let peer: RawPeer;
    try {
      peer = await RawPeer.connect({ host: NODE_IP, port, localAddress: ip });
    } catch (err) {
      log.events.push(`${at()} ${name} ${ip}: connect failed: ${(err as Error).message}`);
      i++;
      continue;
    }
    const outcome = await peer.tryHandshake({ keys: testKey(0x44), genesis: net.genesis, timeoutMs: 5000 }).catch((err: Error) => err);
    if (outcome instanceof Error || !outcome.ok) {
      const why = outcome instanceof Error ? outcome.message : `reject ${outcome.reject.code}: ${outcome.reject.reason}`;
      log.events.push(`${at()} ${name} ${ip}: refused: ${why}`);
      if (!(outcome instanceof Error) && outcome.reject.code === 'banned') log.refusedBanned.push(ip);
      peer.destroy();
      i++;
      continue;
    }
    log.connections++;
    const started = Date.now();
    const result = await pump(peer.socket, chunk, until);
    log.bytes += result.bytes;
    const reject = peer.messages.find((m): m is MessageOf<'reject'> => m.type === 'reject' && !('unknown' in m));
    const end = result.closed ? (reject ? `closed by the node: ${reject.code}: ${reject.reason}` : 'closed') : 'still open at the end';
    log.events.push(`${at()} ${name} ${ip}: flooded ${((Date.now() - started) / 1000).toFixed(1)} s, ${mb(result.bytes)}; ${end}`);
    peer.destroy();
    if (Date.now() < until) await sleep(50);
  }
  return log;
}

test('flood: 20 s of schema-valid pings and of 4 MiB unknown-type frames; RSS stays under budget + runtime baseline, and a well-behaved peer gets every pong within 2 s', async (t) => {
  const baseline = await runtimeBaselineRss();
  const net = prepareNet(testKey(0x41), [testKey(0x42)]);
  dirs.push(net.dir);
  const port = freePort();
  const node = await startNode(net, port);
  assert.match(node.lines(/memory budget/).join('\n'), new RegExp(`memory budget ${MAX_MEMORY_MB.toFixed(1)} MB: send queues`), 'the split is printed at start');

  const good = await RawPeer.connect({ host: NODE_IP, port, localAddress: GOOD_IP });
  await good.handshake({ keys: testKey(0x43), genesis: net.genesis });
  const idleSamples: number[] = [];
  for (let i = 0; i < 5; i++) {
    idleSamples.push((await node.status()).rssBytes);
    await sleep(200);
  }
  const idle = median(idleSamples);
  const limit = MAX_MEMORY_MB * MB + baseline;

  const sampler = new RssSampler(node, 100);
  sampler.start();
  const t0 = Date.now();
  const until = t0 + FLOOD_MS;

  // The well-behaved peer: a ping every 200 ms, each pong timed.
  const delays: number[] = [];
  let lost = 0;
  const prober = (async () => {
    while (Date.now() < until) {
      const sent = Date.now();
      try {
        await good.pingPong(PONG_DEADLINE_MS * 3);
        delays.push(Date.now() - sent);
      } catch {
        lost++;
        delays.push(Date.now() - sent);
        if (!good.isOpen) return;
      }
      // Keep what the peer records small: it receives the node's pings and pongs for 20 s.
      good.messages.length = 0;
      good.payloads.length = 0;
      await sleep(200);
    }
  })();
  // Rate-limit drops are counted per connection: sample them while the flooder is connected.
  let rateLimitedMax = 0;
  let unknownMax = 0;
  const statusPoll = (async () => {
    while (Date.now() < until) {
      const s = await node.status().catch(() => undefined);
      if (s) {
        rateLimitedMax = Math.max(rateLimitedMax, s.dropped.rateLimited);
        unknownMax = Math.max(unknownMax, s.unknown['x-flood'] ?? 0);
      }
      await sleep(500);
    }
  })();

  const pings = pingChunk(256 * 1024);
  const [pingLog, bigLog] = await Promise.all([
    flood('ping flood', PING_FLOOD_IPS, port, net, pings.chunk, until, t0),
    flood('unknown-type flood', [BIG_FLOOD_IP], port, net, unknownTypeFrame('x-flood', BIG_FRAME), until, t0),
    prober,
    statusPoll,
  ]);
  const floodMs = Date.now() - t0;
  sampler.stop();
  const end = await node.status();
  // The kernel's high-water mark catches a peak between two samples (it spans the node's life; start-up is far lower).
  const hwm = procMemory(node.pid)?.hwm;
  const peak = Math.max(sampler.peak(t0), end.rssBytes, hwm ?? 0);

  const sorted = [...delays].sort((a, b) => a - b);
  const p99 = sorted[Math.floor(sorted.length * 0.99)] ?? 0;
  const maxDelay = sorted[sorted.length - 1] ?? Infinity;
  const summary = [
    `budget ${MAX_MEMORY_MB} MB; runtime baseline ${mb(baseline)} (bare node -e); node idle ${mb(idle)}; limit budget + baseline ${mb(limit)}`,
    `peak RSS under flood ${mb(peak)} (sampled ${mb(sampler.peak(t0))}, kernel high-water mark ${hwm === undefined ? 'n/a' : mb(hwm)}); margin ${mb(limit - peak)}; end RSS ${mb(end.rssBytes)}, heap ${mb(end.memory.heapUsedBytes)}`,
    `flood ${(floodMs / 1000).toFixed(1)} s: pings ${mb(pingLog.bytes)} over ${pingLog.connections} connections (${pings.frames} frames per 256 KiB), unknown-type ${mb(bigLog.bytes)} (${unknownMax} x 4 MiB frames counted by the node)`,
    `well-behaved peer: ${delays.length} pings, ${lost} without a pong in ${PONG_DEADLINE_MS * 3} ms, pong delay median ${median(delays)} ms, p99 ${p99} ms, max ${maxDelay} ms`,
    `rate-limited drops seen ${rateLimitedMax}; bans in force ${end.banned}; relays dropped ${end.dropped.relay}`,
    ...pingLog.events,
    ...bigLog.events,
  ];
  for (const line of summary) t.diagnostic(line);

  assert.ok(node.running, `the node exited during the flood: ${JSON.stringify(node.exit)}`);
  assert.ok(good.isOpen, 'the well-behaved peer was disconnected');
  assert.ok(end.peers.some((p) => p.ip === GOOD_IP && p.state === 'established'), `the node no longer lists ${GOOD_IP}: ${JSON.stringify(end.peers.map((p) => p.ip))}`);
  assert.ok(delays.length >= 40, `only ${delays.length} probes in 20 s`);
  assert.ok(maxDelay <= PONG_DEADLINE_MS, `a pong took ${maxDelay} ms (${lost} never came), past the devnet pong deadline of ${PONG_DEADLINE_MS} ms\n${summary.join('\n')}`);
  assert.ok(peak < limit, `peak RSS ${mb(peak)} is over budget ${MAX_MEMORY_MB} MB + runtime baseline ${mb(baseline)} = ${mb(limit)}\n${summary.join('\n')}`);
  assert.ok(pingLog.refusedBanned.length > 0, `the ping flooder should be banned by the rate limit (10 points a second, banned at 100) and then refused "banned"\n${pingLog.events.join('\n')}`);
  assert.ok(bigLog.bytes > 100 * MB, `the unknown-type flood moved only ${mb(bigLog.bytes)}`);
});

// The same promise against frames whose cost is in their item count, not their size: a 1 MiB map of an
// unknown type (no score, no rate limit) holding a million empty maps, each item true to what it claims.
test('flood of wide items: 1 MiB unknown-type frames holding a million empty maps each keep RSS under budget + baseline and pongs within 2 s', async (t) => {
  const baseline = await runtimeBaselineRss();
  const net = prepareNet(testKey(0x45), [testKey(0x42)]);
  dirs.push(net.dir);
  const port = freePort();
  const node = new BudgetNode({ name: 'wide', ip: '127.0.8.2', port, dataDir: net.nodeDir, genesisFile: net.genesisFile, maxMemoryMb: MAX_MEMORY_MB });
  nodes.push(node);
  await node.ready();
  const limit = MAX_MEMORY_MB * MB + baseline;
  const good = await RawPeer.connect({ host: '127.0.8.2', port, localAddress: '127.0.8.21' });
  await good.handshake({ keys: testKey(0x43), genesis: net.genesis });
  const wide = await RawPeer.connect({ host: '127.0.8.2', port, localAddress: '127.0.8.41' });
  await wide.handshake({ keys: testKey(0x44), genesis: net.genesis });

  const COUNT = 1024 * 1024;
  const head = Buffer.from([0xa2, 0x64, ...Buffer.from('type'), 0x66, ...Buffer.from('x-wide'), 0x61, 0x61, 0x9a, 0, 0, 0, 0]);
  head.writeUInt32BE(COUNT, head.length - 4);
  const payload = Buffer.concat([head, Buffer.alloc(COUNT, 0xa0)]);
  const frame = Buffer.concat([Buffer.from([0, 0, 0, 0]), payload]);
  frame.writeUInt32BE(payload.length, 0);

  const sampler = new RssSampler(node, 50);
  sampler.start();
  const t0 = Date.now();
  const delays: number[] = [];
  let sent = 0;
  // Two frames at most: each costs the node a few hundred MB, and this must not take the machine down.
  for (let i = 0; i < 2 && node.running && wide.isOpen; i++) {
    wide.sendRaw(frame);
    sent++;
    for (let k = 0; k < 5; k++) {
      const s = Date.now();
      await good.pingPong(PONG_DEADLINE_MS * 5).catch(() => undefined);
      delays.push(Date.now() - s);
      await sleep(100);
    }
  }
  sampler.stop();
  const peak = Math.max(sampler.peak(t0), procMemory(node.pid)?.hwm ?? 0);
  const maxDelay = Math.max(...delays);
  const status = await node.status().catch(() => undefined);
  t.diagnostic(`budget ${MAX_MEMORY_MB} MB; runtime baseline ${mb(baseline)}; limit ${mb(limit)}`);
  t.diagnostic(`${sent} frames of ${(payload.length / MB).toFixed(2)} MiB (${COUNT} empty maps each): peak RSS ${mb(peak)}, margin ${mb(limit - peak)}; slowest pong ${maxDelay} ms; node counted ${status?.unknown['x-wide'] ?? '?'} x-wide frames`);
  assert.ok(node.running, `the node exited: ${JSON.stringify(node.exit)}`);
  assert.ok(peak < limit, `peak RSS ${mb(peak)} after ${sent} frames of ${(payload.length / MB).toFixed(2)} MiB is over budget + baseline ${mb(limit)}: the CBOR decoder builds every item of a well-formed payload (≈190 bytes of heap per one-byte empty map) before the unknown-type rule or a schema looks at it`);
  assert.ok(maxDelay <= PONG_DEADLINE_MS, `a pong to the well-behaved peer took ${maxDelay} ms (deadline ${PONG_DEADLINE_MS} ms) while the node decoded the wide frames`);
});
