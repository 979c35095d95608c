// Block production on the schedule of PROTOCOL.md §5: the node wakes at its
// next slot for the height above its tip and, if the tip has not moved and
// no peer is ahead of it, signs and stores a block of the final txs not yet
// in one. Any tip change re-plans the wake-up.
import type { KeyPair } from '../crypto';
import type { Scheduler, Task } from '../net/scheduler';
import { nextSlotFor } from './block-rules';
import type { Genesis } from './genesis';
import { signBlock } from './signing';
import type { Block } from './types';
import { LIMITS } from '../wire/messages';

export interface ProducerChain {
  tip(): { height: number; hash: Buffer; time: number };
  /** True when a peer is higher: we would only fork by producing. */
  behind(): boolean;
  finalTxidsForBlock(max: number): Buffer[];
  /** Validates, stores and relays our own block. */
  produced(block: Block): void;
}

export class BlockProducer {
  private wake: Task | undefined;
  private stopped = false;

  constructor(
    private readonly keys: KeyPair,
    private readonly genesis: Genesis,
    private readonly scheduler: Scheduler,
    private readonly chain: ProducerChain,
  ) {}

  /** (Re)plans the next slot; call at start and whenever the tip changes. */
  plan(): void {
    this.scheduler.cancel(this.wake);
    if (this.stopped) return;
    const tip = this.chain.tip();
    const slot = nextSlotFor(this.keys.publicKey, tip, this.genesis, this.scheduler.now());
    if (!slot) return;
    this.wake = this.scheduler.after(slot.time - this.scheduler.now(), () => this.produce(tip.hash));
  }

  stop(): void {
    this.stopped = true;
    this.scheduler.cancel(this.wake);
  }

  private produce(plannedOn: Buffer): void {
    const tip = this.chain.tip();
    if (!tip.hash.equals(plannedOn)) return this.plan();
    if (this.chain.behind()) {
      // Wait for sync; the next tip change plans again. Re-check later in case no block comes,
      // at our next own slot: by then this one has passed, and a block now would name the wrong producer.
      this.wake = this.scheduler.after(this.genesis.interval, () => this.plan());
      return;
    }
    const block = signBlock(this.keys, {
      height: tip.height + 1,
      prev: tip.hash,
      time: Math.max(this.scheduler.now(), tip.time + this.genesis.interval),
      txids: this.chain.finalTxidsForBlock(LIMITS.blockTxids),
    });
    this.chain.produced(block);
  }
}
