// What the pool remembers once a tx is final (PROTOCOL.md §5 "Votes and
// finality"): final txids, the outpoints they spent (the only double-spend
// guard after a tx leaves the pool: TNP/1 has no UTXO set), and which final
// txids no block has listed yet. Each memory is bounded; what forgetting
// costs is written beside its bound in TxPoolLimits.
import { OldestFirst } from './forget-oldest';
import { ownCopy } from './own-copy';
import type { TxPoolLimits } from './tx-pool-limits';
import { txKey } from './id-keys';
import { outpointKey } from './tx-sanity';
import type { TxInput } from './types';

export class FinalityMemory {
  /** Finalized txids by txKey, oldest first. A string: a kept 32-byte Buffer would pin the 8 KB pool slab it was cut from. */
  private readonly finalized = new Set<string>();
  /** Finalized txids no block has listed yet, oldest first; always a subset of `finalized`. Own copies, for the same reason. */
  private readonly unclaimed = new Map<string, Buffer>();
  /** Txids a block listed before this node saw them final, so that finality later does not offer them to a block twice. */
  private readonly claimedAhead = new Set<string>();
  /** Outpoint key → txKey of the final tx that spent it, oldest first. */
  private readonly spent = new Map<string, string>();
  private readonly finalizedOrder = new OldestFirst(this.finalized);
  private readonly claimedAheadOrder = new OldestFirst(this.claimedAhead);
  private readonly spentOrder = new OldestFirst(this.spent);
  /** Txs finalized since start, forgotten ones included. */
  total = 0;

  constructor(private readonly limits: Pick<TxPoolLimits, 'maxFinalizedRemembered' | 'maxSpentRemembered'>) {}

  has(key: string): boolean {
    return this.finalized.has(key);
  }

  /** Records txid (`key`, its txKey) as final. */
  record(key: string, txid: Buffer): void {
    this.finalized.add(key);
    this.total++;
    if (this.claimedAhead.has(key)) this.claimedAhead.delete(key);
    else this.unclaimed.set(key, ownCopy(txid));
    this.finalizedOrder.forgetTo(this.limits.maxFinalizedRemembered, (k) => this.unclaimed.delete(k));
  }

  /** Records a final tx's inputs as spent by it. The first final spend of an outpoint stays recorded. */
  markSpent(key: string, inputs: TxInput[]): void {
    for (const input of inputs) {
      const o = outpointKey(input);
      if (!this.spent.has(o)) this.spent.set(o, key);
    }
    this.spentOrder.forgetTo(this.limits.maxSpentRemembered);
  }

  /** The txKey of the final tx that spent outpoint key `o`, if remembered. */
  spentBy(o: string): string | undefined {
    return this.spent.get(o);
  }

  /** The first input of `inputs` that a final tx other than `key` spent, if any. */
  spentByOther(key: string, inputs: TxInput[]): { input: string; by: string } | undefined {
    for (const input of inputs) {
      const o = outpointKey(input);
      const by = this.spent.get(o);
      if (by !== undefined && by !== key) return { input: o, by };
    }
    return undefined;
  }

  /** Finalized txids not yet claimed by a block, oldest first, up to max. */
  unclaimedFinal(max: number): Buffer[] {
    const out: Buffer[] = [];
    for (const txid of this.unclaimed.values()) {
      if (out.length >= max) break;
      out.push(txid);
    }
    return out;
  }

  /**
   * A block listed these txids: they no longer need to go into a block. A
   * txid not final here yet is remembered, so that its finality later does
   * not offer it to a block a second time.
   */
  claimed(txids: Buffer[]): void {
    for (const txid of txids) {
      const key = txKey(txid);
      if (this.finalized.has(key)) {
        this.unclaimed.delete(key);
      } else {
        this.claimedAhead.add(key);
        this.claimedAheadOrder.forgetTo(this.limits.maxFinalizedRemembered);
      }
    }
  }

  get sizes(): { finalized: number; spent: number; unclaimed: number } {
    return { finalized: this.finalized.size, spent: this.spent.size, unclaimed: this.unclaimed.size };
  }
}
