// Printing a run: a plain table for the terminal and CI, Markdown for an
// operator to paste into an issue (`timenode bench`).
import type { Row } from './case';
import { formatRatio, Threshold, Verdict } from './gate';
import { backendSummary, Machine } from './machine';

/** One key over all runs: the ratio is the median of the runs; figure and baseline are those of the run nearest that median. */
export interface Summary extends Row {
  key: string;
  ratios: number[];
  /** Every run's own figure, baseline and ratio, in run order. */
  perRun: { figure: number; baseline: number; ratio: number }[];
  threshold?: Threshold;
}

export function formatFigure(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString('en-US');
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

function spread(s: Summary): string {
  const finite = s.ratios.filter(Number.isFinite);
  if (finite.length <= 1) return '';
  return `${formatRatio(Math.min(...finite))}–${formatRatio(Math.max(...finite))}`;
}

function gateCell(s: Summary, verdicts: Map<string, Verdict>): string {
  const t = s.threshold;
  if (!t) return '';
  const bound = t.min !== undefined ? `≥ ${formatRatio(t.min)}` : `≤ ${formatRatio(t.max as number)}`;
  const v = verdicts.get(s.key);
  return v ? `${bound} ${v.pass ? 'ok' : 'FAIL'}` : bound;
}

/** A figure with its unit, or a dash where there is none (no raw libsodium in the portable bundle). */
function withUnit(v: number, unit: string): string {
  return Number.isFinite(v) ? `${formatFigure(v)} ${unit}` : '—';
}

function cells(s: Summary, verdicts: Map<string, Verdict>): string[] {
  return [s.key, withUnit(s.figure, s.unit), withUnit(s.baseline, s.baselineUnit), Number.isFinite(s.ratio) ? formatRatio(s.ratio) : '—', spread(s), gateCell(s, verdicts)];
}

const HEAD = ['case', 'figure', 'baseline', 'ratio', 'runs (min–max)', 'gate'];

export function textTable(summaries: Summary[], verdicts: Map<string, Verdict>): string {
  const rows = [HEAD, ...summaries.map((s) => cells(s, verdicts))];
  const widths = HEAD.map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length)));
  const line = (r: string[]): string => r.map((c, i) => (i >= 1 && i <= 4 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join('  ').trimEnd();
  return [line(rows[0] as string[]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

export function machineLines(m: Machine): string[] {
  return [
    `CPU: ${m.cpu} (${m.arch}, ${m.cores} cores), memory ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB, ${m.os}, Node ${m.node}`,
    `backends (default): ${backendSummary(m.backends.default)}`,
    `backends (TIMENODE_NATIVE=0): ${backendSummary(m.backends.fallback)}`,
  ];
}

export interface RunInfo {
  date: string;
  runs: number;
  seconds: number;
  gate: boolean;
  errors: Map<string, string[]>;
}

export function markdown(summaries: Summary[], verdicts: Map<string, Verdict>, machine: Machine, info: RunInfo): string {
  const out: string[] = [];
  out.push(`### timenode bench — ${info.date}`, '');
  out.push(`- **Runs:** ${info.runs} (each ratio is the median), ${info.seconds.toFixed(0)} s${info.gate ? ', gated cases only' : ''}`);
  const [cpu, native, fallback] = machineLines(machine);
  out.push(`- **Machine:** ${(cpu as string).replace(/^CPU: /, '')}`, `- **Backends:** ${(native as string).replace(/^backends \(default\): /, '')}`, `- **With TIMENODE_NATIVE=0:** ${(fallback as string).replace(/^backends \(TIMENODE_NATIVE=0\): /, '')}`, '');
  out.push(`| ${HEAD.join(' | ')} |`, `|${HEAD.map((_, i) => (i >= 1 && i <= 4 ? ' ---: ' : ' --- ')).join('|')}|`);
  for (const s of summaries) out.push(`| ${cells(s, verdicts).map((c, i) => (i === 0 ? `\`${c}\`` : c)).join(' | ')} |`);
  out.push('');
  const notes = summaries.filter((s) => s.note);
  if (notes.length > 0) {
    out.push('<details><summary>What each baseline is</summary>', '');
    for (const s of notes) out.push(`- \`${s.key}\`: ${s.note}`);
    out.push('', '</details>', '');
  }
  for (const [name, failed] of info.errors) out.push(`**${name} failed** in ${failed.length} of ${info.runs} runs: ${failed.join('; ')}`, '');
  const failed = [...verdicts.values()].filter((v) => !v.pass);
  if (verdicts.size > 0) {
    out.push(failed.length === 0 ? `Every gated ratio is within the CI thresholds of bench/gate.json.` : `**Outside the CI thresholds of bench/gate.json:**`);
    for (const v of failed) out.push(`- ${v.line}`);
    out.push('');
  }
  out.push(
    'Ratios compare each figure with a baseline measured in the same run on this machine. The gate column holds the thresholds of bench/gate.json, set on the 2-core x64 CI machine: elsewhere they are a reference, not a verdict. See "Benchmarks" in the README for how to read the report.',
  );
  return out.join('\n');
}
