// Votes that overtook their tx (§5 relays votes and txs independently): held
// by txid until the tx arrives or finalizes, at most maxVotes in all, the
// oldest txid's votes making room first, and aged out with the pool. They
// cannot hold a quorum: reaching one finalizes the txid at once.
import type { Vote } from './types';

export interface VoteSet {
  /** By voter hex: one vote per masternode per tx. */
  readonly votes: Map<string, Vote>;
  accepts: number;
}

interface HeldVotes extends VoteSet {
  /** When the first vote came, for age eviction. */
  readonly since: number;
}

export class EarlyVotes {
  /** Oldest txid first (insertion order). */
  private readonly byTxid = new Map<string, HeldVotes>();
  private count = 0;

  constructor(private readonly maxVotes: number) {}

  /** Votes held, over all txids. */
  get size(): number {
    return this.count;
  }

  get(key: string): VoteSet | undefined {
    return this.byTxid.get(key);
  }

  /** Holds `vote` (by `voter` hex) for `key`, the oldest txids' votes making room first; returns the txid's set. */
  add(key: string, voter: string, vote: Vote, now: number): VoteSet {
    let set = this.byTxid.get(key);
    // Terminates: a positive count means the map is not empty.
    for (const [oldKey, old] of this.byTxid) {
      if (this.count < this.maxVotes) break;
      this.byTxid.delete(oldKey);
      this.count -= old.votes.size;
      if (oldKey === key) set = undefined;
    }
    if (set === undefined) {
      set = { votes: new Map(), accepts: 0, since: now };
      this.byTxid.set(key, set);
    }
    set.votes.set(voter, vote);
    this.count++;
    return set;
  }

  /** Removes and returns the votes for `key`: its tx arrived, or it is final. */
  take(key: string): VoteSet | undefined {
    const set = this.byTxid.get(key);
    if (set === undefined) return undefined;
    this.byTxid.delete(key);
    this.count -= set.votes.size;
    return set;
  }

  /** Drops the sets whose first vote is older than maxAgeMs. */
  evict(now: number, maxAgeMs: number): void {
    for (const [key, set] of this.byTxid) {
      if (now - set.since <= maxAgeMs) break;
      this.byTxid.delete(key);
      this.count -= set.votes.size;
    }
  }
}
