// The handshake half of a connection's life (PROTOCOL.md §2, §8): our hello,
// the peer's hello checked (version, network, genesis, self, encryption),
// the key agreement, our auth bound to both kx values, the peer's auth
// verified, and on a serial line the repeats a lossy link needs. The same
// code for inbound and outbound; PeerConnection runs it from its one loop
// and takes over once `established` is called.
import type { KeyPair } from '../crypto';
import { randomBytes } from '../crypto';
import type { NodeConfig } from '../base/config';
import type { Logger } from '../base/log';
import { REJECT_CODES, RejectCode, WireError } from '../wire/errors';
import { encodeMessage, Message, MessageOf } from '../wire/messages';
import { KxBinding, signAuth, verifyAuth } from './auth';
import { ChainPosition, checkEncryption, checkHello, LocalIdentity, makeHello } from './handshake';
import type { Scheduler, Task } from './scheduler';
import type { SecureFraming } from './secure-framing';
import type { SerialLine } from './serial-line';

/** What the handshake needs of its connection. */
export interface HandshakeHost {
  readonly remote: string;
  readonly framing: SecureFraming;
  readonly line: SerialLine | undefined;
  readonly ctx: { identity: LocalIdentity; keys: KeyPair; config: NodeConfig; scheduler: Scheduler; chain(): ChainPosition };
  readonly log: Logger;
  readonly stillHandshaking: boolean;
  send(msg: Message): boolean;
  close(code: RejectCode | undefined, reason: string): void;
  protocolError(err: unknown): void;
  /** The peer refused us, or the far end of a serial link restarted: the connection ends without a reject of ours. */
  ended(code: RejectCode | 'restarted', reason: string, byPeer: boolean): void;
  /** The peer's hello passed: its claimed height is known. */
  helloAccepted(hello: MessageOf<'hello'>): void;
  /** Both hellos and auths are good; `early` are messages a serial far end sent while its auth was lost. */
  established(early: Message[]): void;
  /** Serial: the far end restarted the link; a fresh connection takes this hello. */
  restart: ((hello: Buffer) => void) | undefined;
}

/** Serial: messages kept while the far end's auth is asked for again (a handful: it is established, we are a round trip behind). */
const MAX_EARLY_MESSAGES = 32;

export class PeerHandshake {
  /** The peer's hello, once checked. */
  hello: MessageOf<'hello'> | undefined;
  private readonly challenge = randomBytes(32);
  private authenticated = false;
  private deadline: Task | undefined;
  /** The auth we sent, kept on a serial link to repeat it when the far end shows it missed it. */
  private authSent: MessageOf<'auth'> | undefined;
  private helloRetry: Task | undefined;
  /** Serial: messages of a far end that is established while we still wait for its auth (lost on the line); handled once it comes. */
  private early: Message[] = [];

  constructor(private readonly host: HandshakeHost) {}

  /** Sends our hello (both sides send it without waiting, §2) and starts the hello + auth deadline. */
  start(): void {
    const { config, scheduler } = this.host.ctx;
    this.deadline = scheduler.after(config.timings.handshakeDeadlineMs, () =>
      this.host.close('timeout', `no valid hello and auth within ${config.timings.handshakeDeadlineMs} ms`),
    );
    this.sendHello();
  }

  stop(): void {
    this.host.ctx.scheduler.cancel(this.deadline);
    this.host.ctx.scheduler.cancel(this.helloRetry);
    this.early = [];
  }

  /** On a serial line a frame can be lost: our hello is repeated, same challenge, until the far end's auth arrives. */
  private sendHello(): void {
    if (!this.host.stillHandshaking || this.authenticated) return;
    const { identity, config, scheduler, chain } = this.host.ctx;
    this.host.send(makeHello(identity, chain(), this.challenge, scheduler.now(), this.host.framing.kx.publicKey));
    const line = this.host.line;
    if (line) this.helloRetry = scheduler.after(config.serial.helloRetryMs + line.backlogMs(), () => this.sendHello());
  }

  onHello(hello: MessageOf<'hello'>): void {
    const host = this.host;
    if (this.hello && host.line) return this.onSerialHelloAgain(hello);
    if (this.hello) {
      host.protocolError(new WireError('second hello on one connection'));
      return;
    }
    const refusal = checkHello(host.ctx.identity, hello);
    if (refusal) {
      this.hello = hello;
      host.close(refusal.code, refusal.reason);
      return;
    }
    this.hello = hello;
    host.helloAccepted(hello);
    const plaintext = checkEncryption(hello, host.remote, host.ctx.config.links.allowPlaintext);
    if (plaintext) {
      host.close(plaintext.code, plaintext.reason);
      return;
    }
    let binding: KxBinding | undefined;
    if (hello.kx) {
      try {
        binding = host.framing.agree(hello.kx);
      } catch (err) {
        host.protocolError(err);
        return;
      }
    }
    this.authSent = { type: 'auth', sig: signAuth(host.ctx.keys, hello.challenge, binding) };
    host.send(this.authSent);
  }

  /**
   * Serial, before our handshake completed: with no hello yet it is what the
   * far end sent its previous connection (stale); after its hello it means
   * the far end is established and its auth was lost: ask again (our hello
   * repeated brings its auth) and keep the message for then.
   */
  onSerialEarly(msg: Message): void {
    if (!this.hello || this.early.length >= MAX_EARLY_MESSAGES) return;
    if (this.early.length === 0) {
      this.host.ctx.scheduler.cancel(this.helloRetry);
      this.sendHello();
    }
    this.early.push(msg);
  }

  /**
   * A serial link has no connect and may lose frames, so a second hello is
   * news, not an offence: the same one again means the far end missed our
   * auth; a new one on an established link means the far end restarted (a
   * fresh connection takes it over); a new one while we are still
   * handshaking means it started over, and we answer the newest.
   */
  private onSerialHelloAgain(hello: MessageOf<'hello'>): void {
    const held = this.hello as MessageOf<'hello'>;
    if (held.challenge.equals(hello.challenge) && held.node.equals(hello.node)) {
      if (this.authSent) this.host.send(this.authSent);
      return;
    }
    const restart = this.host.restart;
    if (!this.host.stillHandshaking && restart) {
      this.host.log.info('the far end restarted the link: starting a new connection');
      this.host.ended('restarted', 'the far end restarted the link (a new hello)', false);
      restart(encodeMessage(hello));
      return;
    }
    this.hello = undefined;
    this.onHello(hello);
  }

  onAuth(auth: MessageOf<'auth'>): void {
    const host = this.host;
    if (!this.hello) {
      if (host.line) return; // serial: our hello repeats until the far end answers the one it has
      host.protocolError(new WireError('auth before hello'));
      return;
    }
    const binding = this.hello.kx && { signer: this.hello.kx, other: host.framing.kx.publicKey };
    // Serial: a repeated auth (we repeated our hello) or one signed for a previous connection's challenge is stale.
    const stale = host.line !== undefined && (this.authenticated || !verifyAuth(this.hello.node, this.challenge, auth.sig, binding));
    if (stale) return;
    if (this.authenticated) {
      host.protocolError(new WireError('second auth on one connection'));
      return;
    }
    if (!verifyAuth(this.hello.node, this.challenge, auth.sig, binding)) {
      host.protocolError(new WireError(`auth signature does not verify for node ${this.hello.node.toString('hex')}${binding ? ' over both kx values' : ''}`));
      return;
    }
    if (binding) host.framing.openFromNow();
    this.authenticated = true;
    host.ctx.scheduler.cancel(this.deadline);
    const early = this.early;
    this.early = [];
    host.established(early);
  }

  onReject(reject: MessageOf<'reject'>): void {
    this.host.log.warn(`peer refused us: ${reject.reason}`, { code: reject.code });
    const code = REJECT_CODES.find((c) => c === reject.code) ?? 'protocol';
    this.host.ended(code, reject.reason, true);
  }
}
