// The CI gate: bench/gate.json holds one threshold per gated ratio ("min" for
// ratios where higher is better, "max" where lower is better) and why it has
// that value. A gated ratio is the median of several runs; the gate fails
// naming each ratio that falls short and by how much.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { packaging } from '../src/sea/runtime';
import { median } from './measure';

export interface Threshold {
  min?: number;
  max?: number;
  why: string;
}

export type GateFile = Record<string, Threshold>;

/** bench/gate.json of the source tree (from lib/bench/). */
export const GATE_FILE = resolve(__dirname, '../../bench/gate.json');

/**
 * bench/gate.json as this process has it: read from the source tree (lib/
 * holds no copy: build/compile.mjs transpiles .ts files only), or, in the
 * single-file builds, the copy esbuild bundled from the literal require below.
 */
function gateDocument(): { file: string; doc: unknown } {
  if (packaging() === 'source') return { file: GATE_FILE, doc: JSON.parse(readFileSync(GATE_FILE, 'utf8')) };
  return { file: 'bench/gate.json (bundled)', doc: require('./gate.json') as unknown };
}

/** The thresholds of `file`, or of bench/gate.json when none is given; throws naming a malformed entry. */
export function loadGate(file?: string): GateFile {
  const source = file === undefined ? gateDocument() : { file, doc: JSON.parse(readFileSync(file, 'utf8')) as unknown };
  file = source.file;
  const doc = source.doc as Record<string, Partial<Threshold>>;
  for (const [key, t] of Object.entries(doc)) {
    const has = (t.min !== undefined ? 1 : 0) + (t.max !== undefined ? 1 : 0);
    if (has !== 1) throw new Error(`${file}: "${key}" must have exactly one of "min" and "max"`);
    if (typeof (t.min ?? t.max) !== 'number') throw new Error(`${file}: "${key}": the threshold must be a number`);
    if (typeof t.why !== 'string' || t.why === '') throw new Error(`${file}: "${key}" needs a "why" saying how the threshold was chosen`);
  }
  return doc as GateFile;
}

/** A ratio as the gate and the report print it. */
export function formatRatio(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 10) return v.toFixed(1);
  if (a >= 0.1) return v.toFixed(2);
  return v.toPrecision(2);
}

export interface Verdict {
  key: string;
  pass: boolean;
  median: number;
  runs: number[];
  /** One line: what passed or what fell short, and by how much. */
  line: string;
}

/**
 * Judges each gated key on the per-run ratios measured for it. A key with no
 * ratio, or whose case failed in any run, fails: in CI a case that cannot run
 * is a regression too.
 */
export function judge(gate: GateFile, ratios: Map<string, number[]>, failures: Map<string, string[]>, runCount: number): Verdict[] {
  return Object.entries(gate).map(([key, t]) => {
    const runs = (ratios.get(key) ?? []).filter((r) => Number.isFinite(r));
    const failed = failures.get(key.split('.')[0] as string) ?? [];
    if (failed.length > 0) {
      return { key, pass: false, median: runs.length > 0 ? median(runs) : NaN, runs, line: `${key}: the case failed in ${failed.length} of ${runCount} runs (${failed[0]})` };
    }
    if (runs.length === 0) return { key, pass: false, median: NaN, runs, line: `${key}: not measured (no case produced it)` };
    const m = median(runs);
    const list = `median of ${runs.length} run${runs.length === 1 ? '' : 's'}: ${[...runs].sort((a, b) => a - b).map(formatRatio).join(', ')}`;
    if (t.min !== undefined && m < t.min) {
      const by = Math.round(((t.min - m) / t.min) * 100);
      return { key, pass: false, median: m, runs, line: `${key}: ${formatRatio(m)} is below the threshold ${formatRatio(t.min)} by ${by}% (${list})` };
    }
    if (t.max !== undefined && m > t.max) {
      const by = Math.round(((m - t.max) / t.max) * 100);
      return { key, pass: false, median: m, runs, line: `${key}: ${formatRatio(m)} is above the threshold ${formatRatio(t.max)} by ${by}% (${list})` };
    }
    const bound = t.min !== undefined ? `≥ ${formatRatio(t.min)}` : `≤ ${formatRatio(t.max as number)}`;
    return { key, pass: true, median: m, runs, line: `${key}: ${formatRatio(m)} ${bound} ok (${list})` };
  });
}
