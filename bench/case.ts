// What a benchmark case is and what it returns. Every row is one figure set
// against its own baseline measured in the same run; the ratio is what the
// gate (bench/gate.json) checks, never the absolute figure.

export interface Row {
  /** "relay", "codec", … : the file in bench/cases/ that measured it (memory.ts also reports "start"). */
  case: string;
  /** "txs_per_verify": with `case`, the key in gate.json ("relay.txs_per_verify"). */
  metric: string;
  figure: number;
  unit: string;
  baseline: number;
  baselineUnit: string;
  /** Dimensionless: figure ÷ baseline (for times, larger is slower). */
  ratio: number;
  /** Whether gate.json holds a threshold for it (set by the runner). */
  gated: boolean;
  /** What the baseline is, in a few words ("raw TCP echo, same 61-byte frame"). */
  note?: string;
}

export type RowInput = Omit<Row, 'gated'>;

export interface CaseContext {
  /** 0-based index of this run. */
  run: number;
  /** A fresh folder for this case and run; removed afterwards. */
  dir: string;
  /** A folder kept for the whole bench process (data made once and reused by every run). */
  cacheDir: string;
  /** True when "case.metric" must be measured: every metric in a full run, only the gated ones under --gate. */
  wanted(key: string): boolean;
  /** Progress for the operator (stderr). */
  progress(line: string): void;
}

export interface BenchCase {
  /** The row `case` names this file produces. */
  names: string[];
  run(ctx: CaseContext): Promise<RowInput[]>;
}

export function key(row: Pick<Row, 'case' | 'metric'>): string {
  return `${row.case}.${row.metric}`;
}
