// A bare TNP/1 peer for the bench (the test folder's RawPeer is not shipped
// with `timenode bench`): a socket, our framing, the handshake of
// PROTOCOL.md §2 (encrypted as §8 says, unless made a plaintext peer), pongs
// for the node's pings, and a hook to take over the payload stream once
// established (counting relayed frames, timing pongs).
import { connect, Socket } from 'node:net';
import type { Genesis } from '../../src/chain/genesis';
import { KeyPair, randomBytes } from '../../src/crypto';
import { KxBinding, signAuth, verifyAuth } from '../../src/net/auth';
import { SecureFraming, secureLengthPrefixFraming } from '../../src/net/secure-framing';
import { DEFAULT_MAX_FRAME } from '../../src/wire/frame';
import { decodeMessage, encodeMessage, Message, MessageOf, PROTOCOL_VERSION, UnknownMessage } from '../../src/wire/messages';
import { within } from '../measure';

export type PayloadHook = (payload: Buffer) => void;

const INBOX = 64;

export class TnpPeer {
  /** Frames, and the §8 cipher once both hellos carried kx. */
  readonly link: SecureFraming = secureLengthPrefixFraming({ maxFrame: DEFAULT_MAX_FRAME });
  private hook: PayloadHook | undefined;
  private waiting: { match: (m: Message | UnknownMessage) => boolean; resolve: (m: Message | UnknownMessage) => void } | undefined;
  private readonly challenge = randomBytes(32);
  /** Messages no waiter took yet (one read may carry hello and auth together); the last few only. */
  private inbox: (Message | UnknownMessage)[] = [];
  readonly closed: Promise<void>;

  private constructor(
    readonly socket: Socket,
    /** Offer no kx: a plaintext peer, for a node started with --allow-plaintext. */
    readonly plaintext: boolean,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static connect(o: { host: string; port: number; localAddress?: string; plaintext?: boolean }): Promise<TnpPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: o.host, port: o.port, localAddress: o.localAddress });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new TnpPeer(socket, o.plaintext ?? false));
      });
    });
  }

  /** hello, their hello, our auth, their auth (checked), then a ping whose pong proves we are established. */
  async handshake(keys: KeyPair, genesis: Genesis, timeoutMs = 10_000): Promise<MessageOf<'hello'>> {
    this.send({
      type: 'hello',
      version: PROTOCOL_VERSION,
      network: genesis.network,
      genesis: genesis.hash,
      node: keys.publicKey,
      challenge: this.challenge,
      port: 0,
      height: 0,
      tip: genesis.hash,
      agent: 'timenode-bench',
      time: Date.now(),
      kx: this.plaintext ? undefined : this.link.kx.publicKey,
    });
    const hello = (await this.next('hello', timeoutMs)) as MessageOf<'hello'>;
    const binding: KxBinding | undefined = this.link.encrypted ? { signer: this.link.kx.publicKey, other: hello.kx! } : undefined;
    this.send({ type: 'auth', sig: signAuth(keys, hello.challenge, binding) });
    const auth = (await this.next('auth', timeoutMs)) as MessageOf<'auth'>;
    const theirs = binding && { signer: binding.other, other: binding.signer };
    if (!verifyAuth(hello.node, this.challenge, auth.sig, theirs)) throw new Error('the node answered with an auth that does not verify');
    const nonce = randomBytes(8);
    this.send({ type: 'ping', nonce, time: Date.now(), height: 0 });
    await within(this.waitFor((m) => m.type === 'pong' && (m as MessageOf<'pong'>).nonce.equals(nonce)), timeoutMs, 'pong confirming the handshake');
    return hello;
  }

  send(msg: Message): void {
    const payload = encodeMessage(msg);
    // hello and auth always in clear (§8); our auth starts the sealing.
    const handshake = msg.type === 'hello' || msg.type === 'auth';
    this.socket.write(handshake ? this.link.finish(this.link.encodeHandshake(payload, msg.type === 'auth'))! : this.frameOf(payload));
  }

  /** One payload's wire bytes, sealed on an encrypted link once our auth is out (each call uses the next counter). */
  frameOf(payload: Buffer): Buffer {
    return this.link.finish(this.link.encode(payload))!;
  }

  /** Writes bytes as they are, resolving once the socket has taken them (backpressure respected). */
  write(bytes: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.socket.destroyed) return reject(new Error('socket closed'));
      if (this.socket.write(bytes)) return resolve();
      const onDrain = (): void => {
        this.socket.off('close', onClose);
        resolve();
      };
      const onClose = (): void => {
        this.socket.off('drain', onDrain);
        reject(new Error('socket closed while writing'));
      };
      this.socket.once('drain', onDrain);
      this.socket.once('close', onClose);
    });
  }

  /** Hands every payload to `hook` (no decoding, no automatic pongs) until cleared. */
  takeOver(hook: PayloadHook | undefined): void {
    this.hook = hook;
    this.inbox = [];
  }

  /** The first decoded message not yet taken that matches, waiting for it if none has arrived yet. */
  waitFor(match: (m: Message | UnknownMessage) => boolean): Promise<Message | UnknownMessage> {
    const at = this.inbox.findIndex(match);
    if (at >= 0) return Promise.resolve(this.inbox.splice(at, 1)[0] as Message | UnknownMessage);
    return new Promise((resolve) => {
      this.waiting = { match, resolve };
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  private next(type: 'hello' | 'auth', timeoutMs: number): Promise<Message | UnknownMessage> {
    const got = this.waitFor((m) => m.type === type || m.type === 'reject');
    return within(got, timeoutMs, `"${type}" from the node`).then((m) => {
      if (m.type === 'reject') {
        const r = m as MessageOf<'reject'>;
        throw new Error(`the node refused the bench peer: ${r.code}: ${r.reason}`);
      }
      return m;
    });
  }

  private onData(chunk: Buffer): void {
    let payloads: Buffer[];
    try {
      payloads = this.link.push(chunk);
    } catch (err) {
      this.socket.destroy(err as Error);
      return;
    }
    for (const frame of payloads) {
      let payload: Buffer;
      try {
        payload = this.link.open(frame)!;
      } catch (err) {
        this.socket.destroy(err as Error);
        return;
      }
      if (this.hook) {
        this.hook(payload);
        continue;
      }
      const msg = decodeMessage(payload);
      // §8's switch points, in stream order: their hello gives the keys, every frame after their auth is sealed.
      if (msg.type === 'hello' && !('unknown' in msg) && msg.kx && !this.plaintext) this.link.agree(msg.kx);
      if (msg.type === 'auth' && this.link.encrypted) this.link.openFromNow();
      if (msg.type === 'ping' && !('unknown' in msg)) this.send({ type: 'pong', nonce: msg.nonce, time: Date.now(), height: 0 });
      const w = this.waiting;
      if (w && w.match(msg)) {
        this.waiting = undefined;
        w.resolve(msg);
      } else {
        this.inbox.push(msg);
        if (this.inbox.length > INBOX) this.inbox.shift();
      }
    }
  }
}
