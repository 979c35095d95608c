// The bounds of the tx pool and of its finality memory, each with what
// forgetting past it costs (PROTOCOL.md §5 "Votes and finality"); the memory
// budget (base/budget.ts) sets them from --max-memory.
import { MAX_TX_BYTES } from './tx-sanity';

export interface TxPoolLimits {
  /** Unfinalized txs held; past it the oldest is evicted (its locks released, so a later tx spending the same input is no longer a conflict here). */
  maxTxs: number;
  /** Bytes of unfinalized txs held (see `txBytes`); enforced like `maxTxs`. */
  maxBytes: number;
  /**
   * Finalized txids remembered. A forgotten one is new again: its tx would be
   * pooled again (unless `spent` still names it) and a proof for it accepted
   * and relayed again, and it would be offered to a block again, so the block
   * layer must not list a txid its chain already holds. An unclaimed txid
   * forgotten here is never offered to a block: at 10,000 txids a block, that
   * takes blocks falling behind finality by five full blocks.
   */
  maxFinalizedRemembered: number;
  /**
   * Outpoints remembered as spent by a final tx. A forgotten one can be
   * spent again as far as this node can tell: masternodes that forgot it too
   * would vote for the second spend. There is no UTXO set in TNP/1, so this
   * memory is the only double-spend guard after a tx leaves the pool.
   */
  maxSpentRemembered: number;
  /** How far ahead of `now` a tx's `time` may be; beyond it the tx is invalid (a clock that far off is a broken sender). */
  maxFutureMs: number;
  /**
   * Votes held for txs not (yet) in the pool: votes race their tx across the
   * network. Past it the oldest txid's votes are all dropped; if that tx
   * arrives later its votes must arrive again (or its proof) to finalize it.
   */
  maxPendingVotes: number;
  /**
   * (txid, own key) pairs this node has voted on. A forgotten pair lets
   * `voteFor` vote again for a tx evicted and received again, and that second
   * vote may differ (the conflict may have changed): peers would see it as
   * equivocation. Kept as long as finalized txids.
   */
  maxOwnVotesRemembered: number;
}

export const DEFAULT_TX_POOL_LIMITS: TxPoolLimits = {
  maxTxs: 10_000,
  maxBytes: 8 * 1024 * 1024,
  maxFinalizedRemembered: 50_000,
  maxSpentRemembered: 200_000,
  maxFutureMs: 60_000,
  maxPendingVotes: 16_384,
  maxOwnVotesRemembered: 50_000,
};

export function validateLimits(limits: TxPoolLimits): void {
  for (const [name, value] of Object.entries(limits)) {
    const least = name === 'maxFutureMs' ? 0 : 1;
    if (!Number.isSafeInteger(value) || value < least) throw new RangeError(`TxPool limit ${name} must be an integer ≥ ${least}, got ${value}`);
  }
  if (limits.maxBytes < MAX_TX_BYTES) {
    throw new RangeError(`TxPool limit maxBytes must be ≥ ${MAX_TX_BYTES} (the largest valid tx), got ${limits.maxBytes}`);
  }
}

