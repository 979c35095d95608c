// The last ten minutes of a node, for the status page's plots and the RTT
// histogram of /metrics: every historySampleMs one sample (rates from the
// difference with the previous one) into a ring of fixed size, and each
// established peer's last RTT into the histogram. Nothing here grows.
import type { Scheduler, Task } from '../net/scheduler';
import type { NodeStatus } from './status';

export const HISTORY_SPAN_MS = 10 * 60_000;

export interface Sample {
  /** Unix ms. */
  t: number;
  height: number;
  txPerSec: number;
  finalizedPerSec: number;
  peers: number;
  /** Mean of the established peers' last RTT; null with no peer measured. */
  rttMs: number | null;
  rssBytes: number;
  budgetBytes: number;
}

/** Upper bounds in seconds: a LAN answers in a millisecond, a serial line at 19200 baud in tens to hundreds. */
export const RTT_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export class RttHistogram {
  /** counts[i]: observations ≤ RTT_BUCKETS_S[i] (cumulative, as Prometheus has them); the last is +Inf. */
  readonly counts = new Array<number>(RTT_BUCKETS_S.length + 1).fill(0);
  sum = 0;
  count = 0;

  observe(seconds: number): void {
    for (let i = 0; i < RTT_BUCKETS_S.length; i++) if (seconds <= (RTT_BUCKETS_S[i] as number)) this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.counts[RTT_BUCKETS_S.length] = (this.counts[RTT_BUCKETS_S.length] ?? 0) + 1;
    this.sum += seconds;
    this.count++;
  }
}

export class StatusHistory {
  readonly rtt = new RttHistogram();
  private readonly ring: Sample[] = [];
  private next = 0;
  private task: Task | undefined;
  private last: { t: number; txIn: number; finalized: number } | undefined;
  readonly capacity: number;

  constructor(
    private readonly scheduler: Scheduler,
    readonly everyMs: number,
    private readonly snapshot: () => NodeStatus,
  ) {
    this.capacity = Math.max(2, Math.ceil(HISTORY_SPAN_MS / everyMs));
    this.sample();
  }

  /** Oldest first. */
  samples(): Sample[] {
    return this.ring.length < this.capacity ? [...this.ring] : [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
  }

  stop(): void {
    this.scheduler.cancel(this.task);
  }

  private sample(): void {
    const s = this.snapshot();
    const t = Date.now();
    const txIn = s.totals.messagesIn.tx ?? 0;
    const secs = this.last ? Math.max(0.001, (t - this.last.t) / 1000) : 1;
    const established = s.peers.filter((p) => p.state === 'established');
    const rtts = established.map((p) => p.rttMs).filter((r): r is number => r !== undefined);
    for (const r of rtts) this.rtt.observe(r / 1000);
    const sample: Sample = {
      t,
      height: s.height,
      txPerSec: this.last ? round((txIn - this.last.txIn) / secs) : 0,
      finalizedPerSec: this.last ? round((s.finalized - this.last.finalized) / secs) : 0,
      peers: established.length,
      rttMs: rtts.length === 0 ? null : round(rtts.reduce((a, b) => a + b, 0) / rtts.length),
      rssBytes: s.rssBytes,
      budgetBytes: s.budgetBytes,
    };
    this.last = { t, txIn, finalized: s.finalized };
    if (this.ring.length < this.capacity) this.ring.push(sample);
    else this.ring[this.next] = sample;
    this.next = (this.next + 1) % this.capacity;
    this.task = this.scheduler.after(this.everyMs, () => this.sample());
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
