// What has been read from one peer and not yet handled: the payloads cut from
// its stream (at most one read's worth, while its socket is paused) and the
// bytes its framing holds, charged to the node's shared inbound budget. A
// peer over the budget is paused until others release (PROTOCOL.md §5:
// slowed, never dropped); the connection decides when to pause and resume.
import type { InboundBudget } from './inbound-budget';

export class InboundBacklog {
  /** An array with a moving head, dropped whole once handled (reset). */
  private payloads: Buffer[] = [];
  private at = 0;
  private charged = 0;

  constructor(
    private readonly budget: InboundBudget,
    /** Bytes the framing holds of frames not yet whole. */
    private readonly framingBuffered: () => number,
  ) {}

  add(payloads: Buffer[]): void {
    this.payloads = this.payloads.length === 0 ? payloads : this.payloads.concat(payloads);
  }

  get hasMore(): boolean {
    return this.at < this.payloads.length;
  }

  /** The next payload; call only while hasMore. */
  next(): Buffer {
    return this.payloads[this.at++] as Buffer;
  }

  /** Everything was handled: the read buffers can go. */
  reset(): void {
    this.payloads = [];
    this.at = 0;
  }

  /** What this peer has charged to the shared budget. */
  get chargedBytes(): number {
    return this.charged;
  }

  /** Brings the charge up to what the framing holds now; false when that puts the budget over its limit. */
  charge(): boolean {
    const now = this.framingBuffered();
    const within = this.budget.adjust(now - this.charged);
    this.charged = now;
    return within || now === 0;
  }

  /** The connection closed: its payloads go and its charge is given back. */
  release(): void {
    this.reset();
    this.budget.adjust(-this.charged);
    this.charged = 0;
  }
}
