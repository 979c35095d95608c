// §5 Relay: a peer whose send queue stays full past a deadline is closed
// with `slow`. One timer per connection, armed only while the queue is full.
import type { Scheduler, Task } from './scheduler';
import type { SendQueue } from './send-queue';

export class SlowPeerWatch {
  private task: Task | undefined;

  constructor(
    private readonly queue: SendQueue,
    private readonly scheduler: Scheduler,
    /** The deadline now: a slow serial line drains a full lane slowly by nature, so it adds the time the line needs. */
    private readonly deadlineMs: () => number,
    private readonly slow: (deadlineMs: number, droppedRelays: number) => void,
  ) {}

  /** After each push: starts watching when the queue has just become full. */
  check(): void {
    if (this.queue.fullSince !== undefined && !this.task) this.watch();
  }

  stop(): void {
    this.scheduler.cancel(this.task);
    this.task = undefined;
  }

  private watch(): void {
    const deadline = this.deadlineMs();
    const since = this.queue.fullSince;
    if (since === undefined) return;
    this.task = this.scheduler.after(Math.max(0, since + deadline - this.scheduler.now()), () => {
      this.task = undefined;
      const stillSince = this.queue.fullSince;
      if (stillSince === undefined) return;
      if (this.scheduler.now() - stillSince >= deadline) this.slow(deadline, this.queue.stats.droppedData);
      else this.watch();
    });
  }
}
