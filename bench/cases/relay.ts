// Relay throughput: signed txs from peer A through one node to peer B. The
// node is `timenode start` with its defaults, as a user runs it. A and B are TNP/1 peers in this process; A writes every frame
// at once (the node's backpressure paces it), B counts relayed tx frames.
// Baselines: Ed25519 verifications per second on one core with the same
// crypto backend (a relayed tx costs one), measured on every core at once as
// the relay uses them (support/core-verify.ts), a raw process that only cuts
// length-prefixed frames and forwards them, fed the same frames, and (for
// the cost of PROTOCOL.md §8) the same relay with A and B plaintext peers of
// a node started with --allow-plaintext, in the same passes.
import { createServer, Server, Socket } from 'node:net';
import { join } from 'node:path';
import type { BenchCase, RowInput } from '../case';
import { now, sleep } from '../measure';
import { coreVerifyRate, type CoreVerifyRate } from '../support/core-verify';
import { runWorker, startHelper, stopChild } from '../support/children';
import { benchKey, signedTxs, writeBenchGenesis, writeKeyFile } from '../support/fixtures';
import { startNode } from '../support/nodes';
import { TnpPeer } from '../support/tnp-peer';
import { FrameReader } from '../../src/wire/frame';
import { cryptoBackends } from '../../src/crypto';

const NODE = { ip: '127.0.10.2', port: 24702 };
const PIPE = { ip: '127.0.10.8', port: 24708 };
const A_IP = '127.0.11.2';
const B_IP = '127.0.11.3';
const SINK = { ip: '127.0.11.4', port: 24710 };
const TXS = 12_000;
/** Txs relayed before the clock starts (distinct from the timed ones, so none is a duplicate). */
const WARMUP_TXS = 12_000;
const PASSES = 3;
/** With the encrypted/plaintext comparison: one pass more, as a ratio of two best-ofs is noisier than one figure. */
const PASSES_WITH_PLAINTEXT = 4;
/** The pipe is some 50× faster: more frames keep its run long enough to time. */
const PIPE_REPEAT = 10;
/** A run ends when B has everything, or nothing came for this long (relays dropped). */
const IDLE_MS = 2000;

interface Flow {
  count: number;
  ms: number;
}

/** Counts payloads of `payloadBytes` as they arrive; resolves when `expected` came or the flow went idle. */
function counter(expected: number, payloadBytes: number, started: () => number): { push(payload: Buffer): void; done: Promise<Flow> } {
  let count = 0;
  let last = 0;
  let finish: (f: Flow) => void = () => undefined;
  const done = new Promise<Flow>((resolve) => (finish = resolve));
  const idle = setInterval(() => {
    if (last > 0 && now() - last > IDLE_MS) finish({ count, ms: last - started() });
  }, 100);
  void done.then(() => clearInterval(idle));
  return {
    push(payload) {
      if (payload.length !== payloadBytes) return;
      count++;
      last = now();
      if (count === expected) finish({ count, ms: last - started() });
    },
    done,
  };
}

/** A → node → B; `plaintext`: A and B offer no kx, to a node started with --allow-plaintext. */
async function throughNode(dir: string, warmup: Buffer[], payloads: Buffer[], expected: number, payloadBytes: number, plaintext: boolean): Promise<Flow> {
  const { file, genesis } = writeBenchGenesis(dir);
  const dataDir = join(dir, 'node');
  writeKeyFile(dataDir, benchKey(2, 2));
  const node = await startNode({ ...NODE, dataDir, genesisFile: file, allowPlaintext: plaintext, extraArgs: process.env.BENCH_VERIFY_THREADS ? ['--verify-threads', process.env.BENCH_VERIFY_THREADS] : [] });
  const peers: TnpPeer[] = [];
  try {
    const a = await TnpPeer.connect({ host: NODE.ip, port: NODE.port, localAddress: A_IP, plaintext });
    peers.push(a);
    const b = await TnpPeer.connect({ host: NODE.ip, port: NODE.port, localAddress: B_IP, plaintext });
    peers.push(b);
    await a.handshake(benchKey(3, 2), genesis);
    await b.handshake(benchKey(3, 3), genesis);
    await sleep(100);
    let t0 = now();
    const warm = counter(warmup.length, payloadBytes, () => t0);
    let count = warm;
    b.takeOver((p) => count.push(p));
    await a.write(Buffer.concat(warmup.map((p) => a.frameOf(p))));
    const warmed = await warm.done;
    if (warmed.count < warmup.length) throw new Error(`relay warm-up: B got ${warmed.count} of ${warmup.length} txs`);
    count = counter(expected, payloadBytes, () => t0);
    // Sealed before the clock starts: A stands for many peers, the node's cost is what is timed.
    const frames = Buffer.concat(payloads.map((p) => a.frameOf(p)));
    t0 = now();
    await a.write(frames);
    const flow = await count.done;
    if (flow.count < expected) {
      const s = await node.status();
      throw new Error(`relay: B got ${flow.count} of ${expected} txs (node dropped ${s.dropped.relay} relays, paced ${s.paced.times} times)`);
    }
    return flow;
  } finally {
    for (const p of peers) p.destroy();
    await node.stop();
  }
}

async function throughPipe(frames: Buffer, expected: number, payloadBytes: number): Promise<Flow> {
  let t0 = 0;
  const count = counter(expected, payloadBytes, () => t0);
  const sinkSockets: Socket[] = [];
  const sink: Server = createServer((socket) => {
    sinkSockets.push(socket);
    const reader = new FrameReader();
    socket.on('data', (chunk: Buffer) => {
      for (const p of reader.push(chunk)) count.push(p);
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => sink.listen({ host: SINK.ip, port: SINK.port }, resolve));
  const pipe = await startHelper('frame-pipe', [`${PIPE.ip}:${PIPE.port}`, `${SINK.ip}:${SINK.port}`]);
  const a = await TnpPeer.connect({ host: PIPE.ip, port: PIPE.port, localAddress: A_IP });
  try {
    await sleep(100);
    t0 = now();
    await a.write(frames);
    const flow = await count.done;
    if (flow.count < expected) throw new Error(`frame pipe: the sink got ${flow.count} of ${expected} frames`);
    return flow;
  } finally {
    a.destroy();
    for (const s of sinkSockets) s.destroy();
    sink.close();
    await stopChild(pipe.child);
  }
}

/** The rows a run may ask for; the client measures those asked (the plaintext passes and the pipe cost time). */
const RELAY_KEYS = ['relay.txs_per_verify', 'relay.encrypted_ratio', 'relay.txs_per_pipe', 'relay.mb_per_s'];
/** Four passes of two node runs each, and a pipe: minutes on a slow board. */
const CLIENT_TIMEOUT_MS = 300_000;

export const relay: BenchCase = {
  names: ['relay'],
  run: (ctx) => runWorker<RowInput[]>('case-client', ['relay', ctx.dir, ...RELAY_KEYS.filter((k) => ctx.wanted(k))], process.env, CLIENT_TIMEOUT_MS),
};

/** The whole measurement, in the process that acts as peers A and B (support/case-client.ts). */
export async function measureRelay(dir: string, wanted: (key: string) => boolean): Promise<RowInput[]> {
  const all = signedTxs(WARMUP_TXS + TXS, 1);
  const set = { frames: all.frames.slice(WARMUP_TXS), frameBytes: all.frameBytes };
  const warmup = all.frames.slice(0, WARMUP_TXS).map((f) => f.subarray(4));
  const frames = Buffer.concat(set.frames);
  const payloadBytes = set.frameBytes - 4;
  // Best of the passes for the figure and of one more for the baseline: on a shared
  // machine the least disturbed pass is the one that measures the code.
  const verifies = [await coreVerifyRate()];
  const payloads = set.frames.map((f) => f.subarray(4));
  const withPlain = wanted('relay.encrypted_ratio');
  let txsPerSec = 0;
  let plainPerSec = 0;
  const passes = withPlain ? PASSES_WITH_PLAINTEXT : PASSES;
  for (let pass = 0; pass < passes; pass++) {
    // Encrypted first on even passes, plaintext first on odd ones: drift on a shared machine hits both alike.
    const order = !withPlain ? [false] : pass % 2 === 0 ? [false, true] : [true, false];
    for (const plaintext of order) {
      const flow = await throughNode(join(dir, `pass-${pass}-${plaintext ? "plain" : "sealed"}`), warmup, payloads, TXS, payloadBytes, plaintext);
      const perSec = (flow.count * 1000) / flow.ms;
      if (plaintext) plainPerSec = Math.max(plainPerSec, perSec);
      else txsPerSec = Math.max(txsPerSec, perSec);
    }
    verifies.push(await coreVerifyRate());
  }
  const best = verifies.reduce((a, b) => (b.perCore > a.perCore ? b : a));
  const verifyPerSec = best.perCore;
  const mb = (perSec: number): number => (perSec * set.frameBytes) / 1e6;
  const rows: RowInput[] = [];
  const impl = cryptoBackends().find((c) => c.path === 'verify');
  rows.push({
    case: 'relay',
    metric: 'txs_per_verify',
    figure: txsPerSec,
    unit: 'tx/s',
    baseline: verifyPerSec,
    baselineUnit: 'verify/s',
    ratio: txsPerSec / verifyPerSec,
    note: `Ed25519 verify per core (${impl ? `${impl.kind}: ${impl.impl}` : 'default backend'}; ${coresNote(best)}); ${TXS} txs of ${set.frameBytes} B after ${WARMUP_TXS} untimed, best of ${passes} passes`,
  });
  if (withPlain) {
    const aead = cryptoBackends().find((c) => c.path === 'aead');
    rows.push({
      case: 'relay',
      metric: 'encrypted_ratio',
      figure: txsPerSec,
      unit: 'tx/s',
      baseline: plainPerSec,
      baselineUnit: 'tx/s',
      ratio: txsPerSec / plainPerSec,
      note: `the same relay in clear (node --allow-plaintext, plaintext peers), same passes; frames sealed on ${aead ? `${aead.kind}: ${aead.impl}` : 'default backend'}; best of ${passes} each`,
    });
  }
  if (wanted('relay.txs_per_pipe') || wanted('relay.mb_per_s')) {
    const repeated = Buffer.concat(Array.from({ length: PIPE_REPEAT }, () => frames));
    const pipe = await throughPipe(repeated, TXS * PIPE_REPEAT, payloadBytes);
    const pipePerSec = (pipe.count * 1000) / pipe.ms;
    const note = `raw length-prefixed frame pipe process, same frames (${TXS * PIPE_REPEAT})`;
    rows.push({ case: 'relay', metric: 'txs_per_pipe', figure: txsPerSec, unit: 'tx/s', baseline: pipePerSec, baselineUnit: 'frames/s', ratio: txsPerSec / pipePerSec, note });
    rows.push({ case: 'relay', metric: 'mb_per_s', figure: mb(txsPerSec), unit: 'MB/s', baseline: mb(pipePerSec), baselineUnit: 'MB/s', ratio: txsPerSec / pipePerSec, note });
  }
  return rows;
}

function coresNote(rate: CoreVerifyRate): string {
  if (!rate.pinned) return 'one process, not pinned';
  return `all ${rate.cores.length} cores at once, one pinned process each: ${rate.cores.map((r) => Math.round(r)).join(', ')}/s`;
}
