// The life of one connection, inbound or outbound, over any duplex byte
// stream (PROTOCOL.md §2). There is exactly one message loop: the old node
// ran a second, outbound one that dropped everything but ping/pong. Direction
// is a field here, consulted only by the duplicate rule.
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { KeyPair } from '../crypto';
import { randomBytes } from '../crypto';
import type { NodeConfig } from '../base/config';
import type { Logger } from '../base/log';
import { REJECT_CODES, RejectCode, WireError } from '../wire/errors';
import { pongPayload, readPing } from '../wire/liveness-codec';
import { decodeMessage, encodeMessage, Message, MessageOf, MessageType, rejectMessage } from '../wire/messages';
import { KxBinding, signAuth, verifyAuth } from './auth';
import { ChainPosition, checkEncryption, checkHello, LocalIdentity, makeHello } from './handshake';
import { PingTracker } from './ping-tracker';
import type { SerialLine } from './serial-line';
import type { LinkStats, SecureFraming } from './secure-framing';
import type { Scheduler, Task } from './scheduler';
import { Lane, SendQueue } from './send-queue';
import type { InboundBudget } from './inbound-budget';
import type { BatchVerifier } from './batch-verifier';
import { Decoded, Taken, VerifyAhead } from './verify-ahead';
import { CATEGORY_OF, RateLimiter } from './rate-limit';
import { TrafficCounters, UnknownTypeLog } from './traffic';

export type Direction = 'inbound' | 'outbound';
export type ConnectionState = 'handshaking' | 'established' | 'closed';

/** Handlers the node supplies for every type the connection does not handle itself. */
export type DomainHandlers = {
  [K in Exclude<MessageType, ConnectionType>]: (peer: PeerConnection, msg: MessageOf<K>) => void;
};
type ConnectionType = 'hello' | 'auth' | 'reject' | 'ping' | 'pong';
type HandlerTable = { [K in MessageType]: (msg: MessageOf<K>) => void };

const CONTROL_TYPES: ReadonlySet<MessageType> = new Set(['hello', 'auth', 'reject', 'ping', 'pong']);

export interface CloseInfo {
  /** The code we sent, or the one the peer sent us. */
  code: RejectCode | 'eof' | 'error' | 'local' | 'restarted';
  reason: string;
  byPeer: boolean;
}

export interface PeerContext {
  identity: LocalIdentity;
  keys: KeyPair;
  config: NodeConfig;
  scheduler: Scheduler;
  log: Logger;
  unknownTypes: UnknownTypeLog;
  inboundBudget: InboundBudget;
  /** Verifies a batch's signatures ahead of handling it (the verify pool); absent: verified inline as handled. */
  batchVerifier?: BatchVerifier;
  chain(): ChainPosition;
  handlers: DomainHandlers;
  /** Called when hello and auth are both good; the manager may close the connection (duplicate, full, banned). */
  established(peer: PeerConnection): void;
  closed(peer: PeerConnection, info: CloseInfo): void;
  /** The peer told us its height (hello, ping, pong); sync decides whether to ask for blocks. */
  heightSeen(peer: PeerConnection): void;
  /** A protocol offence (PROTOCOL.md §5 Misbehaviour); the connection closes itself. */
  offence(peer: PeerConnection, kind: 'protocol', detail: string): void;
}

export interface Transport {
  stream: Duplex;
  /** Cuts and frames payloads, and encrypts them once both sides offered kx (§8). */
  framing: SecureFraming;
  direction: Direction;
  /** The connection's key: the peer's normalised IP, or `serial:<path>`. */
  key: string;
  /** Our own address on this connection (the dial-race rule compares dialers). */
  localIp: string;
  /** "ip:port" as seen on the socket, or the device path, for logs. */
  remote: string;
  /** A serial link's timing model: frame cap, small batches, baud-aware deadlines. Absent on TCP. */
  line?: SerialLine;
  /** Serial only: the far end restarted the link (a new hello on an established one); start a connection for this hello. */
  restart?(hello: Buffer): void;
}

export class PeerConnection {
  state: ConnectionState = 'handshaking';
  readonly direction: Direction;
  readonly key: string;
  readonly remote: string;
  readonly localIp: string;
  readonly openedAt: number;
  establishedAt = 0;
  /** The peer's hello, once checked. */
  hello: MessageOf<'hello'> | undefined;
  /** Best knowledge of the peer's stored height (hello, ping, pong, block). */
  height = 0;
  readonly traffic = new TrafficCounters();
  readonly ping: PingTracker;
  private readonly queue: SendQueue;
  private readonly challenge = randomBytes(32);
  private readonly log: Logger;
  private readonly table: HandlerTable;
  private handshakeDeadline: Task | undefined;
  private slowCheck: Task | undefined;
  private readonly limiter: RateLimiter;
  /** Payloads cut from the stream but not yet handled: at most one chunk's worth, while the socket is paused. */
  private backlog: Buffer[] = [];
  private backlogAt = 0;
  private draining = false;
  /** Set while the loop waits for the pacer or for the socket to drain. */
  private waiting = false;
  /** When the loop last handled a message of this peer (liveness while its pongs wait behind its data). */
  private lastMessageAt = 0;
  /** A decoded message the pacer holds back; it is handled first when the loop goes on. */
  private held: Message | undefined;
  /** Batches verified ahead on the verify pool; undefined when signatures are verified inline as handled. */
  private readonly ahead: VerifyAhead | undefined;
  /** What this connection has charged to the shared inbound budget. */
  private chargedInbound = 0;
  private readonly resumeReading = (): void => this.resume();
  private authenticated = false;
  /** The auth we sent, kept on a serial link to repeat it when the far end shows it missed it. */
  private authSent: MessageOf<'auth'> | undefined;
  private helloRetry: Task | undefined;
  /** Serial: messages of a far end that is established while we still wait for its auth (lost on the line); handled once it comes. */
  private early: Message[] = [];
  private closeInfo: CloseInfo | undefined;

  constructor(
    private readonly transport: Transport,
    private readonly ctx: PeerContext,
  ) {
    this.direction = transport.direction;
    this.key = transport.key;
    this.remote = transport.remote;
    this.localIp = transport.localIp;
    this.openedAt = ctx.scheduler.now();
    // IP and direction in the component, the node key (once the hello named it) as a field: on every peer line.
    this.log = ctx.log.child(`${this.key} ${this.direction === 'inbound' ? '<-' : '->'}`, () => ({ node: this.hello?.node.toString('hex').slice(0, 16) }));
    const limits = ctx.config.limits;
    const line = transport.line;
    this.queue = new SendQueue(
      transport.stream,
      {
        dataBytes: line ? line.queueBytes(limits.sendQueueBytes) : limits.sendQueueBytes,
        dataMessages: limits.sendQueueMessages,
        controlMessages: 256,
        batchBytes: line?.batchBytes,
      },
      ctx.scheduler.now,
      line && ((bytes) => line.noteWritten(bytes)),
      (frame) => transport.framing.finish(frame),
    );
    transport.framing.onExhausted = () =>
      // Called from inside the send queue's write: close once it has returned.
      setImmediate(() => this.close(undefined, 'frame counter spent (2^64 frames sent); a new connection gets new keys'));
    this.limiter = new RateLimiter(limits.rateLimits);
    this.ping = new PingTracker(ctx.config.timings, ctx.scheduler, {
      sendPing: (nonce, time) => this.send({ type: 'ping', nonce, time, height: ctx.chain().height }),
      dead: (missed) => this.close('timeout', `no pong to ${missed} pings in a row`),
      ...(line && { graceMs: () => line.pongGraceMs() }),
      peerBusy: () => this.transport.stream.isPaused() || ctx.scheduler.now() - this.lastMessageAt < ctx.config.timings.pingIntervalMs,
    });
    this.table = this.buildTable(ctx.handlers);
    const verifier = ctx.batchVerifier;
    const pipeline = { messages: limits.maxMessagesPerTurn, checks: limits.verifyChecksPerTurn, ahead: limits.verifyAheadMessages };
    this.ahead = verifier && new VerifyAhead(verifier, pipeline, ctx.inboundBudget, () => this.isOpen && this.drain());
  }

  /** Sends our hello and starts reading. Both sides send hello without waiting (§2). */
  start(): void {
    const stream = this.transport.stream;
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('end', () => this.finish({ code: 'eof', reason: 'peer closed the connection', byPeer: true }));
    stream.on('close', () => this.finish({ code: 'eof', reason: 'connection closed', byPeer: true }));
    stream.on('error', (err: Error) => this.finish({ code: 'error', reason: err.message, byPeer: true }));
    this.handshakeDeadline = this.ctx.scheduler.after(this.ctx.config.timings.handshakeDeadlineMs, () =>
      this.close('timeout', `no valid hello and auth within ${this.ctx.config.timings.handshakeDeadlineMs} ms`),
    );
    this.sendHello();
  }

  /** On a serial line a frame can be lost: our hello is repeated, same challenge, until the far end's auth arrives. */
  private sendHello(): void {
    if (this.state !== 'handshaking' || this.authenticated) return;
    this.send(makeHello(this.ctx.identity, this.ctx.chain(), this.challenge, this.ctx.scheduler.now(), this.transport.framing.kx.publicKey));
    const line = this.transport.line;
    if (line) this.helloRetry = this.ctx.scheduler.after(this.ctx.config.serial.helloRetryMs + line.backlogMs(), () => this.sendHello());
  }

  get isOpen(): boolean {
    return this.state !== 'closed';
  }

  get closed(): CloseInfo | undefined {
    return this.closeInfo;
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

  /** Encodes and queues one message; control types go ahead of relay traffic. */
  send(msg: Message): boolean {
    return this.sendEncoded(msg.type, encodeMessage(msg));
  }

  /** Queues an already-encoded payload, so a broadcast encodes once for all peers. */
  sendEncoded(type: MessageType, payload: Buffer): boolean {
    if (this.state === 'closed') return false;
    this.traffic.countOut(type);
    const lane: Lane = CONTROL_TYPES.has(type) ? 'control' : 'data';
    if (lane === 'data' && this.transport.line?.refuses(payload.length)) return false;
    const framing = this.transport.framing;
    // hello and auth stay in clear whenever they are sent (§8); our auth starts the sealing.
    const frame = type === 'hello' || type === 'auth' ? framing.encodeHandshake(payload, type === 'auth') : framing.encode(payload);
    const kept = this.queue.push(frame, lane);
    if (this.queue.fullSince !== undefined && !this.slowCheck) this.watchSlow();
    return kept;
  }

  /** The largest payload this link is given: maxFrame, or a serial line's cap. */
  get frameCap(): number {
    return this.transport.line?.frameCap ?? this.ctx.config.limits.maxFrame;
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

  get inboundBuffered(): number {
    return this.chargedInbound;
  }

  /** §5: a peer whose send queue stays full past the deadline is closed with `slow`. */
  private watchSlow(): void {
    // A slow line drains a full lane slowly by nature: it is `slow` only past the time the line needs.
    const deadline = this.ctx.config.timings.slowPeerDeadlineMs + (this.transport.line?.drainMs(this.queue.stats.queuedBytes) ?? 0);
    const since = this.queue.fullSince;
    if (since === undefined || this.state === 'closed') return;
    const due = since + deadline - this.ctx.scheduler.now();
    this.slowCheck = this.ctx.scheduler.after(Math.max(0, due), () => {
      this.slowCheck = undefined;
      const stillSince = this.queue.fullSince;
      if (stillSince === undefined) return;
      if (this.ctx.scheduler.now() - stillSince >= deadline) {
        this.close('slow', `send queue full for ${deadline} ms (${this.queue.stats.droppedData} relays dropped)`);
      } else {
        this.watchSlow();
      }
    });
  }

  /** Sends `reject` (when a code is given) and closes. Safe to call twice. */
  close(code: RejectCode | undefined, reason: string): void {
    if (this.state === 'closed') return;
    if (code) {
      this.send(rejectMessage(code, reason));
      this.log.info(`closing: ${reason}`, { code });
    }
    this.queue.close();
    this.finish({ code: code ?? 'local', reason, byPeer: false });
    // end() lets the reject reach the peer; destroy() makes sure a peer
    // that never reads cannot hold the socket open.
    this.transport.stream.end();
    const stream = this.transport.stream;
    setTimeout(() => stream.destroy(), 1000).unref();
  }

  private finish(info: CloseInfo): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closeInfo = info;
    this.ctx.scheduler.cancel(this.handshakeDeadline);
    this.ctx.scheduler.cancel(this.slowCheck);
    this.ctx.scheduler.cancel(this.helloRetry);
    this.ping.stop();
    this.backlog = [];
    this.early = [];
    this.held = undefined;
    this.ahead?.close();
    this.ctx.inboundBudget.forget(this.resumeReading);
    this.ctx.inboundBudget.adjust(-this.chargedInbound);
    this.chargedInbound = 0;
    if (info.byPeer) this.transport.stream.destroy();
    this.ctx.closed(this, info);
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.transport.line?.noteRead(chunk.length);
    let payloads: Buffer[];
    try {
      payloads = this.transport.framing.push(chunk);
    } catch (err) {
      this.protocolError(err);
      return;
    }
    this.chargeInbound();
    this.backlog = this.backlog.length === 0 ? payloads : this.backlog.concat(payloads);
    this.drain();
  }

  /**
   * Handles up to maxMessagesPerTurn messages (or maxTurnMs of them), then yields to other peers
   * with this socket paused: one flooding peer neither starves the others nor
   * makes us buffer its stream without end. A message over its rate limit,
   * or a peer whose pongs pile up unread, stops the loop with the socket
   * paused until the pacer or the socket lets it go on (§5: slowed, never
   * dropped). The turn ends by writing what it queued, so a pong leaves in
   * the same turn as its ping.
   */
  private drain(): void {
    if (this.draining || this.waiting) return;
    this.draining = true;
    let ahead = this.pipeline();
    if (ahead) this.takeBatches(ahead);
    let handled = 0;
    const max = this.ctx.config.limits.maxMessagesPerTurn;
    const turnEnds = performance.now() + this.ctx.config.limits.maxTurnMs;
    this.queue.beginTurn();
    // A handler may close us (ban, duplicate): the rest is not ours to handle.
    while (this.isOpen && handled < max && (handled === 0 || performance.now() < turnEnds)) {
      if (this.queue.controlBackedUp) {
        this.waitFor((go) => this.queue.whenWritable(go));
        break;
      }
      let msg: Message;
      // The handshake may have just completed in this turn: from then on the pipeline takes the backlog.
      ahead = this.pipeline();
      if (ahead && ahead.pending === 0) this.takeBatches(ahead);
      if (ahead) {
        // With the pool, messages come from the verified head batch; one still held by the pacer stays at its head.
        const item = ahead.peek();
        if (item === undefined || item === 'unverified') break;
        if ('fault' in item) {
          ahead.handleNext(() => this.protocolError(item.fault));
          continue;
        }
        msg = item;
      } else {
        if (this.held === undefined && this.backlogAt >= this.backlog.length) break;
        const next = this.held ?? this.nextMessage();
        if (next === undefined) continue;
        msg = next;
      }
      const waitMs = this.limiter.take(CATEGORY_OF[msg.type], this.ctx.scheduler.now());
      if (waitMs > 0) {
        if (!ahead) this.held = msg;
        this.waitFor((go) => this.ctx.scheduler.after(waitMs, go));
        break;
      }
      this.held = undefined;
      if (ahead) ahead.handleNext(() => this.handle(msg));
      else this.handle(msg);
      handled++;
    }
    // Refill: the batches after the head are verified while this turn's replies go out.
    ahead = this.pipeline();
    if (ahead && this.isOpen) this.takeBatches(ahead);
    this.draining = false;
    this.queue.flush();
    if (!this.isOpen) return;
    if (ahead) {
      this.afterVerifiedTurn(ahead);
      return;
    }
    if (this.held !== undefined || this.backlogAt < this.backlog.length) {
      this.transport.stream.pause();
      if (!this.waiting) setImmediate(() => this.drain());
      return;
    }
    this.backlog = [];
    this.backlogAt = 0;
    this.resume();
  }

  /**
   * The end of a turn with the pool: more verified messages go in the next
   * turn (other peers first); reading goes on only while the pipeline has
   * room and nothing is held, so a fast peer is slowed by TCP, never dropped.
   */
  private afterVerifiedTurn(ahead: VerifyAhead): void {
    if (!this.waiting && ahead.headVerified) setImmediate(() => this.drain());
    if (this.waiting || this.backlogAt < this.backlog.length || !ahead.wantsMore) {
      this.transport.stream.pause();
      // Over the shared budget with nothing of ours left to handle: wait for other peers to release.
      if (!ahead.wantsMore && ahead.pending === 0) this.ctx.inboundBudget.whenFree(this.resumeReading);
      return;
    }
    this.backlog = [];
    this.backlogAt = 0;
    this.resume();
  }

  /**
   * The pipeline, once the peer is established: before that a payload may
   * not even be opened until the one before it is handled (the peer's auth
   * turns on decryption, §8), so the handshake goes one message at a time.
   */
  private pipeline(): VerifyAhead | undefined {
    return this.state === 'established' && this.held === undefined ? this.ahead : undefined;
  }

  private takeBatches(ahead: VerifyAhead): void {
    while (ahead.wantsMore && this.backlogAt < this.backlog.length) ahead.take(() => this.decodeNext(), true);
  }

  /** Pauses the loop until `arm`'s callback fires. */
  private waitFor(arm: (go: () => void) => void): void {
    this.waiting = true;
    arm(() => {
      this.waiting = false;
      if (this.isOpen) this.drain();
    });
  }

  private chargeInbound(): void {
    const now = this.transport.framing.buffered;
    const withinBudget = this.ctx.inboundBudget.adjust(now - this.chargedInbound);
    this.chargedInbound = now;
    if (!withinBudget && now > 0) {
      this.transport.stream.pause();
      this.ctx.inboundBudget.whenFree(this.resumeReading);
    }
  }

  private resume(): void {
    if (!this.isOpen || this.waiting || this.held !== undefined) return;
    if (this.ahead && this.backlogAt < this.backlog.length && this.ahead.wantsMore) {
      // Payloads cut while the shared budget was full are taken now.
      this.drain();
      return;
    }
    if (this.backlogAt < this.backlog.length || (this.ahead && !this.ahead.wantsMore)) return;
    if (this.chargedInbound > 0 && this.ctx.inboundBudget.usedBytes > this.ctx.inboundBudget.limitBytes) {
      this.ctx.inboundBudget.whenFree(this.resumeReading);
      return;
    }
    this.transport.stream.resume();
  }

  /** Decodes the next payload of the backlog; undefined for an unknown type or a protocol error (which closes). */
  private nextMessage(): Message | undefined {
    const item = this.decode(this.backlog[this.backlogAt++] as Buffer);
    if (item === 'skip') return undefined;
    if ('fault' in item) {
      this.protocolError(item.fault);
      return undefined;
    }
    return item;
  }

  /** The next payload of the backlog, decoded for the pipeline (a fault is raised when its turn comes). */
  private decodeNext(): Taken | undefined {
    if (this.backlogAt >= this.backlog.length) return undefined;
    const payload = this.backlog[this.backlogAt++] as Buffer;
    return { item: this.decode(payload), bytes: payload.length };
  }

  /** A payload as a message or its fault; 'skip' for an unknown type (counted, and logged once per type). */
  private decode(payload: Buffer): Decoded | 'skip' {
    let msg;
    try {
      const plain = this.transport.framing.open(payload);
      if (plain === undefined) return 'skip'; // a serial frame that did not open: dropped and counted
      msg = readPing(plain) ?? decodeMessage(plain);
    } catch (err) {
      return { fault: err };
    }
    if ('unknown' in msg) {
      this.traffic.countUnknown(msg.type);
      // Counted and logged once per type per run; never fatal, never scored (§1).
      if (this.ctx.unknownTypes.firstSighting(msg.type)) this.log.warn(`unknown message type "${msg.type}" (counted, ignored; logged once)`);
      return 'skip';
    }
    this.traffic.countIn(msg.type);
    return msg;
  }

  private handle(msg: Message): void {
    this.lastMessageAt = this.ctx.scheduler.now();
    if (this.state === 'handshaking' && !CONTROL_HANDSHAKE.has(msg.type)) {
      if (this.transport.line) {
        this.onSerialEarly(msg);
        return;
      }
      this.protocolError(new WireError(`"${msg.type}" before the handshake completed`));
      return;
    }
    (this.table[msg.type] as (m: Message) => void)(msg);
    this.traffic.countHandled(msg.type);
  }

  private protocolError(err: unknown): void {
    const detail = err instanceof Error ? err.message : String(err);
    this.log.warn(`protocol error: ${detail}`);
    this.ctx.offence(this, 'protocol', detail);
    this.close('protocol', detail);
  }

  private buildTable(domain: DomainHandlers): HandlerTable {
    const own: { [K in ConnectionType]: (msg: MessageOf<K>) => void } = {
      hello: (m) => this.onHello(m),
      auth: (m) => this.onAuth(m),
      reject: (m) => this.onReject(m),
      ping: (m) => {
        this.noteHeight(m.height);
        this.sendEncoded('pong', pongPayload(m.nonce, this.ctx.scheduler.now(), this.ctx.chain().height));
      },
      pong: (m) => {
        this.noteHeight(m.height);
        this.ping.onPong(m.nonce);
      },
    };
    const bound = {} as Record<string, (m: Message) => void>;
    for (const [type, handler] of Object.entries(domain) as [string, (p: PeerConnection, m: Message) => void][]) {
      bound[type] = (m) => handler(this, m);
    }
    return { ...own, ...bound } as HandlerTable;
  }

  /** Records a height the peer claimed; blocks it relays count too (the chain calls this). */
  noteHeight(height: number): void {
    if (height === this.height) return;
    this.height = height;
    if (this.state === 'established') this.ctx.heightSeen(this);
  }

  private onHello(hello: MessageOf<'hello'>): void {
    if (this.hello && this.transport.line) return this.onSerialHelloAgain(hello);
    if (this.hello) {
      this.protocolError(new WireError('second hello on one connection'));
      return;
    }
    const refusal = checkHello(this.ctx.identity, hello);
    if (refusal) {
      this.hello = hello;
      this.close(refusal.code, refusal.reason);
      return;
    }
    this.hello = hello;
    this.height = hello.height;
    const plaintext = checkEncryption(hello, this.remote, this.ctx.config.links.allowPlaintext);
    if (plaintext) {
      this.close(plaintext.code, plaintext.reason);
      return;
    }
    let binding: KxBinding | undefined;
    if (hello.kx) {
      try {
        binding = this.transport.framing.agree(hello.kx);
      } catch (err) {
        this.protocolError(err);
        return;
      }
    }
    this.authSent = { type: 'auth', sig: signAuth(this.ctx.keys, hello.challenge, binding) };
    this.send(this.authSent);
  }

  /**
   * A serial link has no connect and may lose frames, so a second hello is
   * news, not an offence: the same one again means the far end missed our
   * auth; a new one on an established link means the far end restarted (a
   * fresh connection takes it over); a new one while we are still
   * handshaking means it started over, and we answer the newest.
   */
  /**
   * Serial, before our handshake completed: with no hello yet it is what the
   * far end sent its previous connection (stale); after its hello it means
   * the far end is established and its auth was lost: ask again (our hello
   * repeated brings its auth) and keep the message for then.
   */
  private onSerialEarly(msg: Message): void {
    if (!this.hello || this.early.length >= MAX_EARLY_MESSAGES) return;
    if (this.early.length === 0) {
      this.ctx.scheduler.cancel(this.helloRetry);
      this.sendHello();
    }
    this.early.push(msg);
  }

  private onSerialHelloAgain(hello: MessageOf<'hello'>): void {
    const held = this.hello as MessageOf<'hello'>;
    if (held.challenge.equals(hello.challenge) && held.node.equals(hello.node)) {
      if (this.authSent) this.send(this.authSent);
      return;
    }
    if (this.state === 'established' && this.transport.restart) {
      this.log.info('the far end restarted the link: starting a new connection');
      this.finish({ code: 'restarted', reason: 'the far end restarted the link (a new hello)', byPeer: false });
      this.transport.restart(encodeMessage(hello));
      return;
    }
    this.hello = undefined;
    this.onHello(hello);
  }

  private onAuth(auth: MessageOf<'auth'>): void {
    if (!this.hello) {
      if (this.transport.line) return; // serial: our hello repeats until the far end answers the one it has
      this.protocolError(new WireError('auth before hello'));
      return;
    }
    const framing = this.transport.framing;
    const binding = this.hello.kx && { signer: this.hello.kx, other: framing.kx.publicKey };
    // Serial: a repeated auth (we repeated our hello) or one signed for a previous connection's challenge is stale.
    const stale = this.transport.line !== undefined && (this.authenticated || !verifyAuth(this.hello.node, this.challenge, auth.sig, binding));
    if (stale) return;
    if (this.authenticated) {
      this.protocolError(new WireError('second auth on one connection'));
      return;
    }
    if (!verifyAuth(this.hello.node, this.challenge, auth.sig, binding)) {
      this.protocolError(new WireError(`auth signature does not verify for node ${this.hello.node.toString('hex')}${binding ? ' over both kx values' : ''}`));
      return;
    }
    if (binding) framing.openFromNow();
    this.authenticated = true;
    this.ctx.scheduler.cancel(this.handshakeDeadline);
    this.state = 'established';
    this.establishedAt = this.ctx.scheduler.now();
    this.ctx.established(this);
    if (this.state === 'established') {
      this.ping.start();
      this.ctx.heightSeen(this);
      const early = this.early;
      this.early = [];
      for (const msg of early) if (this.isOpen) (this.table[msg.type] as (m: Message) => void)(msg);
    }
  }

  private onReject(reject: MessageOf<'reject'>): void {
    this.log.warn(`peer refused us: ${reject.reason}`, { code: reject.code });
    const code = REJECT_CODES.find((c) => c === reject.code) ?? 'protocol';
    this.finish({ code, reason: reject.reason, byPeer: true });
  }
}

const CONTROL_HANDSHAKE: ReadonlySet<MessageType> = new Set(['hello', 'auth', 'reject']);
/** Serial: messages kept while the far end's auth is asked for again (a handful: it is established, we are a round trip behind). */
const MAX_EARLY_MESSAGES = 32;
