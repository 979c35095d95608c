// Block sync (PROTOCOL.md §5): a node that learns a peer is higher asks it
// for ranges of ≤ 500 blocks from its own height + 1, validates them in
// order and stores them before asking for more. An unanswered request is
// asked of another peer. The old node never ran this and sat at height 0.
// The requests of a fork resolution (reorg.ts) go through here too, so one
// request is in flight at a time and each has its timeout.
import type { Logger } from '../base/log';
import type { PeerConnection } from '../net/peer-connection';
import type { PeerRegistry } from '../net/peer-registry';
import type { Scheduler, Task } from '../net/scheduler';
import { LIMITS } from '../wire/messages';

export interface SyncTimings {
  /** §5: a request unanswered this long is asked of another peer. */
  requestTimeoutMs: number;
  /** A peer that timed out or answered empty is not asked again for this long. */
  peerPenaltyMs: number;
  /** Progress lines at most this often. */
  progressEveryMs: number;
}

export const DEFAULT_SYNC_TIMINGS: SyncTimings = { requestTimeoutMs: 30_000, peerPenaltyMs: 60_000, progressEveryMs: 1_000 };

interface Request {
  peer: string;
  from: number;
  to: number;
  timer: Task;
}

/** What sync needs of the chain. */
export interface SyncTarget {
  height(): number;
  /** True while a fork resolution runs: it asks for its own ranges. */
  forking(): boolean;
  /** A request timed out: whoever made it gives up on that peer. */
  requestFailed(peerKey: string, why: string): void;
}

export class BlockSync {
  private inFlight: Request | undefined;
  /** Peers that timed out or had nothing, until when they are skipped. Bounded by the peer count: entries die with their connections. */
  private readonly penalised = new Map<string, number>();
  private lastProgressAt = 0;
  private progressStartHeight = 0;
  private progressStartAt = 0;
  private readonly log: Logger;

  constructor(
    private readonly chain: SyncTarget,
    private readonly registry: PeerRegistry,
    private readonly scheduler: Scheduler,
    private readonly timings: SyncTimings,
    log: Logger,
  ) {
    this.log = log.child('sync');
  }

  get requesting(): { peer: string; from: number; to: number } | undefined {
    const r = this.inFlight;
    return r && { peer: r.peer, from: r.from, to: r.to };
  }

  /** The highest height any established peer claims. */
  target(): number {
    let best = 0;
    for (const p of this.registry.all()) if (p.height > best) best = p.height;
    return best;
  }

  /** True while some peer claims more blocks than we have: producing now would fork. */
  behind(): boolean {
    return this.target() > this.chain.height();
  }

  /** Asks for the next range if we are behind and nothing is in flight. Call on any height news. */
  consider(): void {
    if (this.inFlight || this.chain.forking()) return;
    const height = this.chain.height();
    const peer = this.pickPeer(height);
    if (!peer) return;
    if (this.progressStartAt === 0) {
      this.progressStartAt = this.scheduler.now();
      this.progressStartHeight = height;
    }
    this.request(peer, height + 1, Math.min(peer.height, height + blocksPerRequest(peer)));
  }

  /** Sends get_blocks from..to to `peer` and arms its timeout; nothing else may be in flight. */
  request(peer: PeerConnection, from: number, to: number): void {
    if (this.inFlight) this.scheduler.cancel(this.inFlight.timer);
    const timer = this.scheduler.after(this.timings.requestTimeoutMs, () => this.timedOut());
    this.inFlight = { peer: peer.key, from, to, timer };
    peer.send({ type: 'get_blocks', from, to });
  }

  /**
   * A `blocks` answer arrived from `peer`: returns whether it answers the
   * request in flight (which then no longer is). One that starts elsewhere
   * answers an earlier request to the same peer.
   */
  settle(peer: PeerConnection, blocks: readonly { height: number }[]): boolean {
    const req = this.inFlight;
    if (!req || req.peer !== peer.key) return false;
    if (blocks.length > 0 && blocks[0]!.height !== req.from) return false;
    this.scheduler.cancel(req.timer);
    this.inFlight = undefined;
    return true;
  }

  /** The chain used `useful` blocks of an answer (`expected`: one we asked for); asks for more if need be. */
  afterAnswer(peer: PeerConnection, useful: number, expected: boolean): void {
    if (expected && useful === 0) this.penalise(peer.key, 'answered with no usable blocks');
    this.progress();
    this.consider();
  }

  /** Call after the chain has dropped whatever it did with this peer. */
  peerClosed(peer: PeerConnection): void {
    this.penalised.delete(peer.key);
    const req = this.inFlight;
    if (req && req.peer === peer.key) {
      this.scheduler.cancel(req.timer);
      this.inFlight = undefined;
    }
    this.consider();
  }

  private timedOut(): void {
    const req = this.inFlight;
    if (!req) return;
    this.inFlight = undefined;
    const why = `no answer to get_blocks ${req.from}..${req.to} in ${this.timings.requestTimeoutMs} ms`;
    this.penalise(req.peer, why);
    this.chain.requestFailed(req.peer, why);
    this.consider();
  }

  private penalise(ip: string, why: string): void {
    this.log.info(`asking another peer: ${ip} ${why}`);
    this.penalised.set(ip, this.scheduler.now() + this.timings.peerPenaltyMs);
  }

  private pickPeer(height: number): PeerConnection | undefined {
    const now = this.scheduler.now();
    let best: PeerConnection | undefined;
    for (const p of this.registry.all()) {
      if (p.height <= height) continue;
      if ((this.penalised.get(p.key) ?? 0) > now) continue;
      if (!best || p.height > best.height) best = p;
    }
    return best;
  }

  private progress(): void {
    const now = this.scheduler.now();
    const height = this.chain.height();
    const target = this.target();
    const done = height >= target;
    if (!done && now - this.lastProgressAt < this.timings.progressEveryMs) return;
    this.lastProgressAt = now;
    const seconds = Math.max(0.001, (now - this.progressStartAt) / 1000);
    const rate = (height - this.progressStartHeight) / seconds;
    this.log.info(done ? `synced to height ${height}` : `syncing: height ${height} / ${target}`, { blocksPerSec: Math.round(rate) });
    if (done) this.progressStartAt = 0;
  }
}

/** Blocks one `get_blocks` asks of `peer`: what fits one of a serial line's capped frames, or the §3 maximum. */
export function blocksPerRequest(peer: PeerConnection): number {
  return peer.line?.blocksPerRequest ?? LIMITS.blocksPerAnswer;
}
