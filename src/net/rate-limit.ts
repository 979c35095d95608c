// Per-peer token buckets, one per message category, used as a pacer
// (PROTOCOL.md §5 "Fairness and backpressure"): a message over its bucket is
// not dropped and costs no score; the connection stops reading that peer
// until the bucket has a token again, so TCP flow control slows the sender.
import type { RateCategory, RateLimits } from '../base/rate-limits';
import type { MessageType } from '../wire/messages';

export const CATEGORY_OF: Record<MessageType, RateCategory> = {
  hello: 'general',
  auth: 'general',
  reject: 'general',
  ping: 'ping',
  pong: 'ping',
  get_peers: 'get_peers',
  peers: 'general',
  tx: 'tx',
  vote: 'vote',
  finalized: 'vote',
  utxo_state: 'vote',
  block: 'block',
  get_blocks: 'get_blocks',
  blocks: 'sync_answer',
  masternode: 'masternode',
  heartbeat: 'masternode',
};

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<RateCategory, Bucket>();
  /** How often reading was paused for a category, and for how long in all (ms). */
  readonly paused = new Map<RateCategory, { times: number; ms: number }>();

  constructor(private readonly limits: RateLimits) {}

  /**
   * Takes one token and returns 0, or takes none and returns the ms until one
   * is due: the caller holds the message and reads nothing more until then.
   */
  take(category: RateCategory, now: number): number {
    const spec = this.limits[category];
    let bucket = this.buckets.get(category);
    if (!bucket) {
      bucket = { tokens: spec.burst, at: now };
      this.buckets.set(category, bucket);
    }
    bucket.tokens = Math.min(spec.burst, bucket.tokens + ((now - bucket.at) * spec.perSecond) / 1000);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    // The epsilon keeps float dust (0.99 tokens reading as 0.98999…) from adding a whole ms.
    const waitMs = Math.max(1, Math.ceil(((1 - bucket.tokens) * 1000) / spec.perSecond - 1e-9));
    const p = this.paused.get(category) ?? { times: 0, ms: 0 };
    p.times++;
    p.ms += waitMs;
    this.paused.set(category, p);
    return waitMs;
  }
}
