// The per-peer rate limits of PROTOCOL.md §5 "Fairness and backpressure" as
// configuration: one bucket per message category. net/rate-limit.ts paces
// reads with them.
export type RateCategory = 'tx' | 'vote' | 'block' | 'get_blocks' | 'sync_answer' | 'get_peers' | 'masternode' | 'ping' | 'general';

export interface RateSpec {
  /** Tokens added per second. */
  perSecond: number;
  /** Bucket size: the burst a peer may send at once. */
  burst: number;
}

export type RateLimits = Record<RateCategory, RateSpec>;

/**
 * Pacing, not policing: since nothing is lost by going over, the limits only
 * need to stop one peer from making the node do unbounded work per second.
 * Gossip buckets sit above what the node can verify (~17k sigs/s on a
 * 2-core board), so only the turn-by-turn fairness of the loop decides
 * their share; requests that make the node write large answers (get_blocks,
 * get_peers) are paced hard.
 */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  tx: { perSecond: 50_000, burst: 50_000 },
  vote: { perSecond: 100_000, burst: 100_000 },
  block: { perSecond: 200, burst: 500 },
  get_blocks: { perSecond: 20, burst: 50 },
  sync_answer: { perSecond: 50, burst: 100 },
  get_peers: { perSecond: 1, burst: 10 },
  masternode: { perSecond: 2_000, burst: 5_000 },
  ping: { perSecond: 20_000, burst: 20_000 },
  general: { perSecond: 1_000, burst: 2_000 },
};

