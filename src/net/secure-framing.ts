// The encrypted link of PROTOCOL.md §8 as a Framing: every frame this side
// sends after its own `auth` is sealed, every frame received after the
// peer's `auth` opened, with a per-direction counter `c` as nonce. The
// connection only marks its handshake frames (encodeHandshake) and says
// when the peer's auth passed (openFromNow); PeerConnection and the message
// loop keep their shape.
//
// Sealing happens at write time (finish), not when a frame is queued: the
// send queue puts control frames ahead of queued relays and drops the oldest
// relay when full, so only the order frames reach the socket in is the order
// of `c`. encode() leaves room for `c` and the tag around the payload, so
// over TCP a frame is sealed where it lies; a plaintext frame is a view of
// the same buffer.
//
// Two counter rules: over TCP `c` must be exactly the previous one + 1 and
// any failure is a protocol error (the stream is reliable, so a gap or a
// replay is an attack); over a serial line a frame whose `c` does not
// increase, or that fails to open, is dropped and counted like a bad CRC,
// and a gap counts the frames the line lost. A serial line loses frames, so
// its hellos and auths are repeated (src/net/peer-connection.ts): they stay
// in clear whenever they are sent, and a sealed frame that comes before the
// peer's auth (the auth was lost) is opened all the same.
import { AEAD_TAG_BYTES, aeadOpen, aeadSealInPlace, KX_PUBLIC_KEY_BYTES, KxError, kxKeyPair, kxRole, kxSessionKeys, type KxKeyPair, type KxRole } from '../crypto';
import { WireError } from '../wire/errors';
import { FrameReader } from '../wire/frame';
import { decodeMessage } from '../wire/messages';
import { encodeSerialFrame, SerialFrameReader } from '../wire/serial-frame';
import type { KxBinding } from './auth';
import type { Framing } from './framing';

/** `u64be c` in front of the ciphertext. */
export const COUNTER_BYTES = 8;
/** What encryption adds to a payload: `c` and the Poly1305 tag. */
export const SEAL_OVERHEAD = COUNTER_BYTES + AEAD_TAG_BYTES;
const LENGTH_PREFIX = 4;
const NONCE_BYTES = 12;
const U32 = 0x1_0000_0000;

/** What encode() leaves in the first byte of the `c` field until finish() writes `c` there. */
const SEALED_ONCE_ARMED = 0;
const CLEAR = 1;
/** Our own auth: in clear, and every frame written after it is sealed. */
const CLEAR_THEN_SEAL = 2;

/** `consecutive`: TCP, c = previous + 1 or the link fails. `increasing`: serial, a bad frame is dropped and counted. */
export type CounterRule = 'consecutive' | 'increasing';

export interface LinkStats {
  /** Frames sealed / opened on this link. */
  sealed: number;
  opened: number;
  /** Serial only: frames dropped for failing to authenticate or for a `c` that did not increase. */
  refused: number;
  /** Serial only: frames the line lost, from the gaps in `c`. */
  lost: number;
}

export interface SecureFramingOptions {
  maxFrame: number;
  /** This connection's kx pair; a fresh one by default (§8: one per connection). */
  kx?: KxKeyPair;
  /** Test-only: the first `c` this side sends with, to reach the end of the counter without 2^64 frames. */
  sendCounterFrom?: bigint;
  /** Test-only: the `c` the first frame received must carry (TCP) or exceed by at most a gap (serial). */
  receiveCounterFrom?: bigint;
}

/** A 64-bit counter as two u32 halves: exact to 2^64 - 1 without a BigInt per frame. */
class Counter {
  hi: number;
  lo: number;
  constructor(private readonly from: bigint = 0n) {
    if (from < 0n || from >= 1n << 64n) throw new RangeError(`a frame counter is 0..2^64-1, got ${from}`);
    this.hi = Number(from >> 32n);
    this.lo = Number(from & 0xffff_ffffn);
  }

  reset(): void {
    this.hi = Number(this.from >> 32n);
    this.lo = Number(this.from & 0xffff_ffffn);
  }

  /** Steps to the next value; false when it wrapped past 2^64 - 1. */
  step(): boolean {
    if (++this.lo < U32) return true;
    this.lo = 0;
    if (++this.hi < U32) return true;
    this.hi = 0;
    return false;
  }

  /** Big-endian at buf[at .. at + 8), byte by byte: writeUInt32BE's checks cost more than the stores, twice a frame. */
  write(buf: Uint8Array, at: number): void {
    const { hi, lo } = this;
    buf[at] = hi >>> 24;
    buf[at + 1] = hi >>> 16;
    buf[at + 2] = hi >>> 8;
    buf[at + 3] = hi;
    buf[at + 4] = lo >>> 24;
    buf[at + 5] = lo >>> 16;
    buf[at + 6] = lo >>> 8;
    buf[at + 7] = lo;
  }

  get value(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }
}

/** What a payload's bytes become on the wire, and how the stream is cut back into payloads. */
interface Layout {
  /** Bytes before the `c` field in a buffer from encode(): the TCP length prefix, or none. */
  readonly head: number;
  reader: { push(chunk: Buffer): Buffer[]; readonly buffered: number; readonly dropped?: number };
  /** The wire bytes of a frame whose payload is buf[head .. end) (sealed) or buf[head + 8 .. end - 16) (plain). */
  toWire(buf: Buffer, start: number, end: number): Buffer;
}

function lengthPrefixLayout(maxFrame: number): Layout {
  return {
    head: LENGTH_PREFIX,
    reader: new FrameReader(maxFrame),
    toWire(buf, start, end) {
      // The prefix goes right before the payload: in place, no copy.
      buf.writeUInt32BE(end - start, start - LENGTH_PREFIX);
      // A sealed frame is the whole buffer: no view to make.
      return start === LENGTH_PREFIX && end === buf.length ? buf : buf.subarray(start - LENGTH_PREFIX, end);
    },
  };
}

function serialLayout(maxFrame: number): Layout {
  return {
    head: 0,
    reader: new SerialFrameReader(maxFrame),
    // COBS rewrites every byte anyway: the CRC and the encoding come after sealing.
    toWire: (buf, start, end) => encodeSerialFrame(buf.subarray(start, end)),
  };
}

export class SecureFraming implements Framing {
  readonly kx: KxKeyPair;
  readonly rule: CounterRule;
  readonly stats: LinkStats = { sealed: 0, opened: 0, refused: 0, lost: 0 };
  /** Called once, when the last `c` this side may use has been used: the link must close (a new one gets new keys). */
  onExhausted: () => void = () => undefined;
  private role: KxRole | undefined;
  private sendKey: Buffer | undefined;
  private receiveKey: Buffer | undefined;
  private sealing = false;
  private opening = false;
  private exhausted = false;
  private readonly sendCounter: Counter;
  /** TCP: the `c` the next frame must carry. Serial: one past the last accepted `c`. */
  private readonly receiveCounter: Counter;
  /** The peer has used its last `c`: whatever comes after can only be a replay. */
  private receiveSpent = false;
  private readonly sendNonce = Buffer.alloc(NONCE_BYTES);
  private readonly receiveNonce = Buffer.alloc(NONCE_BYTES);

  constructor(
    private readonly layout: Layout,
    rule: CounterRule,
    options: SecureFramingOptions,
  ) {
    this.rule = rule;
    this.kx = options.kx ?? kxKeyPair();
    this.sendCounter = new Counter(options.sendCounterFrom);
    this.receiveCounter = new Counter(options.receiveCounterFrom);
  }

  /** Whether both sides offered kx and the session keys are agreed. */
  get encrypted(): boolean {
    return this.sendKey !== undefined;
  }

  /** Which side of crypto_kx this side plays, once agreed. */
  get kxRole(): KxRole | undefined {
    return this.role;
  }

  get buffered(): number {
    return this.layout.reader.buffered;
  }

  /** Frames dropped and counted instead of failing the link: the serial reader's, and those that did not open. */
  get dropped(): number {
    return (this.layout.reader.dropped ?? 0) + this.stats.refused;
  }

  /** The next `c` this side would send (tests, status). */
  get nextSendCounter(): bigint {
    return this.sendCounter.value;
  }

  /**
   * Agrees session keys with the peer's kx (§8). Throws WireError when the
   * two kx values are equal or the peer's cannot make keys. Returns the
   * binding our auth signs.
   */
  agree(peerKx: Buffer): KxBinding {
    if (peerKx.length !== KX_PUBLIC_KEY_BYTES) throw new WireError(`kx must be ${KX_PUBLIC_KEY_BYTES} bytes, got ${peerKx.length}`, 'hello.kx');
    const role = kxRole(this.kx.publicKey, peerKx);
    if (role === undefined) throw new WireError('the peer\'s kx equals ours', 'hello.kx');
    let keys;
    try {
      keys = kxSessionKeys(role, this.kx, peerKx);
    } catch (err) {
      if (err instanceof KxError) throw new WireError(err.message, 'hello.kx');
      throw err;
    }
    // A serial far end that started over sends a new hello on the same
    // connection: its new kx starts the cipher afresh in both directions.
    this.role = role;
    this.sendKey = keys.send;
    this.receiveKey = keys.receive;
    this.sealing = false;
    this.opening = false;
    this.exhausted = false;
    this.receiveSpent = false;
    this.sendCounter.reset();
    this.receiveCounter.reset();
    return { signer: this.kx.publicKey, other: peerKx };
  }

  /** The peer's auth has been accepted: every payload from here on is sealed. */
  openFromNow(): void {
    if (!this.receiveKey) throw new Error('openFromNow before agree');
    this.opening = true;
  }

  push(chunk: Buffer): Buffer[] {
    return this.layout.reader.push(chunk);
  }

  /** A payload in a buffer with room for `c` and the tag; finish() makes it wire bytes, sealed once our auth is out. */
  encode(payload: Buffer): Buffer {
    return this.room(payload, SEALED_ONCE_ARMED);
  }

  /**
   * A hello or auth: always in clear (§8 seals what comes after our auth; a
   * serial line repeats both). With `ownAuth` on an agreed link, every frame
   * written after this one is sealed.
   */
  encodeHandshake(payload: Buffer, ownAuth: boolean): Buffer {
    return this.room(payload, ownAuth && this.sendKey ? CLEAR_THEN_SEAL : CLEAR);
  }

  private room(payload: Buffer, mark: number): Buffer {
    if (payload.length === 0) throw new RangeError('an empty payload cannot be framed');
    const head = this.layout.head;
    const buf = Buffer.allocUnsafe(head + SEAL_OVERHEAD + payload.length);
    buf[head] = mark;
    // TypedArray#set, not Buffer#copy: for a ping-sized payload copy's argument handling costs more than the bytes.
    buf.set(payload, head + COUNTER_BYTES);
    return buf;
  }

  /**
   * The wire bytes of a frame from encode(), called in the order frames reach
   * the socket. Undefined once the send counter is spent: the frame is not
   * sent, and the link is closing (onExhausted).
   */
  finish(buf: Buffer): Buffer | undefined {
    const head = this.layout.head;
    const mark = buf[head];
    if (mark !== SEALED_ONCE_ARMED || !this.sealing) {
      if (mark === CLEAR_THEN_SEAL) this.sealing = true;
      return this.layout.toWire(buf, head + COUNTER_BYTES, buf.length - AEAD_TAG_BYTES);
    }
    if (this.exhausted) return undefined;
    const length = buf.length - head - SEAL_OVERHEAD;
    this.sendCounter.write(buf, head);
    this.sendCounter.write(this.sendNonce, 4);
    aeadSealInPlace(this.sendKey!, this.sendNonce, buf, head + COUNTER_BYTES, length);
    this.stats.sealed++;
    if (!this.sendCounter.step()) {
      this.exhausted = true;
      this.onExhausted();
    }
    return this.layout.toWire(buf, head, buf.length);
  }

  /**
   * The payload to decode, in message order: as it came before the peer's
   * auth, opened after it. TCP: throws WireError on a bad counter or a frame
   * that does not authenticate. Serial: undefined for a frame dropped and
   * counted (openFromLine).
   */
  open(payload: Buffer): Buffer | undefined {
    if (this.rule === 'increasing') return this.openFromLine(payload);
    if (!this.opening) return payload;
    if (this.receiveSpent) throw new WireError('a frame after the peer used its last counter value');
    if (payload.length <= SEAL_OVERHEAD) throw new WireError(`an encrypted frame of ${payload.length} bytes holds no payload (${SEAL_OVERHEAD} bytes of counter and tag)`);
    const hi = payload.readUInt32BE(0);
    const lo = payload.readUInt32BE(4);
    const expected = this.receiveCounter;
    if (hi !== expected.hi || lo !== expected.lo) {
      throw new WireError(`frame counter ${(BigInt(hi) << 32n) | BigInt(lo)}, expected ${expected.value} (a replayed, skipped or reordered frame)`);
    }
    expected.write(this.receiveNonce, 4);
    const plain = aeadOpen(this.receiveKey!, this.receiveNonce, payload, COUNTER_BYTES, payload.length - COUNTER_BYTES);
    if (!plain) throw new WireError(`frame ${(BigInt(hi) << 32n) | BigInt(lo)} fails to authenticate`);
    this.stats.opened++;
    if (!expected.step()) this.receiveSpent = true;
    return plain;
  }

  /**
   * Serial: a frame that opens under the receive key is sealed, even before
   * the peer's auth (which the line may have lost). One that does not must
   * be a message in clear: any before the peer's auth, after it only a
   * repeated hello or auth; anything else is dropped and counted.
   */
  private openFromLine(payload: Buffer): Buffer | undefined {
    const plain = !this.receiveKey || this.receiveSpent || payload.length <= SEAL_OVERHEAD ? undefined : this.openIncreasing(payload);
    if (plain) return plain;
    // A sealed frame of the far end's previous connection (it outlived ours)
    // neither opens nor decodes: dropped and counted, as stale clear ones
    // are ignored, rather than failing the new connection.
    const clear = clearType(payload);
    if (clear !== undefined && (!this.opening || clear === 'hello' || clear === 'auth')) return payload;
    this.stats.refused++;
    return undefined;
  }

  private openIncreasing(payload: Buffer): Buffer | undefined {
    const hi = payload.readUInt32BE(0);
    const lo = payload.readUInt32BE(4);
    const expected = this.receiveCounter;
    if (hi < expected.hi || (hi === expected.hi && lo < expected.lo)) return undefined; // a replay, or a clear frame
    payload.copy(this.receiveNonce, 4, 0, COUNTER_BYTES);
    // On a copy: libsodium zeroes what fails to open, and a clear hello must survive the attempt (a slow line can afford it).
    const attempt = Buffer.from(payload);
    const plain = aeadOpen(this.receiveKey!, this.receiveNonce, attempt, COUNTER_BYTES, attempt.length - COUNTER_BYTES);
    if (!plain) return undefined;
    this.stats.opened++;
    this.stats.lost += Number(((BigInt(hi) << 32n) | BigInt(lo)) - expected.value);
    expected.hi = hi;
    expected.lo = lo;
    if (!expected.step()) this.receiveSpent = true;
    return plain;
  }

}

/** The type of a message in clear, or undefined for bytes that are not one (a sealed frame). */
function clearType(payload: Buffer): string | undefined {
  try {
    return decodeMessage(payload).type;
  } catch {
    return undefined;
  }
}

/** §8 over TCP: the §1 length prefix around the (encrypted) payload; any bad frame fails the link. */
export function secureLengthPrefixFraming(options: SecureFramingOptions): SecureFraming {
  return new SecureFraming(lengthPrefixLayout(options.maxFrame), 'consecutive', options);
}

/** §8 over a serial line: COBS + CRC around the (encrypted) payload; a bad frame is dropped and counted. */
export function secureSerialFraming(options: SecureFramingOptions): SecureFraming {
  return new SecureFraming(serialLayout(options.maxFrame), 'increasing', options);
}
