// The figures behind each hot path's default: native (our addon) against
// pure TS on this machine, over realistic inputs. Each case first checks that
// both backends give the same result, then times each. The selectors
// (src/wire/frame.ts, crc32c.ts, cobs.ts; the timer heap in
// src/net/scheduler.ts) quote these numbers. On a shared 2-core box the
// ratios moved by ±20% from run to run and the absolute figures by 2-3×:
// a default changes only where a ratio stays clear of 1.
//
//   node build/compile.mjs && node lib/bench/hotpath.js [--quick] [--json] [--only=crc32c,cobs]
import assert from 'node:assert/strict';
import { HeapEntry, TimerHeap } from '../src/net/scheduler';
import { cobsDecode as jsCobsDecode, cobsEncode as jsCobsEncode } from '../src/wire/js/cobs';
import { crc32c as jsCrc32c } from '../src/wire/js/crc32c';
import { FrameReaderClass, JsFrameReader } from '../src/wire/js/frame-reader';
import { Addon, HeapHandle, loadAddon } from '../src/wire/native/addon';
import { nativeCobsDecode, nativeCobsEncode } from '../src/wire/native/cobs';
import { nativeFrameReader } from '../src/wire/native/frame-reader';
// A dev-machine measurement, not part of the shipped suite: it may share the tests' seeded PRNG.
import { prng } from '../test/support/prng';

/** Time per round and rounds per figure; the median round is reported. */
const FULL: Timing = { roundMs: 200, rounds: 5 };
const QUICK: Timing = { roundMs: 40, rounds: 3 };

interface Row {
  path: string;
  case: string;
  unit: string;
  ts: number;
  native: number | null;
}

/**
 * Units per second of each backend's `run` (which does `units` units per
 * call): rounds alternate between the two, so that a load that comes and goes
 * on the machine weighs on both alike, and the median round of each is kept.
 */
function rates(ts: () => unknown, native: (() => unknown) | undefined, units: number, timing: Timing): { ts: number; native: number | null } {
  const runs = native ? [ts, native] : [ts];
  for (const run of runs) timeFor(run, timing.roundMs / 2);
  const figures = runs.map(() => [] as number[]);
  for (let r = 0; r < timing.rounds; r++) {
    runs.forEach((run, k) => {
      const { calls, ms } = timeFor(run, timing.roundMs);
      (figures[k] as number[]).push((calls * units * 1000) / ms);
    });
  }
  const medians = figures.map((f) => f.sort((a, b) => a - b)[Math.floor(f.length / 2)] as number);
  return { ts: medians[0] as number, native: medians[1] ?? null };
}

interface Timing {
  roundMs: number;
  rounds: number;
}

function timeFor(run: () => unknown, roundMs: number): { calls: number; ms: number } {
  let calls = 0;
  const start = performance.now();
  const until = start + roundMs;
  let now = start;
  while (now < until) {
    run();
    if ((++calls & 7) === 0) now = performance.now();
  }
  return { calls, ms: performance.now() - start };
}

/** Random bytes in which a byte is zero with probability `zeroShare` (CBOR maps are rich in small integers). */
function payload(rand: (n: number) => number, n: number, zeroShare = 1 / 256): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = rand(1_000_000) < zeroShare * 1_000_000 ? 0 : 1 + rand(255);
  return out;
}

function frameStream(sizes: number[], rand: (n: number) => number): Buffer {
  return Buffer.concat(
    sizes.map((size) => {
      const frame = Buffer.allocUnsafe(4 + size);
      frame.writeUInt32BE(size, 0);
      payload(rand, size, 0.1).copy(frame, 4);
      return frame;
    }),
  );
}

function chunksOf(stream: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < stream.length; i += size) out.push(stream.subarray(i, i + size));
  return out;
}

function readAll(Reader: FrameReaderClass, chunks: Buffer[]): Buffer[] {
  const reader = new Reader();
  const out: Buffer[] = [];
  for (const chunk of chunks) for (const frame of reader.push(chunk)) out.push(frame);
  return out;
}

function countAll(Reader: FrameReaderClass, chunks: Buffer[]): number {
  const reader = new Reader();
  let frames = 0;
  for (const chunk of chunks) frames += reader.push(chunk).length;
  return frames;
}

function frameCases(addon: Addon | undefined, timing: Timing): Row[] {
  const rand = prng(1);
  const NativeReader = addon ? nativeFrameReader(addon) : undefined;
  const cases: [string, number[], number][] = [
    ['one 48-byte ping per read', Array(2048).fill(48), 52],
    ['48-byte pings in 1460-byte reads', Array(20000).fill(48), 1460],
    ['48-byte pings in 64 KiB reads', Array(20000).fill(48), 65536],
    ['1 KiB txs in 64 KiB reads', Array(2000).fill(1024), 65536],
    ['mixed 20 B..16 KiB in 64 KiB reads', Array.from({ length: 2000 }, () => 20 + rand(16 * 1024)), 65536],
    ['one 4 MiB frame in 64 KiB reads', [4 * 1024 * 1024], 65536],
  ];
  return cases.map(([name, sizes, read]) => {
    const chunks = chunksOf(frameStream(sizes, rand), read);
    const expected = readAll(JsFrameReader, chunks);
    assert.equal(expected.length, sizes.length);
    if (NativeReader) {
      const got = readAll(NativeReader, chunks);
      assert.equal(got.length, expected.length, name);
      got.forEach((f, k) => assert.ok(f.equals(expected[k] as Buffer), `${name}: frame ${k} differs`));
    }
    const run = NativeReader ? () => countAll(NativeReader, chunks) : undefined;
    return { path: 'frame-scan', case: name, unit: 'frames/s', ...rates(() => countAll(JsFrameReader, chunks), run, sizes.length, timing) };
  });
}

function crcCases(addon: Addon | undefined, timing: Timing): Row[] {
  const rand = prng(2);
  return [16, 32, 48, 64, 96, 128, 256, 1024, 16 * 1024, 1024 * 1024].map((size) => {
    const data = payload(rand, size);
    const crc = addon?.crc32c;
    if (crc) assert.equal(crc(data), jsCrc32c(data));
    const run = crc ? () => crc(data) : undefined;
    return { path: 'crc32c', case: sizeName(size), unit: 'ops/s', ...rates(() => jsCrc32c(data), run, 1, timing) };
  });
}

function cobsCases(addon: Addon | undefined, timing: Timing): Row[] {
  const rand = prng(3);
  const rows: Row[] = [];
  const encodeNative = addon ? nativeCobsEncode(addon) : undefined;
  const decodeNative = addon ? nativeCobsDecode(addon) : undefined;
  // Serial payloads are CBOR maps: one byte in ten is zero (small integers, lengths).
  const inputs: [string, Buffer][] = [32, 56, 64, 96, 128, 256, 1024, 64 * 1024].map((n) => [sizeName(n), payload(rand, n, 0.1)]);
  inputs.push(['1 KiB, no zero', payload(rand, 1024, 0)]);
  for (const [name, data] of inputs) {
    const encoded = jsCobsEncode(data);
    if (encodeNative) assert.ok(encodeNative(data).equals(encoded), `cobs-encode ${name}`);
    const run = encodeNative ? () => encodeNative(data) : undefined;
    rows.push({ path: 'cobs-encode', case: name, unit: 'ops/s', ...rates(() => jsCobsEncode(data), run, 1, timing) });
  }
  for (const [name, data] of inputs) {
    const encoded = jsCobsEncode(data);
    if (decodeNative) assert.ok(decodeNative(encoded).equals(data), `cobs-decode ${name}`);
    const run = decodeNative ? () => decodeNative(encoded) : undefined;
    rows.push({ path: 'cobs-decode', case: name, unit: 'ops/s', ...rates(() => jsCobsDecode(encoded), run, 1, timing) });
  }
  return rows;
}

/**
 * The addon's heap behind TimerHeap's interface, for this measurement: C keeps
 * (due, seq, id) and JS maps the id back to the entry.
 */
export class NativeTimerHeap<E extends HeapEntry> {
  private readonly handle: HeapHandle;
  private readonly byId: (E | undefined)[] = [];
  private readonly freeIds: number[] = [];

  constructor(private readonly addon: Addon) {
    this.handle = addon.heapNew();
  }

  get size(): number {
    return this.addon.heapSize(this.handle);
  }

  peek(): E | undefined {
    const id = this.addon.heapPeek(this.handle);
    return id < 0 ? undefined : this.byId[id];
  }

  push(entry: E): void {
    const id = this.freeIds.pop() ?? this.byId.length;
    this.byId[id] = entry;
    this.addon.heapPush(this.handle, entry.due, entry.seq, id);
  }

  pop(): E | undefined {
    const id = this.addon.heapPop(this.handle);
    if (id < 0) return undefined;
    const entry = this.byId[id];
    this.byId[id] = undefined;
    this.freeIds.push(id);
    return entry;
  }

  clear(): void {
    this.addon.heapClear(this.handle);
    this.byId.length = 0;
    this.freeIds.length = 0;
  }
}

interface Timer extends HeapEntry {
  due: number;
  seq: number;
}

type Heap = Pick<TimerHeap<Timer>, 'peek' | 'push' | 'pop' | 'size'>;

/** The scheduler's steady state: the earliest timer fires (peek + pop) and its peer's next one is pushed. */
function churn(heap: Heap, rand: (n: number) => number, ops: number, clock: { now: number; seq: number }): number {
  let sum = 0;
  for (let k = 0; k < ops; k++) {
    const top = heap.peek() as Timer;
    clock.now = top.due;
    sum += (heap.pop() as Timer).seq;
    heap.push({ due: clock.now + 1 + rand(30_000), seq: clock.seq++ });
  }
  return sum;
}

function heapCases(addon: Addon | undefined, timing: Timing): Row[] {
  return [300, 10_000].map((timers) => {
    const fill = (heap: Heap): { now: number; seq: number } => {
      const rand = prng(4);
      const clock = { now: 0, seq: 0 };
      for (let k = 0; k < timers; k++) heap.push({ due: rand(30_000), seq: clock.seq++ });
      return clock;
    };
    const tsHeap = new TimerHeap<Timer>();
    const tsClock = fill(tsHeap);
    let run: (() => unknown) | undefined;
    if (addon) {
      const nativeHeap = new NativeTimerHeap<Timer>(addon);
      const nativeClock = fill(nativeHeap);
      const a = churn(new TimerHeapCheck(tsHeap), prng(5), 20_000, { ...tsClock });
      const b = churn(new TimerHeapCheck(nativeHeap), prng(5), 20_000, { ...nativeClock });
      assert.equal(a, b, 'the heaps popped different timers');
      const rand = prng(6);
      run = () => churn(nativeHeap, rand, 1000, nativeClock);
    }
    const rand = prng(6);
    const row = rates(() => churn(tsHeap, rand, 1000, tsClock), run, 1000, timing);
    return { path: 'timer-heap', case: `${timers} timers: peek + pop + push`, unit: 'timers/s', ...row };
  });
}

/** Passes through to a heap; used once per case so the parity run shares no JIT state with the timed one. */
class TimerHeapCheck implements Heap {
  constructor(private readonly heap: Heap) {}
  get size(): number {
    return this.heap.size;
  }
  peek(): Timer | undefined {
    return this.heap.peek();
  }
  push(entry: Timer): void {
    this.heap.push(entry);
  }
  pop(): Timer | undefined {
    return this.heap.pop();
  }
}

function sizeName(n: number): string {
  if (n >= 1024 * 1024) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024) return `${n / 1024} KiB`;
  return `${n} B`;
}

function human(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(0);
}

function main(): void {
  const quick = process.argv.includes('--quick');
  const timing = quick ? QUICK : FULL;
  const load = loadAddon();
  const addon = load.addon;
  if (!addon) process.stderr.write(`${load.error}: TS figures only\n`);
  else process.stderr.write(`addon loaded; crc32c runs on ${addon.crc32cImpl}\n`);
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
  const groups: [string, (a: Addon | undefined, t: Timing) => Row[]][] = [
    ['frame-scan', frameCases],
    ['crc32c', crcCases],
    ['cobs', cobsCases],
    ['timer-heap', heapCases],
  ];
  const rows = groups.filter(([name]) => !only || only.includes(name)).flatMap(([, cases]) => cases(addon, timing));
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ node: process.version, arch: process.arch, rows }, null, 2)}\n`);
    return;
  }
  const header = `| path | case | ts | native | native/ts |`;
  const lines = [header, '| --- | --- | --: | --: | --: |'];
  for (const r of rows) {
    const ratio = r.native === null ? '—' : `${(r.native / r.ts).toFixed(2)}×`;
    const native = r.native === null ? '—' : `${human(r.native)} ${r.unit}`;
    lines.push(`| ${r.path} | ${r.case} | ${human(r.ts)} ${r.unit} | ${native} | ${ratio} |`);
  }
  process.stdout.write(`node ${process.version} ${process.arch}\n${lines.join('\n')}\n`);
}

if (require.main === module) main();
