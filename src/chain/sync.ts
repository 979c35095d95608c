// Block sync (PROTOCOL.md §5): a node that learns a peer is higher asks it
// for ranges of ≤ 500 blocks from its own height + 1, validates them in
// order and stores them. An unanswered request is asked of another peer.
// The old node never ran this and sat at height 0.
//
// "It may keep the next request in flight" (§5): over TCP the next ranges
// are asked of the same peer before the answers to the earlier ones have
// been handled (SYNC_DEPTH at once), so the peer reads and sends while we
// verify and store. One request at a time left both sides idle in turn.
// A range asked ahead assumes the answers before it are whole; when the
// chain ends up elsewhere (a short answer, an invalid block, a fork), the
// ranges asked ahead are marked stale and their answers dropped when they
// come: a peer answers in order, and none of this is its fault. A fork
// resolution (reorg.ts) asks its own ranges through here, one at a time.
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

/**
 * A sync at least this long starts the verify workers; a shorter one is
 * verified on the main thread. A worker takes 70 ms to boot on an idle core
 * and ~170 ms beside a sync (some 2 000 blocks of inline verification), and
 * competes for a core meanwhile. Measured on two cores (the serving node on
 * the same machine): 5 000 blocks, 12.7-13.1k blocks/s inline against
 * 9.6-10.4k with a worker started at the first answer; 20 000 blocks, 14k
 * inline against 16.5-17k.
 */
export const SYNC_BLOCKS_FOR_WORKERS = 10_000;

/** Ranges asked of one TCP peer at once; a serial line gets one (each answer may hold the line for seconds). */
export const SYNC_DEPTH = 2;

/**
 * Stale requests kept to recognise their answers. A peer that answers out of
 * order (skipping the ranges that went stale) would otherwise leave two more
 * behind at every short answer, each for a request timeout; beyond this the
 * oldest is forgotten, and its answer, if it comes, is one we did not ask for.
 */
export const MAX_STALE_REQUESTS = 4 * SYNC_DEPTH;

interface Request {
  peer: string;
  from: number;
  to: number;
  /** Its timeout; a stale request's only forgets it. */
  timer: Task;
  /** No longer wanted (the chain went elsewhere): its answer is dropped when it comes. */
  stale: boolean;
}

/** What an answer was to sync: one it wants, one asked ahead and since dropped, or one it did not ask for. */
export type AnswerKind = 'expected' | 'stale' | 'unexpected';

/** What sync needs of the chain. */
export interface SyncTarget {
  height(): number;
  /** True while a fork resolution runs: it asks for its own ranges. */
  forking(): boolean;
  /** A request timed out: whoever made it gives up on that peer. */
  requestFailed(peerKey: string, why: string): void;
}

export class BlockSync {
  /** Requests not yet answered, oldest first (a peer answers in order): at most SYNC_DEPTH live, and MAX_STALE_REQUESTS stale ones that die by their timeout. */
  private readonly asked: Request[] = [];
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

  /** Requests awaiting an answer, stale ones included: at most SYNC_DEPTH live and MAX_STALE_REQUESTS stale. */
  get trackedRequests(): number {
    return this.asked.length;
  }

  get requesting(): { peer: string; from: number; to: number } | undefined {
    const r = this.asked.find((q) => !q.stale);
    return r && { peer: r.peer, from: r.from, to: r.to };
  }

  /** The highest height any established peer claims. */
  target(): number {
    let best = 0;
    for (const p of this.registry.all()) if (p.height > best) best = p.height;
    return best;
  }

  /** Blocks between our height and the highest a peer claims (0 when we are not behind). */
  remaining(): number {
    return Math.max(0, this.target() - this.chain.height());
  }

  /** True while some peer claims more blocks than we have: producing now would fork. */
  behind(): boolean {
    return this.remaining() > 0;
  }

  /** Asks for the next ranges if we are behind, up to SYNC_DEPTH in flight. Call on any height news. */
  consider(): void {
    if (this.chain.forking()) return;
    while (this.askNext());
  }

  /** Sends get_blocks from..to to `peer` (a fork resolution's request): whatever sync had asked is no longer wanted. */
  request(peer: PeerConnection, from: number, to: number): void {
    this.dropLive();
    this.send(peer, from, to);
  }

  /**
   * A `blocks` answer arrived from `peer`: whether it answers our oldest
   * request to that peer (which then no longer waits). One that starts
   * elsewhere answers something we no longer track.
   */
  settle(peer: PeerConnection, blocks: readonly { height: number }[]): AnswerKind {
    const i = this.asked.findIndex((r) => r.peer === peer.key);
    const req = this.asked[i];
    if (req === undefined) return 'unexpected';
    if (blocks.length > 0 && blocks[0]!.height !== req.from) return 'unexpected';
    this.asked.splice(i, 1);
    this.scheduler.cancel(req.timer);
    return req.stale ? 'stale' : 'expected';
  }

  /** The chain used `useful` blocks of an answer (`expected`: one we asked for); asks for more if need be. */
  afterAnswer(peer: PeerConnection, useful: number, expected: boolean): void {
    if (expected && useful === 0) this.penalise(peer.key, 'answered with no usable blocks');
    // A range sync asked ahead assumed this answer would take us to its start (a fork
    // resolution's request, when one runs, is its own business).
    const next = this.asked.find((r) => !r.stale);
    if (next && !this.chain.forking() && next.from !== this.chain.height() + 1) this.dropLive();
    this.progress();
    this.consider();
  }

  /** Call after the chain has dropped whatever it did with this peer. */
  peerClosed(peer: PeerConnection): void {
    this.penalised.delete(peer.key);
    for (let i = this.asked.length - 1; i >= 0; i--) {
      const r = this.asked[i]!;
      if (r.peer !== peer.key) continue;
      this.scheduler.cancel(r.timer);
      this.asked.splice(i, 1);
    }
    this.consider();
  }

  /** One more range, if one is wanted and allowed: from our height + 1, or after the last one asked. */
  private askNext(): boolean {
    let last: Request | undefined;
    let live = 0;
    for (const r of this.asked) {
      if (r.stale) continue;
      last = r;
      live++;
    }
    const height = this.chain.height();
    const peer = last ? this.registry.get(last.peer) : this.pickPeer(height);
    if (!peer) return false;
    const from = last ? last.to + 1 : height + 1;
    if (peer.height < from || live >= (peer.line ? 1 : SYNC_DEPTH)) return false;
    if (this.progressStartAt === 0) {
      this.progressStartAt = this.scheduler.now();
      this.progressStartHeight = height;
    }
    this.send(peer, from, Math.min(peer.height, from - 1 + blocksPerRequest(peer)));
    return true;
  }

  private send(peer: PeerConnection, from: number, to: number): void {
    const req: Request = { peer: peer.key, from, to, stale: false, timer: this.scheduler.after(this.timings.requestTimeoutMs, () => this.timedOut(req)) };
    this.asked.push(req);
    peer.send({ type: 'get_blocks', from, to });
  }

  /** Every live request becomes stale: kept only to recognise (and drop) its answer until its timeout, the oldest beyond the bound forgotten. */
  private dropLive(): void {
    for (const r of this.asked) r.stale = true;
    while (this.asked.length > MAX_STALE_REQUESTS) this.scheduler.cancel(this.asked.shift()!.timer);
  }

  private timedOut(req: Request): void {
    const i = this.asked.indexOf(req);
    if (i < 0) return;
    this.asked.splice(i, 1);
    if (req.stale) return;
    // The ranges asked after it went to the same peer: asked again of another.
    this.dropLive();
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
