// Reconnect delays of PROTOCOL.md §2: 1 s, 2 s, 4 s … capped, with ±20 %
// jitter so that peers dropped together do not redial together.
import type { NodeTimings } from '../base/config';

type BackoffTimings = Pick<NodeTimings, 'reconnectBaseMs' | 'reconnectMaxMs' | 'reconnectJitter'>;

export class Backoff {
  private attempts = 0;

  constructor(
    private readonly timings: BackoffTimings,
    private readonly random: () => number = Math.random,
  ) {}

  get attempt(): number {
    return this.attempts;
  }

  /** The delay before the next attempt; each call doubles the next one. */
  next(): number {
    const { reconnectBaseMs, reconnectMaxMs, reconnectJitter } = this.timings;
    const plain = Math.min(reconnectMaxMs, reconnectBaseMs * 2 ** Math.min(this.attempts, 30));
    this.attempts++;
    return Math.round(plain * (1 + reconnectJitter * (2 * this.random() - 1)));
  }

  reset(): void {
    this.attempts = 0;
  }
}
