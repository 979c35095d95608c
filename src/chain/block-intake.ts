// Every block that reaches the node from a peer — relayed in `block`, or in
// a `blocks` answer — is judged here against the rules of PROTOCOL.md §5
// (Blocks, Fork choice, Relay): it extends the tip, or loses (not relayed;
// logged as equivocation when its producer signed another block at that
// height), or reveals a better branch, which the fork resolver (reorg.ts)
// fetches and switches to. Each switch is one log line.
import type { Logger } from '../base/log';
import type { PeerConnection } from '../net/peer-connection';
import { equivocation, validateBlock, type ParentRef } from './block-rules';
import type { BlockStore } from './block-store';
import { branchWins } from './fork-choice';
import type { Genesis } from './genesis';
import { blockHash } from './layouts';
import { ForkResolver, type ChainSwitch } from './reorg';
import type { Relay } from './relay';
import { verifyBlockSig } from './signing';
import type { BlockSync } from './sync';
import type { Block } from './types';

export interface BlockIntakeDeps {
  genesis: Genesis;
  store: BlockStore;
  log: Logger;
  relay: Relay;
  now(): number;
  /** The sync that owns the request in flight (set once both exist). */
  sync(): BlockSync;
  /** Our block at `height` as a parent (0 is the genesis); undefined above our tip. */
  blockAt(height: number): ParentRef | undefined;
  /** Stores blocks that continue the tip. */
  append(blocks: Block[]): void;
  /** The store's chain changed under the tip (a switch): re-read it, claim the new blocks' txids. */
  replaced(ancestor: number): void;
  invalid(peer: PeerConnection, detail: string): void;
}

export interface IntakeStats {
  equivocations: number;
  switches: number;
  forksKept: number;
}

export class BlockIntake {
  readonly forks: ForkResolver;
  private readonly log: Logger;
  private equivocations = 0;

  constructor(private readonly deps: BlockIntakeDeps) {
    this.log = deps.log.child('chain');
    this.forks = new ForkResolver({
      genesis: deps.genesis,
      store: deps.store,
      log: deps.log,
      now: deps.now,
      blockAt: deps.blockAt,
      ask: (peer, from, to) => deps.sync().request(peer, from, to),
      invalid: deps.invalid,
      switched: (change) => this.switched(change),
    });
  }

  stats(): IntakeStats {
    return { equivocations: this.equivocations, switches: this.forks.counts.switches, forksKept: this.forks.counts.kept };
  }

  onBlock(peer: PeerConnection, block: Block): void {
    const tip = this.tip();
    if (block.height === tip.height + 1) {
      const verdict = validateBlock(block, tip, this.deps.genesis, this.deps.now());
      if (verdict.ok) {
        this.deps.append([block]);
        this.deps.relay.relay({ type: 'block', block }, verdict.hash, peer.key);
      } else if (verdict.rule === 'prev' && tip.height > 0) {
        // A longer chain that does not continue ours: find where it forked off (started
        // before the height is noted, so that sync leaves the asking to the resolution).
        if (!this.signedByMasternode(peer, block)) return;
        this.forks.start(peer, `its block ${block.height} does not follow our tip`, { trigger: block });
      } else {
        return this.deps.invalid(peer, `block ${block.height}: ${verdict.reason}`);
      }
    } else if (block.height <= tip.height && block.height > 0) {
      this.rival(peer, block, tip);
    }
    // Noted only now: a block just stored does not make its sender higher than us (§5 Sync), so
    // it must not start a get_blocks for that very block, whose answer would count as useless and
    // penalise an honest peer. Higher than tip + 1: sync (triggered by noteHeight) fetches the gap.
    if (block.height > peer.height) peer.noteHeight(block.height);
  }

  /** A `blocks` answer: to the fork resolution under way with this peer, or sync's, extending the tip. */
  onBlocks(peer: PeerConnection, blocks: readonly Block[]): void {
    const sync = this.deps.sync();
    const answer = sync.settle(peer, blocks);
    if (answer === 'stale') return;
    const expected = answer === 'expected';
    const useful = expected && this.forks.isWith(peer) ? this.forks.onAnswer(peer, blocks) : this.extend(peer, blocks);
    sync.afterAnswer(peer, useful, expected);
  }

  /** A peer told its height or tip (hello, ping, pong): a tip at our height that is not ours is another branch. */
  heightSeen(peer: PeerConnection | undefined): void {
    const tip = this.tip();
    const hello = peer?.hello;
    if (
      peer &&
      hello &&
      !this.forks.busy &&
      tip.height > 0 &&
      peer.height === tip.height &&
      hello.height === tip.height &&
      !hello.tip.equals(tip.hash) &&
      !this.forks.hasLost(peer, hello.tip)
    ) {
      this.forks.start(peer, `its hello names tip ${hex(hello.tip).slice(0, 16)} at our height ${tip.height}`);
    }
    this.deps.sync().consider();
  }

  peerClosed(peer: PeerConnection): void {
    this.forks.peerClosed(peer);
  }

  requestFailed(peerKey: string, why: string): void {
    this.forks.abandon(peerKey, why);
  }

  /** Blocks of a sync answer from our height + 1: stored, not relayed (§5), but remembered so a late announcement is not relayed either. */
  private extend(peer: PeerConnection, blocks: readonly Block[]): number {
    const accepted: Block[] = [];
    let parent = this.tip();
    // An answer that starts above our tip + 1 leaves a gap: the answer to a range sync asked
    // ahead and then let go (sync.ts), not an offence; it is simply of no use.
    if (blocks.length > 0 && blocks[0]!.height > parent.height + 1) return 0;
    for (const block of blocks) {
      if (block.height <= parent.height) continue; // overlap with what we already have
      const verdict = validateBlock(block, parent, this.deps.genesis, this.deps.now());
      if (!verdict.ok) {
        if (verdict.rule === 'prev' && accepted.length === 0 && parent.height > 0) {
          this.forks.start(peer, `its block ${block.height} does not follow our tip`, { afterSyncMiss: true });
          return blocks.length;
        }
        this.deps.invalid(peer, `synced block ${block.height}: ${verdict.reason}`);
        break;
      }
      accepted.push(block);
      parent = { height: block.height, hash: verdict.hash, time: block.time };
    }
    if (accepted.length > 0) {
      this.deps.append(accepted);
      for (const block of accepted) this.deps.relay.remember('block', blockHash(block));
    }
    return accepted.length;
  }

  /** A block at a height we hold: the same, a sibling that wins or loses, or the sign of another branch. */
  private rival(peer: PeerConnection, block: Block, tip: ParentRef): void {
    const stored = this.deps.store.get(block.height);
    if (!stored) return;
    const storedHash = blockHash(stored);
    const parent = this.deps.blockAt(block.height - 1);
    if (!parent) return;
    if (!block.prev.equals(parent.hash)) {
      // Its parent is not ours: at our height that is a rival branch as long as ours.
      if (block.height === tip.height && !this.forks.hasLost(peer, blockHash(block)) && this.signedByMasternode(peer, block)) {
        this.forks.start(peer, `its block ${block.height} is on another branch`, { trigger: block });
      }
      return;
    }
    const verdict = validateBlock(block, parent, this.deps.genesis, this.deps.now());
    if (!verdict.ok) return this.deps.invalid(peer, `block ${block.height}: ${verdict.reason}`);
    if (verdict.hash.equals(storedHash)) return;
    const wins =
      block.height === tip.height &&
      branchWins({ height: block.height, firstAfterAncestor: verdict.hash }, { height: tip.height, firstAfterAncestor: storedHash });
    if (equivocation(stored, block)) {
      this.equivocations++;
      this.log.warn(
        `equivocation at height ${block.height}: ${wins ? 'replaced' : 'kept'} ${hex(storedHash)}, ${wins ? 'by' : 'refused'} ${hex(verdict.hash)}`,
        { producer: hex(block.producer), from: peer.key },
      );
    }
    if (!wins) return; // a valid block that loses is not relayed (§5)
    try {
      const stage = this.deps.store.beginBranch(block.height - 1);
      stage.append([block]);
      this.deps.store.replaceWith(stage);
    } catch (err) {
      this.log.error(`could not switch to block ${block.height} ${hex(verdict.hash)}: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    this.switched({ peer, oldTip: tip, ancestor: block.height - 1, depth: 1, trigger: block });
  }

  private switched(change: ChainSwitch): void {
    // The block that made us switch is relayed like any new block (§5); before the
    // branch's hashes are remembered, which would stop it as a duplicate.
    const trigger = change.trigger;
    if (trigger) {
      const hash = blockHash(trigger);
      if (this.deps.blockAt(trigger.height)?.hash.equals(hash)) this.deps.relay.relay({ type: 'block', block: trigger }, hash, change.peer.key);
    }
    this.deps.replaced(change.ancestor);
    const tip = this.tip();
    this.log.info(
      `switched chains: old tip ${change.oldTip.height} ${hex(change.oldTip.hash).slice(0, 16)}, new tip ${tip.height} ${hex(tip.hash).slice(0, 16)}, ` +
        `ancestor ${change.ancestor}, depth ${change.depth}`,
      { from: change.peer.key },
    );
    this.deps.sync().consider();
  }

  /**
   * What can be checked of a block whose parent we do not hold: a masternode
   * signed it. Fetching a branch costs requests, so a block that fails this
   * is scored instead of being followed.
   */
  private signedByMasternode(peer: PeerConnection, block: Block): boolean {
    const member = this.deps.genesis.schedule.some((k) => k.equals(block.producer));
    if (member && verifyBlockSig(block)) return true;
    this.deps.invalid(peer, `block ${block.height}: ${member ? 'its signature does not verify' : `producer ${hex(block.producer).slice(0, 8)}… is not a masternode`}`);
    return false;
  }

  private tip(): ParentRef {
    return this.deps.blockAt(this.deps.store.height)!;
  }
}

function hex(b: Buffer): string {
  return b.toString('hex');
}
