// The node's "alive" line: every summaryIntervalMs (a minute) one line with
// height, peers and rates, so a quiet relay's log shows it is working.
// Rates come from the difference of two snapshots.
import type { Scheduler, Task } from '../net/scheduler';
import type { Logger } from '../base/log';
import type { NodeStatus } from './status';

export class AliveSummary {
  private task: Task | undefined;
  private last: { at: number; finalized: number; txIn: number };

  constructor(
    private readonly scheduler: Scheduler,
    private readonly everyMs: number,
    private readonly snapshot: () => NodeStatus,
    private readonly log: Logger,
  ) {
    this.last = this.mark(snapshot());
    this.schedule();
  }

  stop(): void {
    this.scheduler.cancel(this.task);
  }

  private mark(s: NodeStatus): { at: number; finalized: number; txIn: number } {
    return { at: Date.now(), finalized: s.finalized, txIn: s.messagesIn.tx ?? 0 };
  }

  private schedule(): void {
    this.task = this.scheduler.after(this.everyMs, () => {
      const s = this.snapshot();
      const now = this.mark(s);
      const secs = Math.max(0.001, (now.at - this.last.at) / 1000);
      // Counters of closed connections go away with them: a negative difference is a closed peer, not negative traffic.
      const txPerSec = Math.max(0, now.txIn - this.last.txIn) / secs;
      const finalPerSec = Math.max(0, now.finalized - this.last.finalized) / secs;
      this.last = now;
      const established = s.peers.filter((p) => p.state === 'established');
      const outbound = established.filter((p) => p.direction === 'outbound').length;
      this.log.info(
        `alive: height ${s.height}, peers ${established.length} (${outbound} out, ${established.length - outbound} in), ` +
          `tx/s ${txPerSec.toFixed(1)} in, ${finalPerSec.toFixed(1)} finalized, rss ${(s.rssBytes / 1048576).toFixed(0)} MB of ${(s.budgetBytes / 1048576).toFixed(0)} MB budget`,
      );
      this.schedule();
    });
  }
}
