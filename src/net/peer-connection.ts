// The life of one connection, inbound or outbound, over any duplex byte
// stream (PROTOCOL.md §2). There is exactly one message loop: the old node
// ran a second, outbound one that dropped everything but ping/pong. Direction
// is a field here, consulted only by the duplicate rule. Beside the loop:
// what is read and not yet handled (inbound-backlog.ts), the send side, pacer
// and counters (peer-link.ts), the handshake (peer-handshake.ts).
import type { Logger } from '../base/log';
import { RejectCode, WireError } from '../wire/errors';
import { pongPayload } from '../wire/liveness-codec';
import { Message, MessageOf, MessageType, rejectMessage } from '../wire/messages';
import { HandshakeHost, PeerHandshake } from './peer-handshake';
import { PingTracker } from './ping-tracker';
import { InboundBacklog } from './inbound-backlog';
import { InboundDecoder } from './inbound-decoder';
import { Decoded, Taken, VerifyAhead } from './verify-ahead';
import { CATEGORY_OF } from './rate-limit';
import { PeerLink } from './peer-link';
import type { CloseInfo, ConnectionState, DomainHandlersFor, PeerContextFor, Transport } from './peer-context';

export type { CloseInfo, ConnectionState, Direction, Transport } from './peer-context';
/** Handlers the node supplies for every type the connection does not handle itself. */
export type DomainHandlers = DomainHandlersFor<PeerConnection>;
export type PeerContext = PeerContextFor<PeerConnection>;

type ConnectionType = 'hello' | 'auth' | 'reject' | 'ping' | 'pong';
type HandlerTable = { [K in MessageType]: (msg: MessageOf<K>) => void };

export class PeerConnection extends PeerLink {
  state: ConnectionState = 'handshaking';
  readonly openedAt: number;
  establishedAt = 0;
  /** Best knowledge of the peer's stored height (hello, ping, pong, block). */
  height = 0;
  readonly ping: PingTracker;
  private readonly log: Logger;
  private readonly table: HandlerTable;
  private readonly handshake: PeerHandshake;
  private readonly decoder: InboundDecoder;
  private readonly backlog: InboundBacklog;
  private draining = false;
  /** Set while the loop waits for the pacer or for the socket to drain. */
  private waiting = false;
  /** When a whole frame of this peer last arrived (liveness while its pongs wait behind its data). */
  private lastMessageAt = 0;
  /** A decoded message the pacer holds back; it is handled first when the loop goes on. */
  private held: Message | undefined;
  /** Batches verified ahead on the verify pool; undefined when signatures are verified inline as handled. */
  private readonly ahead: VerifyAhead | undefined;
  private readonly resumeReading = (): void => this.resume();
  /** What the pipeline hands back, in order: one function for all, not a closure per message. */
  private readonly handleDecoded = (item: Decoded): void => ('fault' in item ? this.protocolError(item.fault) : this.handle(item));
  private closeInfo: CloseInfo | undefined;

  constructor(
    transport: Transport,
    private readonly ctx: PeerContext,
  ) {
    super(transport, ctx.config, ctx.scheduler);
    this.openedAt = ctx.scheduler.now();
    // IP and direction in the component, the node key (once the hello named it) as a field: on every peer line.
    this.log = ctx.log.child(`${this.key} ${this.direction === 'inbound' ? '<-' : '->'}`, () => ({ node: this.hello?.node.toString('hex').slice(0, 16) }));
    const limits = ctx.config.limits;
    const line = transport.line;
    this.backlog = new InboundBacklog(ctx.inboundBudget, () => transport.framing.buffered);
    transport.framing.onExhausted = () =>
      // Called from inside the send queue's write: close once it has returned.
      setImmediate(() => this.close(undefined, 'frame counter spent (2^64 frames sent); a new connection gets new keys'));
    this.ping = new PingTracker(ctx.config.timings, ctx.scheduler, {
      sendPing: (nonce, time) => this.send({ type: 'ping', nonce, time, height: ctx.chain().height }),
      dead: (missed) => this.close('timeout', `no pong to ${missed} pings in a row`),
      ...(line && { graceMs: () => line.pongGraceMs() }),
      peerBusy: () =>
        this.transport.stream.isPaused() ||
        ctx.scheduler.now() - this.lastMessageAt < ctx.config.timings.pingIntervalMs ||
        (line?.readWithin(ctx.config.timings.pingIntervalMs) ?? false),
    });
    this.handshake = new PeerHandshake(this.handshakeHost());
    this.decoder = new InboundDecoder(transport.framing, this.traffic, ctx.unknownTypes, this.log);
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
    this.handshake.start();
  }

  /** The peer's hello, once checked. */
  get hello(): MessageOf<'hello'> | undefined {
    return this.handshake.hello;
  }

  /** What the handshake may do to this connection. */
  private handshakeHost(): HandshakeHost {
    const transport = this.transport;
    const state = (): ConnectionState => this.state;
    return {
      remote: this.remote,
      framing: transport.framing,
      line: transport.line,
      ctx: this.ctx,
      log: this.log,
      get stillHandshaking() {
        return state() === 'handshaking';
      },
      send: (msg) => this.send(msg),
      close: (code, reason) => this.close(code, reason),
      protocolError: (err) => this.protocolError(err),
      ended: (code, reason, byPeer) => this.finish({ code, reason, byPeer }),
      helloAccepted: (hello) => (this.height = hello.height),
      established: (early) => this.onEstablished(early),
      restart: transport.restart?.bind(transport),
    };
  }

  private onEstablished(early: Message[]): void {
    this.state = 'established';
    this.establishedAt = this.ctx.scheduler.now();
    this.ctx.established(this);
    if (this.state !== 'established') return; // the manager closed us (duplicate, full, banned)
    this.ping.start();
    this.ctx.heightSeen(this);
    for (const msg of early) if (this.isOpen) (this.table[msg.type] as (m: Message) => void)(msg);
  }

  get isOpen(): boolean {
    return this.state !== 'closed';
  }

  get closed(): CloseInfo | undefined {
    return this.closeInfo;
  }

  /** Bytes of this peer's charged to the shared inbound budget. */
  get inboundBuffered(): number {
    return this.backlog.chargedBytes;
  }

  protected tooSlow(deadlineMs: number, droppedRelays: number): void {
    this.close('slow', `send queue full for ${deadlineMs} ms (${droppedRelays} relays dropped)`);
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
    this.handshake.stop();
    this.slowWatch.stop();
    this.ping.stop();
    this.held = undefined;
    this.ahead?.close();
    this.ctx.inboundBudget.forget(this.resumeReading);
    this.backlog.release();
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
    // Any whole frame shows the peer alive, even one of a type we skip (its pongs may queue behind it).
    if (payloads.length > 0) this.lastMessageAt = this.ctx.scheduler.now();
    this.backlog.add(payloads);
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
    if (ahead && !ahead.headVerified) this.takeBatches(ahead);
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
          ahead.handleNext(this.handleDecoded);
          continue;
        }
        msg = item;
      } else {
        if (this.held === undefined && !this.backlog.hasMore) break;
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
      if (ahead) ahead.handleNext(this.handleDecoded);
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
    if (this.held !== undefined || this.backlog.hasMore) {
      this.transport.stream.pause();
      if (!this.waiting) setImmediate(() => this.drain());
      return;
    }
    this.backlog.reset();
    this.resume();
  }

  /**
   * The end of a turn with the pool: more verified messages go in the next
   * turn (other peers first); reading goes on only while the pipeline has
   * room and nothing is held, so a fast peer is slowed by TCP, never dropped.
   */
  private afterVerifiedTurn(ahead: VerifyAhead): void {
    if (!this.waiting && ahead.headVerified) setImmediate(() => this.drain());
    if (this.waiting || this.backlog.hasMore || !ahead.wantsMore) {
      this.transport.stream.pause();
      // Over the shared budget with nothing of ours left to handle: wait for other peers to release.
      if (!ahead.wantsMore && ahead.pending === 0) this.ctx.inboundBudget.whenFree(this.resumeReading);
      return;
    }
    this.backlog.reset();
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

  /** One batch per call: a turn decodes at most one batch besides handling one, so a turn costs what it did inline. */
  private takeBatches(ahead: VerifyAhead): void {
    if (ahead.wantsMore && this.backlog.hasMore) ahead.take(this.decodeNext, true);
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
    if (!this.backlog.charge()) {
      this.transport.stream.pause();
      this.ctx.inboundBudget.whenFree(this.resumeReading);
    }
  }

  private resume(): void {
    if (!this.isOpen || this.waiting || this.held !== undefined) return;
    if (this.ahead && this.backlog.hasMore && this.ahead.wantsMore) {
      // Payloads cut while the shared budget was full are taken now.
      this.drain();
      return;
    }
    if (this.backlog.hasMore || (this.ahead && !this.ahead.wantsMore)) return;
    if (this.backlog.chargedBytes > 0 && this.ctx.inboundBudget.usedBytes > this.ctx.inboundBudget.limitBytes) {
      this.ctx.inboundBudget.whenFree(this.resumeReading);
      return;
    }
    this.transport.stream.resume();
  }

  /** Decodes the next payload of the backlog; undefined for an unknown type or a protocol error (which closes). */
  private nextMessage(): Message | undefined {
    const item = this.decoder.decode(this.backlog.next());
    if (item === 'skip') return undefined;
    if ('fault' in item) {
      this.protocolError(item.fault);
      return undefined;
    }
    return item;
  }

  /** The next payload of the backlog, decoded for the pipeline (a fault is raised when its turn comes). */
  private readonly decodeNext = (): Taken | undefined => {
    if (!this.backlog.hasMore) return undefined;
    const payload = this.backlog.next();
    return { item: this.decoder.decode(payload), bytes: payload.length };
  };

  private handle(msg: Message): void {
    if (this.state === 'handshaking' && !CONTROL_HANDSHAKE.has(msg.type)) {
      if (this.transport.line) {
        this.handshake.onSerialEarly(msg);
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
      hello: (m) => this.handshake.onHello(m),
      auth: (m) => this.handshake.onAuth(m),
      reject: (m) => this.handshake.onReject(m),
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
}

const CONTROL_HANDSHAKE: ReadonlySet<MessageType> = new Set(['hello', 'auth', 'reject']);
