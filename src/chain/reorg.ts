// Resolving a fork with one peer (PROTOCOL.md §5 Fork choice): the ancestor
// search (ask from our height, then − 1, − 2, − 4 … down to 1 until the
// peer's first block connects), the branch fetched and validated range by
// range from the ancestor and staged on disk (block-store-reorg.ts, so only
// one answer is in memory), and the switch once the branch wins by the rule
// of fork-choice.ts. One resolution runs at a time; its requests go through
// block sync, which times them out.
import type { Logger } from '../base/log';
import type { PeerConnection } from '../net/peer-connection';
import { validateBlock, type ParentRef } from './block-rules';
import { BlockStoreError, type BlockStore, type BranchStage } from './block-store';
import { branchWins, nextSearchStep, searchFrom } from './fork-choice';
import type { Genesis } from './genesis';
import { blocksPerRequest } from './sync';
import { blockHash } from './layouts';
import type { Block } from './types';

export interface ReorgDeps {
  genesis: Genesis;
  store: BlockStore;
  log: Logger;
  now(): number;
  /** Our block at `height` as a parent (0 is the genesis); undefined above our tip. */
  blockAt(height: number): ParentRef | undefined;
  /** Sends get_blocks to the peer (block sync owns the one request in flight and its timeout). */
  ask(peer: PeerConnection, from: number, to: number): void;
  /** The peer offered a block that breaks a rule: scored as an invalid object. */
  invalid(peer: PeerConnection, detail: string): void;
  /** The store now holds the winning branch. */
  switched(change: ChainSwitch): void;
}

export interface ChainSwitch {
  peer: PeerConnection;
  oldTip: ParentRef;
  ancestor: number;
  /** Our blocks replaced: old height − ancestor. */
  depth: number;
  /** The `block` message that revealed the fork, if one did: relayed if it is now in our chain. */
  trigger: Block | undefined;
}

type State =
  /** Looking for the ancestor: last asked from searchFrom(height, step). */
  | { kind: 'search'; height: number; step: number }
  /** Fetching the branch above `ancestor`, staged so far up to `tip`. */
  | { kind: 'fetch'; ancestor: number; stage: BranchStage; tip: ParentRef; first: Buffer };

interface Resolution {
  peer: PeerConnection;
  state: State;
  trigger: Block | undefined;
}

export class ForkResolver {
  private active: Resolution | undefined;
  /** Peer → the tip of its branch that lost; not fetched again while it stays there. Entries die with the connection. */
  private readonly lost = new Map<string, string>();
  private readonly log: Logger;
  /** Resolutions that ended in a switch, and in keeping our chain. */
  readonly counts = { switches: 0, kept: 0 };

  constructor(private readonly deps: ReorgDeps) {
    this.log = deps.log.child('fork');
  }

  get busy(): boolean {
    return this.active !== undefined;
  }

  isWith(peer: PeerConnection): boolean {
    return this.active?.peer === peer;
  }

  /** True when the branch ending at `tip` already lost against our chain. */
  hasLost(peer: PeerConnection, tip: Buffer): boolean {
    return this.lost.get(peer.key) === tip.toString('hex');
  }

  /**
   * Starts resolving with `peer`, whose chain does not continue ours. After
   * a sync answer from our height + 1 that did not connect, the search asks
   * from our height − 1 first; otherwise (a tip or block at our height)
   * from our height. Returns false when a resolution is already running.
   */
  start(peer: PeerConnection, why: string, opts: { afterSyncMiss?: boolean; trigger?: Block } = {}): boolean {
    if (this.active) return false;
    const height = this.height();
    const step = opts.afterSyncMiss && height > 1 ? 1 : 0;
    this.active = { peer, state: { kind: 'search', height, step }, trigger: opts.trigger };
    this.log.info(`${peer.key} is on another branch (${why}): looking for the common ancestor`, { height });
    this.askSearch(this.active, height, step);
    return true;
  }

  /** A `blocks` answer from the peer we resolve with. Returns how many blocks were of use (0 penalises the peer in sync). */
  onAnswer(peer: PeerConnection, blocks: readonly Block[]): number {
    const r = this.active;
    if (!r || r.peer !== peer) return 0;
    return r.state.kind === 'search' ? this.onSearchAnswer(r, r.state, blocks) : this.onBranchAnswer(r, r.state, blocks);
  }

  /** The request in flight failed (timeout) or the peer left: the resolution ends, our chain stays. */
  abandon(peerKey: string, why: string): void {
    if (this.active?.peer.key !== peerKey) return;
    this.end(`gave up on ${peerKey}: ${why}`);
  }

  peerClosed(peer: PeerConnection): void {
    this.lost.delete(peer.key);
    if (this.active?.peer === peer) this.end(`${peer.key} closed`);
  }

  private onSearchAnswer(r: Resolution, s: Extract<State, { kind: 'search' }>, blocks: readonly Block[]): number {
    const from = searchFrom(s.height, s.step);
    const first = blocks[0];
    if (!first) {
      this.end(`${r.peer.key} has no blocks from ${from}`);
      return 0;
    }
    if (first.height !== from) {
      this.deps.invalid(r.peer, `blocks answer to get_blocks from ${from} starts at height ${first.height}`);
      this.end('its answer did not start where asked');
      return 0;
    }
    const parent = this.deps.blockAt(from - 1);
    if (!parent) {
      this.end(`our chain no longer reaches height ${from - 1}`);
      return 0;
    }
    if (!first.prev.equals(parent.hash)) {
      const step = nextSearchStep(s.height, s.step);
      if (step === undefined) {
        this.deps.invalid(r.peer, `no block of its chain connects to ours: its block 1 does not follow the genesis`);
        this.end('no common ancestor');
        return 0;
      }
      s.step = step;
      this.askSearch(r, s.height, step);
      return blocks.length;
    }
    // The first block connects: skip what we share, the rest is the branch.
    const height = this.height();
    let i = 0;
    while (i < blocks.length && blocks[i]!.height <= height && blockHash(blocks[i]!).equals(this.deps.blockAt(blocks[i]!.height)!.hash)) i++;
    const ancestor = from - 1 + i;
    if (i === blocks.length) {
      const last = blocks[blocks.length - 1]!.height;
      if (last >= height || last >= r.peer.height) {
        // Its chain holds ours (sync extends it) or ends inside ours: no fork.
        this.end(`${r.peer.key}'s chain and ours agree up to height ${last}`);
        return blocks.length;
      }
      s.height = last + 1;
      s.step = 0;
      this.askSearch(r, s.height, 0);
      return blocks.length;
    }
    let stage: BranchStage;
    try {
      stage = this.deps.store.beginBranch(ancestor);
    } catch (err) {
      this.end(`cannot stage a branch: ${describe(err)}`);
      return 0;
    }
    const state: State = { kind: 'fetch', ancestor, stage, tip: this.deps.blockAt(ancestor)!, first: blockHash(blocks[i]!) };
    r.state = state;
    return this.onBranchAnswer(r, state, blocks.slice(i));
  }

  private onBranchAnswer(r: Resolution, f: Extract<State, { kind: 'fetch' }>, blocks: readonly Block[]): number {
    const valid: Block[] = [];
    let tip = f.tip;
    for (const block of blocks) {
      if (block.height <= tip.height) continue;
      const verdict = validateBlock(block, tip, this.deps.genesis, this.deps.now());
      if (!verdict.ok) {
        if (verdict.rule === 'prev' && valid.length === 0 && f.stage.blocks > 0) {
          // Its chain moved between two of our requests: not an offence; ask again later.
          this.end(`${r.peer.key} changed its chain while we fetched it`);
          return 0;
        }
        this.deps.invalid(r.peer, `branch block ${block.height} above the ancestor ${f.ancestor}: ${verdict.reason}`);
        this.end('its branch does not validate');
        return 0;
      }
      valid.push(block);
      tip = { height: block.height, hash: verdict.hash, time: block.time };
    }
    if (valid.length > 0) {
      try {
        f.stage.append(valid);
      } catch (err) {
        this.end(`cannot stage its branch: ${describe(err)}`);
        return 0;
      }
      f.tip = tip;
    }
    const height = this.height();
    const ours = { height, firstAfterAncestor: this.deps.blockAt(f.ancestor + 1)?.hash };
    const branch = { height: f.tip.height, firstAfterAncestor: f.first };
    if (branch.height > height) return this.switchTo(r, f), valid.length;
    if (valid.length > 0 && r.peer.height > f.tip.height) {
      // Not longer yet, and the peer has more: the next range.
      this.deps.ask(r.peer, f.tip.height + 1, Math.min(r.peer.height, f.tip.height + blocksPerRequest(r.peer)));
      return valid.length;
    }
    if (branchWins(branch, ours)) this.switchTo(r, f);
    else {
      this.lost.set(r.peer.key, f.tip.hash.toString('hex'));
      this.counts.kept++;
      this.end(
        `kept our chain (height ${height}) over ${r.peer.key}'s branch above ${f.ancestor} (height ${branch.height}, first block ${hex(f.first)}${
          ours.firstAfterAncestor ? ` vs ours ${hex(ours.firstAfterAncestor)}` : ''
        })`,
      );
    }
    return Math.max(1, valid.length);
  }

  private switchTo(r: Resolution, f: Extract<State, { kind: 'fetch' }>): void {
    const oldTip = this.deps.blockAt(this.height())!;
    try {
      this.deps.store.replaceWith(f.stage);
    } catch (err) {
      this.log.error(`could not switch to ${r.peer.key}'s branch above ${f.ancestor}: ${describe(err)}`);
      this.active = undefined;
      return;
    }
    this.active = undefined;
    this.counts.switches++;
    this.deps.switched({ peer: r.peer, oldTip, ancestor: f.ancestor, depth: oldTip.height - f.ancestor, trigger: r.trigger });
  }

  private askSearch(r: Resolution, height: number, step: number): void {
    const from = searchFrom(height, step);
    this.deps.ask(r.peer, from, Math.max(from, Math.min(r.peer.height, from + blocksPerRequest(r.peer) - 1)));
  }

  private end(why: string): void {
    const r = this.active;
    if (!r) return;
    if (r.state.kind === 'fetch') r.state.stage.abandon();
    this.active = undefined;
    this.log.info(why);
  }

  private height(): number {
    return this.deps.store.height;
  }
}

function hex(b: Buffer): string {
  return b.toString('hex', 0, 8);
}

function describe(err: unknown): string {
  return err instanceof BlockStoreError || err instanceof Error ? err.message : String(err);
}
