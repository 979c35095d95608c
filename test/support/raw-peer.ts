// A scriptable TNP/1 peer for tests: a bare socket with our own frame codec
// and message schemas, no node behind it. It does exactly what a test tells
// it to — a clean handshake, a wrong hello, a bad auth, silence, garbage
// bytes — and records every frame it receives, so a test can assert on what
// a real node answered. It encrypts as PROTOCOL.md §8 says unless told to
// speak plaintext, so the node under test runs its default configuration.
import { createServer, connect, Server, Socket } from 'node:net';
import type { Genesis } from '../../src/chain/genesis';
import { KeyPair, randomBytes } from '../../src/crypto';
import { KxBinding, signAuth, verifyAuth } from '../../src/net/auth';
import { SecureFraming, secureLengthPrefixFraming } from '../../src/net/secure-framing';
import type { CborValue } from '../../src/wire/cbor';
import { encodeCbor } from '../../src/wire/cbor';
import { DEFAULT_MAX_FRAME } from '../../src/wire/frame';
import { decodeMessage, encodeMessage, Message, MessageOf, MessageType, PROTOCOL_VERSION, UnknownMessage } from '../../src/wire/messages';

export type Received = Message | UnknownMessage;

export interface HandshakeOptions {
  keys: KeyPair;
  genesis: Pick<Genesis, 'network' | 'hash'>;
  /** Listen port advertised in hello (0: none). */
  port?: number;
  height?: number;
  tip?: Buffer;
  agent?: string;
  /** Overrides for a refused hello. */
  version?: number;
  network?: string;
  genesisHash?: Buffer;
  /** The key claimed in hello (default keys.publicKey); the node's own key gets `self`. */
  claimKey?: Buffer;
  /** Sign the auth over a challenge that is not theirs: a signature that does not verify. */
  badAuth?: boolean;
  /** Never send hello (the handshake deadline test). */
  noHello?: boolean;
  /** Offer no kx: a plaintext peer (§8), refused unless the node allows plaintext. */
  plaintext?: boolean;
  /** Wait for the node's hello and offer its own kx back (equal kx values are a protocol error). */
  echoKx?: boolean;
  timeoutMs?: number;
}

export type HandshakeOutcome =
  | { ok: true; hello: MessageOf<'hello'>; auth: MessageOf<'auth'> }
  | { ok: false; reject: MessageOf<'reject'> };

export class RejectedError extends Error {
  constructor(readonly reject: MessageOf<'reject'>) {
    super(`peer refused the handshake: reject ${reject.code}: ${reject.reason}`);
    this.name = 'RejectedError';
  }
}

interface Waiter {
  match(m: Received): boolean;
  resolve(m: Received): void;
  fail(err: Error): void;
}

export class RawPeer {
  /** Every decoded message received, in order. */
  readonly messages: Received[] = [];
  /** Every payload received, as the bytes that arrived (copies), in order. */
  readonly payloads: Buffer[] = [];
  /** Errors decoding what the node sent (a node must never cause one). */
  readonly decodeErrors: Error[] = [];
  /** Resolves when the socket has closed. */
  readonly closed: Promise<void>;
  /** Answer the node's pings (on by default, so that a handshaken RawPeer stays connected). */
  answerPings = true;
  /** Keep what arrives in `messages` and `payloads`; a load test that only counts turns it off. */
  record = true;
  /** Payloads longer than this go to `onSkipped`, not decoded: a load peer only needs to see the node's pings. */
  decodeAtMost = Infinity;
  onSkipped: ((payload: Buffer) => void) | undefined;
  /** Called with every decoded message, recorded or not. */
  onMessage: ((m: Received) => void) | undefined;
  /** The challenge our hello carries; the node must sign it in its auth. */
  readonly challenge = randomBytes(32);
  /** Frames, and the §8 cipher once both hellos carried kx. */
  readonly link: SecureFraming = secureLengthPrefixFraming({ maxFrame: DEFAULT_MAX_FRAME });
  /** The kx our hello offered; undefined for a plaintext hello. */
  private offeredKx: Buffer | undefined;
  private readonly waiters = new Set<Waiter>();
  private readonly failOnClose = new Map<Waiter, () => void>();
  private isClosed = false;

  private constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        for (const w of [...this.waiters]) this.failOnClose.get(w)?.();
        this.failOnClose.clear();
        resolve();
      }),
    );
  }

  static connect(o: { host: string; port: number; localAddress?: string }): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: o.host, port: o.port, localAddress: o.localAddress });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawPeer(socket));
      });
    });
  }

  /** Listens on host:port and accepts one connection; later ones are refused (the server stops listening). */
  static listen(o: { host: string; port: number }): Promise<RawListener> {
    return new Promise((resolve, reject) => {
      let accept: (p: RawPeer) => void = () => undefined;
      const accepted = new Promise<RawPeer>((r) => (accept = r));
      const server = createServer((socket) => {
        server.close();
        accept(new RawPeer(socket));
      });
      server.once('error', reject);
      server.listen({ host: o.host, port: o.port }, () => {
        server.off('error', reject);
        resolve(new RawListener(server, accepted));
      });
    });
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  get remoteAddress(): string {
    return this.socket.remoteAddress ?? '';
  }

  sendMessage(msg: Message): void {
    const payload = encodeMessage(msg);
    // hello and auth always in clear (§8); our auth starts the sealing.
    if (msg.type === 'hello' || msg.type === 'auth') this.sendRaw(Buffer.from(this.link.finish(this.link.encodeHandshake(payload, msg.type === 'auth'))!));
    else this.sendPayload(payload);
  }

  /** Encodes any value (an unknown type, a float where an int is due) as one frame. */
  sendValue(value: CborValue | object): void {
    this.sendPayload(encodeCbor(value));
  }

  /** One payload as a frame, sealed once our auth has gone out on an encrypted link. */
  sendPayload(payload: Buffer): void {
    this.sendRaw(this.frameOf(payload));
  }

  /** Payloads back to back as one chunk of frames, each sealed with the next counter once the link is encrypted. */
  framesOf(payloads: readonly Buffer[]): Buffer {
    return Buffer.concat(payloads.map((p) => this.frameOf(p)));
  }

  /** The wire bytes of one payload, using up the next send counter when sealed (replay and gap tests send them as they like). */
  frameOf(payload: Buffer): Buffer {
    return Buffer.from(this.link.finish(this.link.encode(payload))!);
  }

  /** Writes bytes as they are: no framing, no encoding. */
  sendRaw(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** The messages of one type received so far, in order. */
  received<K extends MessageType>(type: K): MessageOf<K>[] {
    return this.messages.filter((m) => m.type === type && !('unknown' in m)) as MessageOf<K>[];
  }

  /** The first received message of `type` that matches, waiting for it if none has arrived yet. */
  waitForMessage<K extends MessageType>(type: K, predicate: (m: MessageOf<K>) => boolean = () => true, timeoutMs = 5000): Promise<MessageOf<K>> {
    const match = (m: Received): boolean => m.type === type && !('unknown' in m) && predicate(m as MessageOf<K>);
    return this.waitFor(match, `"${type}"`, timeoutMs) as Promise<MessageOf<K>>;
  }

  /** The first received message that matches; fails on timeout or when the socket closes first. */
  waitFor(match: (m: Received) => boolean, what: string, timeoutMs = 5000): Promise<Received> {
    const found = this.messages.find(match);
    if (found) return Promise.resolve(found);
    const describe = (why: string): Error => {
      const got = this.messages.map((m) => m.type).join(', ') || 'nothing';
      return new Error(`${why} waiting for ${what}; received: ${got}`);
    };
    if (this.isClosed) return Promise.reject(describe('socket already closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => waiter.fail(describe(`timed out after ${timeoutMs} ms`)), timeoutMs);
      const waiter: Waiter = {
        match,
        resolve: (m) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(m);
        },
        fail: (err) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          reject(err);
        },
      };
      this.waiters.add(waiter);
      this.failOnClose.set(waiter, () => waiter.fail(describe('socket closed')));
    });
  }

  /** Waits for the socket to close; fails after `timeoutMs`. */
  async waitClosed(timeoutMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Our hello, with any of the overrides a refusal test needs; it fixes the kx we offer. */
  helloFor(o: HandshakeOptions): MessageOf<'hello'> {
    this.offeredKx = o.plaintext ? undefined : o.echoKx ? this.received('hello')[0]?.kx : this.link.kx.publicKey;
    this.agreeIfBothOffered();
    return {
      type: 'hello',
      version: o.version ?? PROTOCOL_VERSION,
      network: o.network ?? o.genesis.network,
      genesis: o.genesisHash ?? o.genesis.hash,
      node: o.claimKey ?? o.keys.publicKey,
      challenge: this.challenge,
      port: o.port ?? 0,
      height: o.height ?? 0,
      tip: o.tip ?? o.genesis.hash,
      agent: o.agent ?? 'raw-peer/test',
      time: Date.now(),
      kx: this.offeredKx,
    };
  }

  /**
   * Runs the handshake of §2 from our side: hello, their hello, our auth over
   * their challenge, their auth (verified), then a ping whose pong proves the
   * node accepted our auth (so the node has registered us when this resolves).
   * Resolves with their hello and auth, or with the reject they sent instead.
   */
  async tryHandshake(o: HandshakeOptions): Promise<HandshakeOutcome> {
    const timeoutMs = o.timeoutMs ?? 5000;
    const next = async <K extends MessageType>(type: K): Promise<MessageOf<K> | MessageOf<'reject'>> =>
      (await this.waitFor((m) => m.type === type || m.type === 'reject', `"${type}" or "reject"`, timeoutMs)) as MessageOf<K> | MessageOf<'reject'>;
    if (o.noHello) return { ok: false, reject: await this.waitForMessage('reject', () => true, timeoutMs) };
    if (o.echoKx) {
      const theirs = await next('hello');
      if (theirs.type === 'reject') return { ok: false, reject: theirs };
    }
    this.sendMessage(this.helloFor(o));
    const hello = await next('hello');
    if (hello.type === 'reject') return { ok: false, reject: hello };
    const challenge = o.badAuth ? randomBytes(32) : hello.challenge;
    const binding: KxBinding | undefined = this.link.encrypted ? { signer: this.link.kx.publicKey, other: hello.kx! } : undefined;
    this.sendMessage({ type: 'auth', sig: signAuth(o.keys, challenge, binding) });
    const auth = await next('auth');
    if (auth.type === 'reject') return { ok: false, reject: auth };
    const theirBinding = binding && { signer: binding.other, other: binding.signer };
    if (!verifyAuth(hello.node, this.challenge, auth.sig, theirBinding)) throw new Error(`the node's auth does not verify for key ${hello.node.toString('hex')}`);
    // Their auth says nothing about ours: a ping is answered only once the node has
    // accepted our auth (before that it is a protocol error), so the pong confirms it.
    const nonce = randomBytes(8);
    this.sendMessage({ type: 'ping', nonce, time: Date.now(), height: o.height ?? 0 });
    const verdict = (await this.waitFor(
      (m) => m.type === 'reject' || (m.type === 'pong' && !('unknown' in m) && (m as MessageOf<'pong'>).nonce.equals(nonce)),
      '"pong" confirming our auth, or "reject"',
      timeoutMs,
    )) as MessageOf<'pong'> | MessageOf<'reject'>;
    if (verdict.type === 'reject') return { ok: false, reject: verdict };
    return { ok: true, hello, auth };
  }

  /** As tryHandshake, but a reject is an error naming its code and reason. */
  async handshake(o: HandshakeOptions): Promise<{ hello: MessageOf<'hello'>; auth: MessageOf<'auth'> }> {
    const outcome = await this.tryHandshake(o);
    if (!outcome.ok) throw new RejectedError(outcome.reject);
    return outcome;
  }

  /** Sends a ping and waits for the pong that echoes its nonce. */
  async pingPong(timeoutMs = 5000): Promise<MessageOf<'pong'>> {
    const nonce = randomBytes(8);
    this.sendMessage({ type: 'ping', nonce, time: Date.now(), height: 0 });
    return this.waitForMessage('pong', (p) => p.nonce.equals(nonce), timeoutMs);
  }

  /** Half-closes (FIN) after what is queued. */
  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    let payloads: Buffer[];
    try {
      payloads = this.link.push(chunk);
    } catch (err) {
      this.decodeErrors.push(err as Error);
      this.socket.destroy();
      return;
    }
    for (const frame of payloads) {
      let payload: Buffer;
      try {
        // Every frame is opened, skipped ones too: the counters must stay in step.
        payload = this.link.open(frame)!;
      } catch (err) {
        this.decodeErrors.push(err as Error);
        continue;
      }
      if (payload.length > this.decodeAtMost) {
        this.onSkipped?.(payload);
        continue;
      }
      if (this.record) this.payloads.push(Buffer.from(payload));
      let msg: Received;
      try {
        msg = decodeMessage(payload);
      } catch (err) {
        this.decodeErrors.push(err as Error);
        continue;
      }
      if (this.record) this.messages.push(msg);
      this.keepInStep(msg);
      this.onMessage?.(msg);
      if (this.answerPings && msg.type === 'ping' && !('unknown' in msg)) {
        const ping = msg as MessageOf<'ping'>;
        this.sendMessage({ type: 'pong', nonce: ping.nonce, time: Date.now(), height: 0 });
      }
      for (const w of [...this.waiters]) if (w.match(msg)) w.resolve(msg);
    }
  }

  /**
   * The §8 switch points on the receiving side, in stream order: the node's
   * hello gives the session keys (when both sides offered kx), and every
   * frame after its auth is sealed.
   */
  /** Session keys, once both our hello and the node's are known and both carry (different) kx values. */
  private agreeIfBothOffered(): void {
    const theirs = this.received('hello')[0]?.kx;
    if (!theirs || !this.offeredKx || this.link.encrypted || theirs.equals(this.offeredKx)) return;
    this.link.agree(theirs);
  }

  private keepInStep(msg: Received): void {
    if (msg.type === 'hello') {
      this.agreeIfBothOffered();
    } else if (msg.type === 'auth' && this.link.encrypted) {
      this.link.openFromNow();
    }
  }
}

export class RawListener {
  constructor(
    private readonly server: Server,
    /** The first connection accepted. */
    readonly accepted: Promise<RawPeer>,
  ) {}

  get port(): number {
    const a = this.server.address();
    return typeof a === 'object' && a ? a.port : 0;
  }

  close(): void {
    this.server.close();
  }
}
