// One connection's link, apart from its handshake and message loop: the
// transport, the send side in front of it (frames queued with control ahead
// of relays, sealed at write time as PROTOCOL.md §8 says, a queue full past
// its deadline reported slow), the pacer of what the peer sends (§5), and
// the figures status and metrics read from them. PeerConnection is a
// PeerLink with a handshake and the message loop on top.
import { Socket } from 'node:net';
import type { NodeConfig } from '../base/config';
import { writeMessage } from '../wire/fast-paths';
import type { Message, MessageType } from '../wire/messages';
import type { Direction, Transport } from './peer-context';
import { RateLimiter } from './rate-limit';
import type { Scheduler } from './scheduler';
import type { LinkStats } from './secure-framing';
import type { SerialLine } from './serial-line';
import { Lane, SendQueue } from './send-queue';
import { SlowPeerWatch } from './slow-peer-watch';
import { TrafficCounters } from './traffic';

/** Control frames a queue holds before the oldest pong makes room (only a peer that never reads fills it). */
const CONTROL_MESSAGES = 256;
const CONTROL_TYPES: ReadonlySet<MessageType> = new Set(['hello', 'auth', 'reject', 'ping', 'pong']);

export abstract class PeerLink {
  readonly direction: Direction;
  readonly key: string;
  readonly remote: string;
  readonly localIp: string;
  readonly traffic = new TrafficCounters();
  protected readonly queue: SendQueue;
  protected readonly limiter: RateLimiter;
  protected readonly slowWatch: SlowPeerWatch;
  private readonly limits: NodeConfig['limits'];

  constructor(
    protected readonly transport: Transport,
    config: NodeConfig,
    scheduler: Scheduler,
  ) {
    const limits = config.limits;
    this.limits = limits;
    this.direction = transport.direction;
    this.key = transport.key;
    this.remote = transport.remote;
    this.localIp = transport.localIp;
    const line = transport.line;
    this.queue = new SendQueue(
      transport.stream,
      {
        dataBytes: line ? line.queueBytes(limits.sendQueueBytes) : limits.sendQueueBytes,
        dataMessages: limits.sendQueueMessages,
        controlMessages: CONTROL_MESSAGES,
        batchBytes: line?.batchBytes,
      },
      scheduler.now,
      line && ((bytes) => line.noteWritten(bytes)),
      (frame) => transport.framing.finish(frame),
    );
    this.limiter = new RateLimiter(limits.rateLimits);
    this.slowWatch = new SlowPeerWatch(
      this.queue,
      scheduler,
      () => config.timings.slowPeerDeadlineMs + (line?.drainMs(this.queue.stats.queuedBytes) ?? 0),
      (deadline, dropped) => this.tooSlow(deadline, dropped),
    );
  }

  abstract get isOpen(): boolean;

  /** The send queue stayed full past its deadline (a peer that does not read): the connection closes `slow`. */
  protected abstract tooSlow(deadlineMs: number, droppedRelays: number): void;

  /** Encodes and queues one message; control types go ahead of relay traffic. */
  send(msg: Message): boolean {
    return this.sendEncoded(msg.type, writeMessage(msg));
  }

  /** Queues an already-encoded payload, so a broadcast encodes once for all peers. */
  sendEncoded(type: MessageType, payload: Buffer): boolean {
    if (!this.isOpen) return false;
    this.traffic.countOut(type);
    const lane: Lane = CONTROL_TYPES.has(type) ? 'control' : 'data';
    if (lane === 'data' && this.transport.line?.refuses(payload.length)) return false;
    const framing = this.transport.framing;
    // hello and auth stay in clear whenever they are sent (§8); our auth starts the sealing.
    const frame = type === 'hello' || type === 'auth' ? framing.encodeHandshake(payload, type === 'auth') : framing.encode(payload);
    const kept = this.queue.push(frame, lane);
    this.slowWatch.check();
    return kept;
  }

  /** Bytes read and written on this link, framing included: the socket's counters (a serial line keeps its own). */
  get bytes(): { in: number; out: number } {
    const stream = this.transport.stream;
    if (stream instanceof Socket) return { in: stream.bytesRead, out: stream.bytesWritten };
    const line = this.transport.line?.stats();
    return line ? { in: line.bytesIn, out: line.bytesOut } : { in: 0, out: 0 };
  }

  get sendStats(): SendQueue['stats'] {
    return this.queue.stats;
  }

  /** The largest payload this link is given: maxFrame, or a serial line's cap. */
  get frameCap(): number {
    return this.transport.line?.frameCap ?? this.limits.maxFrame;
  }

  /** The serial line under this connection, if any (status, sync ranges). */
  get line(): SerialLine | undefined {
    return this.transport.line;
  }

  /** Frames the framing dropped and counted (serial: bad CRC, COBS or size). */
  get framesDropped(): number {
    return this.transport.framing.dropped;
  }

  /** §8 counters of this link: frames sealed and opened, and on a serial line those refused and lost. */
  get sealStats(): Readonly<LinkStats> {
    return this.transport.framing.stats;
  }

  /** Whether this link is encrypted (§8): both hellos carried kx. */
  get encrypted(): boolean {
    return this.transport.framing.encrypted;
  }

  /** How often, and how long, reading was paused for each rate category. */
  get ratePaused(): RateLimiter['paused'] {
    return this.limiter.paused;
  }
}
