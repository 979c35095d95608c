// Liveness of one peer (PROTOCOL.md §3, §6): pings with random 8-byte nonces,
// pongs matched by exact nonce, RTT from our own send time, and a count of
// consecutive misses that ends the connection. The old node matched nothing
// and cycled every connection every 90 s; here an unknown pong is only counted.
import { randomBytes } from '../crypto';
import type { NodeTimings } from '../base/config';
import type { Scheduler, Task } from './scheduler';

interface PendingPing {
  nonce: Buffer;
  sentAt: number;
  deadline: Task;
}

export interface PingStats {
  rttLastMs: number | undefined;
  rttSmoothedMs: number | undefined;
  missed: number;
  pending: number;
  sent: number;
  matched: number;
  unknownPongs: number;
  /** Pings not sent because one was still outstanding on a slow line. */
  deferred: number;
}

export interface PingTrackerEvents {
  sendPing(nonce: Buffer, time: number): void;
  /** Called once, when the consecutive misses reach the limit. */
  dead(missed: number): void;
  /** Extra time this ping's pong may take on a slow line (serial-line.ts); 0 when absent. */
  graceMs?(): number;
  /**
   * True while the peer keeps us busy: its bytes wait unread behind our own
   * backpressure (§5), or it delivered a message within the last ping
   * interval. Its pong is then queued behind the data it sends us, so a
   * deadline that passes now is ours, not the peer's, and is not a miss; a
   * half-open link sends nothing and is still caught.
   */
  peerBusy(): boolean;
}

/** Weight of a new sample in the smoothed RTT (as TCP's SRTT). */
const RTT_SMOOTHING = 1 / 8;

export class PingTracker {
  private readonly pending: PendingPing[] = [];
  private nextPing: Task | undefined;
  private stopped = false;
  readonly stats: PingStats = {
    rttLastMs: undefined,
    rttSmoothedMs: undefined,
    missed: 0,
    pending: 0,
    sent: 0,
    matched: 0,
    unknownPongs: 0,
    deferred: 0,
  };

  constructor(
    private readonly timings: Pick<NodeTimings, 'pingIntervalMs' | 'pongDeadlineMs' | 'maxMissedPongs' | 'maxPendingPings'>,
    private readonly scheduler: Scheduler,
    private readonly events: PingTrackerEvents,
  ) {}

  /** Sends the first ping now and keeps pinging every interval. */
  start(): void {
    this.ping();
  }

  stop(): void {
    this.stopped = true;
    this.scheduler.cancel(this.nextPing);
    for (const p of this.pending) this.scheduler.cancel(p.deadline);
    this.pending.length = 0;
    this.stats.pending = 0;
  }

  /** Handles a pong; returns false when its nonce matched no pending ping. */
  onPong(nonce: Buffer): boolean {
    const i = this.pending.findIndex((p) => p.nonce.equals(nonce));
    if (i < 0) {
      this.stats.unknownPongs++;
      return false;
    }
    const [ping] = this.pending.splice(i, 1) as [PendingPing];
    this.scheduler.cancel(ping.deadline);
    this.stats.pending = this.pending.length;
    const rtt = this.scheduler.now() - ping.sentAt;
    this.stats.rttLastMs = rtt;
    this.stats.rttSmoothedMs = this.stats.rttSmoothedMs === undefined ? rtt : this.stats.rttSmoothedMs + RTT_SMOOTHING * (rtt - this.stats.rttSmoothedMs);
    this.stats.matched++;
    this.stats.missed = 0;
    return true;
  }

  private ping(): void {
    if (this.stopped) return;
    // On a slow line a second ping would only queue behind the first, and a
    // pong may take longer than the interval: one outstanding ping at a time,
    // so the pending list never overflows into a miss.
    if (this.events.graceMs && this.pending.length > 0) {
      this.stats.deferred++;
      this.nextPing = this.scheduler.after(this.timings.pingIntervalMs, () => this.ping());
      return;
    }
    const nonce = randomBytes(8);
    const sentAt = this.scheduler.now();
    const deadlineMs = this.timings.pongDeadlineMs + (this.events.graceMs?.() ?? 0);
    const ping: PendingPing = { nonce, sentAt, deadline: this.scheduler.after(deadlineMs, () => this.expire(ping)) };
    this.pending.push(ping);
    if (this.pending.length > this.timings.maxPendingPings) {
      const oldest = this.pending.shift() as PendingPing;
      this.scheduler.cancel(oldest.deadline);
      if (!this.events.peerBusy()) this.miss();
      if (this.stopped) return; // that miss was the last one: dead() has run, send nothing more
    }
    this.stats.pending = this.pending.length;
    this.stats.sent++;
    this.events.sendPing(nonce, sentAt);
    this.nextPing = this.scheduler.after(this.timings.pingIntervalMs, () => this.ping());
  }

  private expire(ping: PendingPing): void {
    const i = this.pending.indexOf(ping);
    if (i < 0) return;
    if (this.events.peerBusy()) {
      ping.deadline = this.scheduler.after(this.timings.pongDeadlineMs, () => this.expire(ping));
      return;
    }
    this.pending.splice(i, 1);
    this.stats.pending = this.pending.length;
    this.miss();
  }

  private miss(): void {
    if (this.stopped) return;
    this.stats.missed++;
    if (this.stats.missed >= this.timings.maxMissedPongs) {
      this.stop();
      this.events.dead(this.stats.missed);
    }
  }
}
