// How a batch of signature checks crosses to a verify worker and back: one
// ArrayBuffer each way, transferred (not copied) by postMessage, so a batch
// of 64 costs one message instead of 64 structured clones of three Buffers.
//
// Request: u32 count, then per check u8 key length, u8 signature length,
// u32 message length, key, signature, message. Reply: one byte per check,
// 1 = valid, in order. Lengths are carried as they are (not forced to 32/64)
// so a worker gives a key or signature of the wrong length the same `false`
// the inline verify gives.
import type { SignedMessage } from './backend';

const COUNT_BYTES = 4;
const ITEM_HEADER_BYTES = 6;
/** u8 length fields: Ed25519 keys and signatures are far below this, anything longer is invalid anyway. */
const MAX_FIELD_BYTES = 255;

/** Whether `check` fits the request layout; one that does not is verified where it is (it can only be false). */
export function fitsWire(check: SignedMessage): boolean {
  return check.publicKey.length <= MAX_FIELD_BYTES && check.signature.length <= MAX_FIELD_BYTES;
}

export function encodeRequest(checks: readonly SignedMessage[]): ArrayBuffer {
  let size = COUNT_BYTES;
  for (const c of checks) size += ITEM_HEADER_BYTES + c.publicKey.length + c.signature.length + c.message.length;
  const buf = new ArrayBuffer(size);
  const bytes = new Uint8Array(buf);
  const view = new DataView(buf);
  view.setUint32(0, checks.length);
  let at = COUNT_BYTES;
  for (const c of checks) {
    view.setUint8(at, c.publicKey.length);
    view.setUint8(at + 1, c.signature.length);
    view.setUint32(at + 2, c.message.length);
    at += ITEM_HEADER_BYTES;
    bytes.set(c.publicKey, at);
    at += c.publicKey.length;
    bytes.set(c.signature, at);
    at += c.signature.length;
    bytes.set(c.message, at);
    at += c.message.length;
  }
  return buf;
}

/** The checks of a request, as views into its buffer (no copies). */
export function decodeRequest(buf: ArrayBuffer): SignedMessage[] {
  const view = new DataView(buf);
  const count = view.getUint32(0);
  const checks: SignedMessage[] = new Array<SignedMessage>(count);
  let at = COUNT_BYTES;
  for (let i = 0; i < count; i++) {
    const keyLength = view.getUint8(at);
    const sigLength = view.getUint8(at + 1);
    const msgLength = view.getUint32(at + 2);
    at += ITEM_HEADER_BYTES;
    const publicKey = Buffer.from(buf, at, keyLength);
    at += keyLength;
    const signature = Buffer.from(buf, at, sigLength);
    at += sigLength;
    const message = Buffer.from(buf, at, msgLength);
    at += msgLength;
    checks[i] = { publicKey, message, signature };
  }
  return checks;
}

export function encodeReply(verdicts: readonly boolean[]): ArrayBuffer {
  const out = new Uint8Array(verdicts.length);
  for (let i = 0; i < verdicts.length; i++) out[i] = verdicts[i] ? 1 : 0;
  return out.buffer;
}

export function decodeReply(buf: ArrayBuffer): boolean[] {
  const bytes = new Uint8Array(buf);
  const verdicts = new Array<boolean>(bytes.length);
  for (let i = 0; i < bytes.length; i++) verdicts[i] = bytes[i] === 1;
  return verdicts;
}

/** Messages between the pool and a worker. */
export type ToWorker = { kind: 'verify'; id: number; request: ArrayBuffer };
export type FromWorker = { kind: 'ready'; impl: string } | { kind: 'verdicts'; id: number; reply: ArrayBuffer };

/** What the pool hands a worker at start (workerData). */
export interface VerifyWorkerData {
  /** Marks the bundle's own file, run as a worker, as a verify worker (src/sea/main.ts). */
  role: typeof VERIFY_WORKER_ROLE;
  /** The main thread's verify backend ("sodium-native", "node:crypto", "@noble/ed25519"): the worker uses the same. */
  impl: string;
  /** Tests only (VerifyPoolOptions.crashOnMessage): a worker that meets this message exits, mid-batch. */
  crashOnMessage?: Uint8Array;
}

export const VERIFY_WORKER_ROLE = 'timenode-verify-worker';
