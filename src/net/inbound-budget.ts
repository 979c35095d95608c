// One budget for the bytes all peers hold in half-received frames. A frame
// may be up to maxFrame (4 MiB), so 32 peers each stalling mid-frame could
// otherwise hold 128 MiB. Past the budget, a peer's socket is paused (the
// kernel's window then pushes back on the sender) until others release.

export class InboundBudget {
  private used = 0;
  private readonly waiting = new Set<() => void>();

  constructor(readonly limitBytes: number) {}

  get usedBytes(): number {
    return this.used;
  }

  /** Records a change in one peer's buffered bytes; returns false when the budget is now exceeded. */
  adjust(delta: number): boolean {
    this.used += delta;
    if (delta < 0 && this.used <= this.limitBytes && this.waiting.size > 0) {
      const resume = [...this.waiting];
      this.waiting.clear();
      for (const r of resume) r();
    }
    return this.used <= this.limitBytes;
  }

  /** Calls `resume` once the budget has room again. */
  whenFree(resume: () => void): void {
    this.waiting.add(resume);
  }

  forget(resume: () => void): void {
    this.waiting.delete(resume);
  }
}
