// Per-peer token buckets, one per message category (PROTOCOL.md §5: each
// second spent over a rate limit costs 10). A message over its bucket is
// dropped and counted; the offence is charged at most once per second so a
// burst costs what the protocol says, not one charge per frame.
import type { MessageType } from '../wire/messages';

export type RateCategory = 'tx' | 'vote' | 'block' | 'get_blocks' | 'sync_answer' | 'get_peers' | 'masternode' | 'general';

export interface RateSpec {
  /** Tokens added per second. */
  perSecond: number;
  /** Bucket size: the burst a peer may send at once. */
  burst: number;
}

export type RateLimits = Record<RateCategory, RateSpec>;

/**
 * Defaults sized for a relay: well above what an honest peer sends on a busy
 * network (a few hundred txs/s, each bringing n votes), well below what
 * floods a Pi. Sync answers get their own, larger bucket.
 */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  tx: { perSecond: 1000, burst: 2000 },
  vote: { perSecond: 10_000, burst: 20_000 },
  block: { perSecond: 20, burst: 100 },
  get_blocks: { perSecond: 20, burst: 50 },
  sync_answer: { perSecond: 50, burst: 100 },
  get_peers: { perSecond: 1, burst: 10 },
  masternode: { perSecond: 200, burst: 1000 },
  general: { perSecond: 200, burst: 500 },
};

export const CATEGORY_OF: Record<MessageType, RateCategory> = {
  hello: 'general',
  auth: 'general',
  reject: 'general',
  ping: 'general',
  pong: 'general',
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
  private lastChargeAt = -Infinity;
  /** Messages dropped for being over a limit, by category. */
  readonly dropped = new Map<RateCategory, number>();

  constructor(private readonly limits: RateLimits) {}

  /**
   * Takes one token. Returns 'ok', 'drop' (over the limit, already charged
   * this second) or 'charge' (over the limit: drop and add to the score).
   */
  take(category: RateCategory, now: number): 'ok' | 'drop' | 'charge' {
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
      return 'ok';
    }
    this.dropped.set(category, (this.dropped.get(category) ?? 0) + 1);
    if (now - this.lastChargeAt < 1000) return 'drop';
    this.lastChargeAt = now;
    return 'charge';
  }
}
