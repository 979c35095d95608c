// The soak run: `bin/timenode devnet` (3 masternodes) under a steady tx load,
// its status view sampled every second, and a linear trend fitted to each
// node's RSS, heap, event-loop delay, open fds, timers and handles after a
// warm-up. It fails when a trend says something keeps growing:
//   node lib/bench/soak.js [--minutes N | --seconds S] [--tx-every MS] [--dir DIR]
// CI runs 60 s (.ci/run); by hand, --minutes 30 gives the trends some length.
//
// Tolerances (over the measured window, trend = slope × window length):
//   RSS, heap used, heap total, external   trend ≤ 15 % of the starting level + 4 MB
//   loop delay p99  trend ≤ 25 ms
//   fds, handles    trend ≤ 3
//   timers          trend ≤ 10 % of the start + 10
// The slack covers bounded caches filling (seen ids, final txids) and GC
// sawtooth; a leak of one object per tx or per block passes them quickly.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const BIN = resolve(__dirname, '../../bin/timenode');
const NODES = 3;

interface Sample {
  at: number;
  node: string;
  height: number;
  finalized: number;
  rssMb: number;
  heapMb: number;
  loopP99Ms: number;
  fds: number;
  timers: number;
  handles: number;
  heapTotalMb: number;
  externalMb: number;
}

type Metric = 'rssMb' | 'heapMb' | 'heapTotalMb' | 'externalMb' | 'loopP99Ms' | 'fds' | 'timers' | 'handles';
const METRICS: { key: Metric; unit: string; allowed: (start: number) => number }[] = [
  { key: 'rssMb', unit: 'MB', allowed: (s) => 0.15 * s + 4 },
  { key: 'heapMb', unit: 'MB', allowed: (s) => 0.15 * s + 4 },
  { key: 'heapTotalMb', unit: 'MB', allowed: (s) => 0.15 * s + 4 },
  { key: 'externalMb', unit: 'MB', allowed: (s) => 0.15 * s + 4 },
  { key: 'loopP99Ms', unit: 'ms', allowed: () => 25 },
  { key: 'fds', unit: '', allowed: () => 3 },
  { key: 'timers', unit: '', allowed: (s) => 0.1 * s + 10 },
  { key: 'handles', unit: '', allowed: () => 3 },
];

/** Reads one printed status view (the devnet's non-TTY output) into a sample per node. */
export function parseView(text: string, at: number): Sample[] {
  const out: Sample[] = [];
  let current: Partial<Sample> | undefined;
  for (const line of text.split('\n')) {
    const head = /^(node\d+) \S+\s+pid \d+.*height (\d+)\s+finalized (\d+).*rss ([\d.]+) MB/.exec(line);
    if (head) {
      current = { at, node: head[1]!, height: Number(head[2]), finalized: Number(head[3]), rssMb: Number(head[4]) };
      continue;
    }
    const heap = /^\s+memory: heap ([\d.]+) MB/.exec(line);
    if (heap && current) current.heapMb = Number(heap[1]);
    const proc = /^\s+process: loop p99 ([\d.]+) ms\s+max [\d.]+ ms\s+fds (-?\d+)\s+timers (\d+)\s+timeouts \d+\s+handles (\d+)\s+heap total ([\d.]+) MB\s+external ([\d.]+) MB/.exec(line);
    if (proc && current && current.heapMb !== undefined) {
      const [loop, fds, timers, handles, heapTotal, external] = proc.slice(1).map(Number) as [number, number, number, number, number, number];
      out.push({ ...current, loopP99Ms: loop, fds, timers, handles, heapTotalMb: heapTotal, externalMb: external } as Sample);
      current = undefined;
    }
  }
  return out;
}

/** Least-squares slope of y over x. */
export function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { minutes: { type: 'string' }, seconds: { type: 'string' }, 'tx-every': { type: 'string' }, dir: { type: 'string' } },
  });
  const seconds = values.seconds ? Number(values.seconds) : Number(values.minutes ?? '1') * 60;
  if (!(seconds >= 20)) throw new Error(`--seconds/--minutes: at least 20 s, got ${seconds}`);
  const txEvery = values['tx-every'] ?? '100';
  const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'timenode-soak-'));
  const warmupMs = Math.min(60_000, seconds * 250);
  console.log(`soak: ${NODES} devnet nodes, a tx every ${txEvery} ms, ${seconds} s (first ${warmupMs / 1000} s warm-up), data in ${dir}`);

  const child = spawn(process.execPath, [BIN, 'devnet', '--nodes', String(NODES), '--dir', dir, '--tx-every', txEvery, '--duration', String(seconds)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const started = Date.now();
  const samples: Sample[] = [];
  let pending = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    pending += chunk;
    let cut: number;
    while ((cut = pending.indexOf('\n---\n')) >= 0) {
      samples.push(...parseView(pending.slice(0, cut), Date.now() - started));
      pending = pending.slice(cut + 5);
    }
  });
  const code: number = await new Promise((done) => child.on('exit', (c) => done(c ?? 1)));
  if (!values.dir) rmSync(dir, { recursive: true, force: true });
  if (code !== 0) {
    console.error(`soak: the devnet exited with ${code}`);
    return 1;
  }

  let failed = false;
  for (let i = 1; i <= NODES; i++) {
    const mine = samples.filter((s) => s.node === `node${i}` && s.at >= warmupMs);
    if (mine.length < 10) {
      console.error(`soak: node${i}: only ${mine.length} samples after the warm-up`);
      failed = true;
      continue;
    }
    const first = mine[0]!;
    const last = mine[mine.length - 1]!;
    const spanS = (last.at - first.at) / 1000;
    const tenth = Math.max(3, Math.floor(mine.length / 10));
    const parts = [`node${i}: height ${first.height} -> ${last.height}, finalized ${first.finalized} -> ${last.finalized}, ${mine.length} samples over ${spanS.toFixed(0)} s`];
    for (const m of METRICS) {
      const xs = mine.map((s) => s.at / 1000);
      const ys = mine.map((s) => s[m.key]);
      const start = mean(ys.slice(0, tenth));
      const end = mean(ys.slice(-tenth));
      const trend = slope(xs, ys) * spanS;
      const allowed = m.allowed(start);
      const bad = trend > allowed;
      if (bad) failed = true;
      parts.push(`  ${m.key.padEnd(9)} start ${start.toFixed(1)}${m.unit} end ${end.toFixed(1)}${m.unit} end/start ${(end / Math.max(start, 1e-9)).toFixed(2)} trend ${trend >= 0 ? '+' : ''}${trend.toFixed(2)} (allowed +${allowed.toFixed(1)})${bad ? '  GROWING' : ''}`);
    }
    console.log(parts.join('\n'));
    if (last.height <= first.height || last.finalized <= first.finalized) {
      console.error(`soak: node${i} stopped making progress under load`);
      failed = true;
    }
  }
  console.log(failed ? 'soak: FAILED' : 'soak: no metric keeps growing');
  return failed ? 1 : 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`soak: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(2);
    },
  );
}
