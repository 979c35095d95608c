// The benchmark runner: `node lib/bench/run.js [--gate] [--runs N] [--only CASES] [--markdown] [--out FILE]`.
// Runs every case (under --gate, only what bench/gate.json gates) N times,
// interleaved (run 1 of every case, then run 2, …) so a noisy minute on a
// shared machine does not land on one case's every run; prints the table,
// writes results.json, and under --gate exits 1 naming each ratio that
// falls short of its threshold.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { packaging } from '../src/sea/runtime';
import { BenchCase, CaseContext, key, Row } from './case';
import { codec } from './cases/codec';
import { crypto } from './cases/crypto';
import { memory } from './cases/memory';
import { relay } from './cases/relay';
import { rtt } from './cases/rtt';
import { sync } from './cases/sync';
import { GateFile, judge, loadGate, Verdict } from './gate';
import { describeMachine, Machine } from './machine';
import { median, now, within } from './measure';
import { markdown, machineLines, Summary, textTable } from './report';
import { killAll } from './support/children';

export const CASES: Record<string, BenchCase> = { rtt, relay, codec, crypto, sync, memory };

/** bench/results.json of the source tree (from lib/bench/). */
export const RESULTS_FILE = resolve(__dirname, '../../bench/results.json');

/** Where results go without --out: bench/results.json in a source tree; nowhere from a single-file build, which has no tree beside it. */
export function defaultResultsFile(): string | undefined {
  return packaging() === 'source' ? RESULTS_FILE : undefined;
}

export interface BenchOptions {
  gate: boolean;
  runs: number;
  only?: string[];
  markdown: boolean;
  /** results.json to write; undefined: none. */
  out: string | undefined;
}

export const DEFAULT_RUNS = { full: 3, gate: 3 };
/** One run of one case never takes this long on a healthy machine: past it the case fails rather than hang CI. */
const CASE_TIMEOUT_MS = 240_000;

export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      gate: { type: 'boolean' },
      runs: { type: 'string' },
      only: { type: 'string' },
      markdown: { type: 'boolean' },
      out: { type: 'string' },
    },
    strict: true,
  });
  const gate = values.gate ?? false;
  const runs = values.runs === undefined ? (gate ? DEFAULT_RUNS.gate : DEFAULT_RUNS.full) : Number(values.runs);
  if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${JSON.stringify(values.runs)}`);
  const only = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of only ?? []) if (!CASES[name]) throw new Error(`--only: no case "${name}" (cases: ${Object.keys(CASES).join(', ')})`);
  return { gate, runs, only, markdown: values.markdown ?? false, out: values.out ?? defaultResultsFile() };
}

function summarise(all: Row[][], gate: GateFile): Summary[] {
  const byKey = new Map<string, Row[]>();
  for (const runRows of all) for (const row of runRows) byKey.set(key(row), [...(byKey.get(key(row)) ?? []), row]);
  const out: Summary[] = [];
  for (const [k, rows] of byKey) {
    const ratios = rows.map((r) => r.ratio);
    const m = median(ratios.filter(Number.isFinite));
    const nearest = rows.reduce((best, r) => (Math.abs(r.ratio - m) < Math.abs(best.ratio - m) ? r : best), rows[0] as Row);
    const perRun = rows.map((r) => ({ figure: r.figure, baseline: r.baseline, ratio: r.ratio }));
    out.push({ ...nearest, key: k, ratio: Number.isFinite(m) ? m : nearest.ratio, ratios, perRun, gated: k in gate, threshold: gate[k] });
  }
  return out;
}

export async function runBench(o: BenchOptions): Promise<number> {
  const started = now();
  const gate = loadGate();
  const gatedKeys = Object.keys(gate);
  const wanted = (k: string): boolean => !o.gate || k in gate;
  let cases = Object.entries(CASES);
  if (o.only) cases = cases.filter(([name]) => o.only?.includes(name));
  if (o.gate) cases = cases.filter(([, c]) => gatedKeys.some((k) => c.names.includes(k.split('.')[0] as string)));
  const progress = (line: string): void => {
    process.stderr.write(`bench: ${line}\n`);
  };
  const machine: Machine = await describeMachine();
  for (const line of machineLines(machine)) progress(line);

  const root = mkdtempSync(join(tmpdir(), 'timenode-bench-'));
  const cacheDir = join(root, 'cache');
  mkdirSync(cacheDir);
  const perRun: Row[][] = [];
  /** Case name → the first line of each run's failure. */
  const errors = new Map<string, string[]>();
  const interrupted = (): void => {
    killAll();
    rmSync(root, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    for (let run = 0; run < o.runs; run++) {
      const rows: Row[] = [];
      for (const [name, c] of cases) {
        const dir = join(root, `${name}-${run}`);
        mkdirSync(dir);
        const ctx: CaseContext = { run, dir, cacheDir, wanted, progress };
        const t0 = now();
        try {
          const got = await within(c.run(ctx), CASE_TIMEOUT_MS, `case ${name}`);
          for (const r of got) if (wanted(key(r))) rows.push({ ...r, gated: key(r) in gate });
          progress(`run ${run + 1}/${o.runs} ${name}: ${((now() - t0) / 1000).toFixed(1)} s`);
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          progress(`run ${run + 1}/${o.runs} ${name} FAILED: ${message}`);
          // A case that timed out still has its processes: none may outlive it.
          killAll();
          for (const n of c.names) errors.set(n, [...(errors.get(n) ?? []), `run ${run + 1}: ${message.split('\n')[0] as string}`]);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
      perRun.push(rows);
    }
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    rmSync(root, { recursive: true, force: true });
  }

  const summaries = summarise(perRun, gate);
  const ratios = new Map(summaries.map((s) => [s.key, s.ratios]));
  const verdictList: Verdict[] = o.gate ? judge(gate, ratios, errors, o.runs) : [];
  const verdicts = new Map(verdictList.map((v) => [v.key, v]));
  const seconds = (now() - started) / 1000;
  const date = new Date().toISOString();

  if (o.markdown) {
    process.stdout.write(`${markdown(summaries, verdicts, machine, { date, runs: o.runs, seconds, gate: o.gate, errors })}\n`);
  } else {
    process.stdout.write(`${machineLines(machine).join('\n')}\n\n${textTable(summaries, verdicts)}\n`);
    for (const [name, failed] of errors) process.stdout.write(`\n${name} FAILED in ${failed.length} of ${o.runs} runs:\n${failed.map((f) => `  ${f}`).join('\n')}\n`);
  }

  const results = {
    date,
    mode: o.gate ? 'gate' : 'full',
    runs: o.runs,
    seconds: Math.round(seconds),
    machine,
    rows: summaries.map(({ key: k, case: c, metric, figure, unit, baseline, baselineUnit, ratio, perRun, gated, threshold, note }) => ({
      key: k,
      case: c,
      metric,
      figure,
      unit,
      baseline,
      baselineUnit,
      ratio,
      runs: perRun,
      gated,
      ...(threshold ? { threshold: threshold.min !== undefined ? { min: threshold.min } : { max: threshold.max } } : {}),
      note,
    })),
    errors: Object.fromEntries(errors),
    ...(o.gate ? { gate: verdictList.map(({ key: k, pass, median: m, runs: rs }) => ({ key: k, pass, median: m, runs: rs })) } : {}),
  };
  if (o.out === undefined) {
    progress('results not written (--out FILE writes them as JSON)');
  } else {
    try {
      mkdirSync(dirname(o.out), { recursive: true });
      writeFileSync(o.out, `${JSON.stringify(results, null, 2)}\n`);
      progress(`wrote ${o.out}`);
    } catch (err) {
      progress(`could not write ${o.out}: ${(err as Error).message}`);
    }
  }

  if (o.gate) {
    const failed = verdictList.filter((v) => !v.pass);
    const out = o.markdown ? process.stderr : process.stdout;
    out.write(`\ngate: ${verdictList.length} ratios, median of ${o.runs} runs, ${seconds.toFixed(0)} s\n`);
    for (const v of verdictList) out.write(`  ${v.pass ? 'ok  ' : 'FAIL'} ${v.line}\n`);
    if (failed.length > 0) {
      process.stderr.write(`\nbench gate FAILED: ${failed.length} of ${verdictList.length} ratios fall short:\n${failed.map((v) => `  ${v.line}`).join('\n')}\n`);
      return 1;
    }
    out.write('bench gate passed\n');
    return 0;
  }
  return errors.size > 0 ? 1 : 0;
}

if (require.main === module) {
  let options: BenchOptions;
  try {
    options = parseBenchArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n`);
    process.exit(2);
  }
  runBench(options).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`bench: ${err instanceof Error ? err.stack : String(err)}\n`);
      killAll();
      process.exit(1);
    },
  );
}
