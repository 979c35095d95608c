// Memory and start, of `timenode start` with the default budget
// (--max-memory, DEFAULT_MAX_MEMORY_MB in src/base/budget.ts):
//   start.listen_ratio   fork → listening, against a bare Node process that
//                        only listens (the runtime's own start-up);
//   memory.idle_rss      resident set of an idle node, ÷ the budget; and
//                        against the bare Node process;
//   memory.rss_per_peer  growth per established idle peer, ÷ the budget's
//                        share per peer (budget / maxPeers);
//   memory.flood_rss     peak resident set (VmHWM) under a flood built to
//                        fill every budgeted structure, ÷ the budget.
// The flood, 6 s in all (short of the 10 s of rate-limit charges that would
// ban the tx peers): 4 peers send distinct valid txs at 1.5× their rate limit
// and never read (the tx pool and seen cache fill, and each other's relays
// pile up towards them); from 3 s on, 10 more peers each send most of a 4 MiB
// frame and stall (twice what the budget admits) (the inbound frame budget fills, which also throttles the
// tx peers: that is the budget's backpressure at work).
import { join } from 'node:path';
import { DEFAULT_MAX_MEMORY_MB } from '../../src/base/budget';
import { DEFAULT_LIMITS } from '../../src/base/config';
import type { NodeStatus } from '../../src/node/status';
import type { BenchCase, RowInput } from '../case';
import { sleep } from '../measure';
import { rssOf, startHelper, stopChild } from '../support/children';
import { benchKey, signedTxs, writeBenchGenesis, writeKeyFile } from '../support/fixtures';
import { BenchNode, startNode } from '../support/nodes';
import { TnpPeer } from '../support/tnp-peer';

const MB = 1024 * 1024;
const BUDGET = DEFAULT_MAX_MEMORY_MB * MB;
const START_NODE = { ip: '127.0.10.5', port: 24705 };
const BARE = { ip: '127.0.10.7', port: 24707 };
const FLOOD_NODE = { ip: '127.0.10.6', port: 24706 };
const STARTS = 3;
const SETTLE_MS = 2000;
const PEERS = 20;
const TX_FLOODERS = 4;
const TX_PER_SEC = 1500;
/** 10 × 4 MiB is twice the inbound frame budget of 19.2 MB: a broken cap would show. */
const FRAME_HOLDERS = 10;
const FLOOD_MS = 6000;
const FRAMES_AFTER_MS = 3000;

const mb = (bytes: number): number => bytes / MB;

async function connectPeers(node: BenchNode, genesis: Parameters<TnpPeer['handshake']>[1], subnet: number, count: number, keyBase: number): Promise<TnpPeer[]> {
  const peers: TnpPeer[] = [];
  for (let i = 0; i < count; i++) {
    const peer = await TnpPeer.connect({ host: node.spec.ip, port: node.spec.port, localAddress: `127.0.${subnet}.${i + 1}` });
    peers.push(peer);
    await peer.handshake(benchKey(3, keyBase + i), genesis);
  }
  return peers;
}

async function flood(dir: string): Promise<{ peak: number; idle: number; status: NodeStatus }> {
  const { file, genesis } = writeBenchGenesis(dir);
  const dataDir = join(dir, 'flood-node');
  writeKeyFile(dataDir, benchKey(2, 6));
  const perPeer = Math.ceil((TX_PER_SEC * FLOOD_MS) / 1000);
  const set = signedTxs(perPeer * TX_FLOODERS, 2);
  const node = await startNode({ ...FLOOD_NODE, dataDir, genesisFile: file });
  const peers: TnpPeer[] = [];
  const timers: NodeJS.Timeout[] = [];
  try {
    peers.push(...(await connectPeers(node, genesis, 13, TX_FLOODERS + FRAME_HOLDERS, 100)));
    await sleep(1500);
    const idle = (await node.rss()).rss;
    for (const peer of peers) peer.socket.pause();
    // tx flooders: a slice of their own distinct txs every 100 ms.
    for (let f = 0; f < TX_FLOODERS; f++) {
      const peer = peers[f] as TnpPeer;
      const mine = set.frames.slice(f * perPeer, (f + 1) * perPeer);
      const slice = TX_PER_SEC / 10;
      let at = 0;
      const send = (): void => {
        if (at >= mine.length || peer.socket.destroyed) return;
        // Each frame sealed as it is sent (§8): a sealed frame is good once.
        peer.socket.write(Buffer.concat(mine.slice(at, at + slice).map((frame) => peer.frameOf(frame.subarray(4)))));
        at += slice;
      };
      send();
      timers.push(setInterval(send, 100));
    }
    let sampledPeak = 0;
    for (let t = 0; t < FLOOD_MS; t += 250) {
      if (t === FRAMES_AFTER_MS) {
        // frame holders: most of a maximal frame, then silence.
        const length = DEFAULT_LIMITS.maxFrame - 64;
        for (let h = 0; h < FRAME_HOLDERS; h++) {
          const prefix = Buffer.alloc(4);
          prefix.writeUInt32BE(length);
          (peers[TX_FLOODERS + h] as TnpPeer).socket.write(Buffer.concat([prefix, Buffer.alloc(length - 1, 0xa0)]));
        }
      }
      await sleep(250);
      sampledPeak = Math.max(sampledPeak, (await node.rss()).rss);
    }
    const status = await node.status();
    const r = await node.rss();
    return { peak: Number.isFinite(r.peak) ? r.peak : sampledPeak, idle, status };
  } finally {
    for (const t of timers) clearInterval(t);
    for (const p of peers) p.destroy();
    await node.stop();
  }
}

export const memory: BenchCase = {
  names: ['memory', 'start'],
  async run(ctx) {
    const rows: RowInput[] = [];
    const { file, genesis } = writeBenchGenesis(ctx.dir);
    const wantStart = ctx.wanted('start.listen_ratio');
    const wantIdle = ctx.wanted('memory.idle_rss') || ctx.wanted('memory.idle_rss_over_bare') || ctx.wanted('memory.rss_per_peer');

    if (wantStart || wantIdle) {
      const nodeMs: number[] = [];
      const bareMs: number[] = [];
      let node: BenchNode | undefined;
      let bareRss = NaN;
      try {
        const starts = wantStart ? STARTS : 1;
        for (let i = 0; i < starts; i++) {
          const bare = await startHelper('echo-server', [`${BARE.ip}:${BARE.port}`]);
          bareMs.push(bare.listeningAfterMs);
          if (i === starts - 1) {
            await sleep(SETTLE_MS);
            bareRss = rssOf(bare.child.pid)?.rss ?? NaN;
          }
          await stopChild(bare.child);
          const dataDir = join(ctx.dir, `start-${i}`);
          writeKeyFile(dataDir, benchKey(2, 5));
          await node?.stop();
          node = await startNode({ ...START_NODE, dataDir, genesisFile: file });
          nodeMs.push(node.listeningAfterMs as number);
        }
        if (wantStart) {
          // The fastest of each: start-up is short, and a busy neighbour only ever adds to it.
          const figure = Math.min(...nodeMs);
          const baseline = Math.min(...bareMs);
          rows.push({ case: 'start', metric: 'listen_ratio', figure, unit: 'ms', baseline, baselineUnit: 'ms (bare Node)', ratio: figure / baseline, note: `fork → listening, fastest of ${STARTS}; baseline: a Node process that only listens` });
        }
        if (wantIdle && node) {
          await sleep(SETTLE_MS);
          const idle = (await node.rss()).rss;
          const note = `after ${SETTLE_MS / 1000} s idle, no peers; budget --max-memory ${DEFAULT_MAX_MEMORY_MB} MB`;
          rows.push({ case: 'memory', metric: 'idle_rss', figure: mb(idle), unit: 'MB', baseline: DEFAULT_MAX_MEMORY_MB, baselineUnit: 'MB budget', ratio: idle / BUDGET, note });
          rows.push({ case: 'memory', metric: 'idle_rss_over_bare', figure: mb(idle), unit: 'MB', baseline: mb(bareRss), baselineUnit: 'MB (bare Node)', ratio: idle / bareRss, note: 'a Node process that only listens' });
          if (ctx.wanted('memory.rss_per_peer')) {
            const peers = await connectPeers(node, genesis, 12, PEERS, 0);
            try {
              await sleep(SETTLE_MS);
              const withPeers = (await node.rss()).rss;
              const perPeer = (withPeers - idle) / PEERS;
              const share = BUDGET / DEFAULT_LIMITS.maxPeers;
              rows.push({
                case: 'memory',
                metric: 'rss_per_peer',
                figure: perPeer / 1024,
                unit: 'KB',
                baseline: share / 1024,
                baselineUnit: `KB (budget / ${DEFAULT_LIMITS.maxPeers} peers)`,
                ratio: perPeer / share,
                note: `${PEERS} idle established peers`,
              });
            } finally {
              for (const p of peers) p.destroy();
            }
          }
        }
      } finally {
        await node?.stop();
      }
    }

    if (ctx.wanted('memory.flood_rss')) {
      const f = await flood(ctx.dir);
      const m = f.status.memory;
      rows.push({
        case: 'memory',
        metric: 'flood_rss',
        figure: mb(f.peak),
        unit: 'MB peak',
        baseline: DEFAULT_MAX_MEMORY_MB,
        baselineUnit: 'MB budget',
        ratio: f.peak / BUDGET,
        note:
          `idle ${mb(f.idle).toFixed(0)} MB; at the end: V8 heap ${mb(m.heapUsedBytes).toFixed(0)} MB used, pool ${m.poolTxs} txs, ${m.seenIds} seen ids, ` +
          `send queues ${mb(m.sendQueueBytes).toFixed(1)} MB, inbound frames ${mb(m.inboundFrameBytes).toFixed(1)} MB, ` +
          `${f.status.dropped.relay} relays dropped, reading paused ${f.status.paced.times} times`,
      });
    }
    return rows;
  },
};
