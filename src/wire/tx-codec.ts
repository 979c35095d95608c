// The relay's hot path of the codec: `tx` in and out. A relay node decodes
// every tx it forwards, and the general decoder builds each one twice (a CBOR
// value tree, then the schema's typed copy) with a Buffer per byte field. A tx
// laid out as our encoder lays it out, `{type, tx: {from, inputs, outputs,
// time, sig}}` with shortest-form integers, is read by position in one pass
// into the typed message, its byte fields cut from one copy; any other layout
// (other key order, extra keys, more than LIMITS allows, trailing bytes)
// returns undefined at the first byte that differs and goes to the general
// decoder, which judges it. Out, the same layout is written straight into one
// buffer, without the general encoder's walk over every object's keys.
// test/wire/tx-codec.test.ts holds each fast path equal to the general one.
import { putBytes, readUint, sameBytes, uintLength, uintSize, writeUint } from './fixed-layout';
import { LIMITS, type MessageOf } from './messages';

type Tx = MessageOf<'tx'>['tx'];

const key = (name: string): number[] => [0x60 + name.length, ...Buffer.from(name)];
const BYTES_32 = [0x58, 32];
// a2 {"type": "tx", "tx": a5 {"from": bstr(32) ...
const HEAD = Buffer.from([0xa2, ...key('type'), ...key('tx'), ...key('tx'), 0xa5, ...key('from'), ...BYTES_32]);
const INPUTS = Buffer.from(key('inputs'));
const INPUT_HEAD = Buffer.from([0xa2, ...key('txid'), ...BYTES_32]);
const INDEX = Buffer.from(key('index'));
const OUTPUTS = Buffer.from(key('outputs'));
const OUTPUT_HEAD = Buffer.from([0xa2, ...key('to'), ...BYTES_32]);
const AMOUNT = Buffer.from(key('amount'));
const TIME = Buffer.from(key('time'));
const SIG = Buffer.from([...key('sig'), 0x58, 64]);
const U32 = 0x1_0000_0000;
const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);
const U64_MAX = (1n << 64n) - 1n;
/** Array heads of one byte (a count under 24) or two (under 256); longer lists are the general encoder's. */
const MAX_FAST_LIST = 255;

/**
 * The payload each tx readTx returned was read from, in a buffer of its own.
 * A tx read here was laid out byte for byte as writeTx lays it out, so this
 * is what writeTx would write for it. Decoded objects are never changed in
 * place (chain/layouts.ts relies on it too), which keeps the two equal.
 */
const readFrom = new WeakMap<Tx, Buffer>();

/** The payload `tx` was read from by readTx (a buffer of its own), or undefined for a tx from anywhere else. */
export function payloadOf(tx: Tx): Buffer | undefined {
  return readFrom.get(tx);
}

/** A tx message in our encoder's layout, as decodeMessage returns it; undefined: decode it the general way. */
export function readTx(payload: Buffer): MessageOf<'tx'> | undefined {
  if (!sameBytes(payload, 0, HEAD)) return undefined;
  const fromAt = HEAD.length;
  const inputs = records(payload, fromAt + 32, INPUTS, LIMITS.txInputs, INPUT_HEAD, INDEX, readIndex);
  if (inputs === undefined) return undefined;
  const outputs = records(payload, inputs.end, OUTPUTS, LIMITS.txOutputs, OUTPUT_HEAD, AMOUNT, readU64);
  if (outputs === undefined) return undefined;
  let at = outputs.end;
  if (!sameBytes(payload, at, TIME)) return undefined;
  at += TIME.length;
  const time = readUint(payload, at);
  if (time < 0) return undefined;
  at += uintLength(payload[at] as number);
  if (!sameBytes(payload, at, SIG)) return undefined;
  at += SIG.length;
  if (at + 64 !== payload.length) return undefined;

  // One copy of the whole payload, every byte field a view into it: nothing
  // decoded keeps the frame alive (as decodeCbor copies), and the copy is the
  // payload a keeper of the tx keeps and relays (payloadOf), not written again.
  const own = Buffer.allocUnsafeSlow(payload.length);
  own.set(payload);
  const inputsAt = inputs.bytesAt;
  const outputsAt = outputs.bytesAt;
  const tx: Tx = {
    from: own.subarray(fromAt, fromAt + 32),
    inputs: inputs.values.map((index, i) => ({ txid: own.subarray(inputsAt[i]!, inputsAt[i]! + 32), index })),
    outputs: outputs.values.map((amount, i) => ({ to: own.subarray(outputsAt[i]!, outputsAt[i]! + 32), amount })),
    time,
    sig: own.subarray(at, at + 64),
  };
  readFrom.set(tx, own);
  return { type: 'tx', tx };
}

/** Where each record's 32-byte field starts, each record's integer, and where the list ends. */
interface Records<T> {
  bytesAt: number[];
  values: T[];
  end: number;
}

/**
 * `key: [{<32-byte field>, <integer>}, ...]` at b[at]: each record laid out as
 * `head` (map(2), the byte field's key and bstr(32) head), the 32 bytes, then
 * `valueKey` and an integer read by `read`; at most `max` records.
 */
function records<T>(b: Buffer, at: number, key: Buffer, max: number, head: Buffer, valueKey: Buffer, read: (b: Buffer, at: number) => T | undefined): Records<T> | undefined {
  if (!sameBytes(b, at, key)) return undefined;
  at += key.length;
  const count = arrayLength(b, at, max);
  if (count < 0) return undefined;
  at += count < 24 ? 1 : 2;
  // Sized up front: a first push gives an array room for 17, and this runs twice for every tx relayed.
  const bytesAt = new Array<number>(count);
  const values = new Array<T>(count);
  for (let i = 0; i < count; i++) {
    if (!sameBytes(b, at, head)) return undefined;
    bytesAt[i] = at + head.length;
    at += head.length + 32;
    if (!sameBytes(b, at, valueKey)) return undefined;
    at += valueKey.length;
    const value = read(b, at);
    if (value === undefined) return undefined;
    values[i] = value;
    at += uintLength(b[at] as number);
  }
  return { bytesAt, values, end: at };
}

function readIndex(b: Buffer, at: number): number | undefined {
  const v = readUint(b, at);
  return v < 0 ? undefined : v;
}

/** The length of a definite array head at b[at] in shortest form, at most `max`; -1 otherwise. */
function arrayLength(b: Buffer, at: number, max: number): number {
  if (at >= b.length) return -1;
  const first = b[at] as number;
  if (first >> 5 !== 4) return -1;
  const info = first & 0x1f;
  const n = info < 24 ? info : info === 24 && at + 1 < b.length ? (b[at + 1] as number) : -1;
  if (n < 0 || (info === 24 && n < 24) || n > max) return -1;
  return n;
}

/** A shortest-form CBOR unsigned integer of up to 64 bits as a bigint (amounts), or undefined. */
function readU64(b: Buffer, at: number): bigint | undefined {
  if (at >= b.length || (b[at] as number) !== 0x1b) {
    const v = readUint(b, at);
    return v < 0 ? undefined : BigInt(v);
  }
  if (at + 9 > b.length) return undefined;
  const hi = b.readUInt32BE(at + 1);
  const lo = b.readUInt32BE(at + 5);
  if (hi === 0) return undefined; // not the shortest form
  return hi < 0x20_0000 ? BigInt(hi * U32 + lo) : (BigInt(hi) << 32n) | BigInt(lo);
}

/**
 * The payload of `{type: 'tx', tx}` in our layout: what encodeMessage writes
 * for a tx whose properties are those of §3 in that order, as every decoder
 * and signTx build them. Undefined when a field does not fit the layout (a
 * wrong length, a negative or fractional integer, a list of 256 or more):
 * the general encoder then writes whatever it is given.
 */
export function writeTx(tx: Tx): Buffer | undefined {
  const { from, inputs, outputs, time, sig } = tx;
  if (from.length !== 32 || sig.length !== 64 || inputs.length > MAX_FAST_LIST || outputs.length > MAX_FAST_LIST || !isUint(time)) return undefined;
  let size = HEAD.length + 32 + INPUTS.length + listHeadSize(inputs.length) + OUTPUTS.length + listHeadSize(outputs.length);
  size += TIME.length + 1 + uintSize(time) + SIG.length + 64;
  for (const input of inputs) {
    if (input.txid.length !== 32 || !isUint(input.index)) return undefined;
    size += INPUT_HEAD.length + 32 + INDEX.length + 1 + uintSize(input.index);
  }
  for (const output of outputs) {
    const amount = output.amount;
    if (output.to.length !== 32 || typeof amount !== 'bigint' || amount < 0n || amount > U64_MAX) return undefined;
    size += OUTPUT_HEAD.length + 32 + AMOUNT.length + 1 + (amount <= MAX_SAFE_BIG ? uintSize(Number(amount)) : 8);
  }
  const out = Buffer.allocUnsafe(size);
  let at = putBytes(out, putBytes(out, 0, HEAD), from);
  at = writeListHead(out, putBytes(out, at, INPUTS), inputs.length);
  for (const input of inputs) at = writeUint(out, putBytes(out, putBytes(out, putBytes(out, at, INPUT_HEAD), input.txid), INDEX), input.index);
  at = writeListHead(out, putBytes(out, at, OUTPUTS), outputs.length);
  for (const output of outputs) at = writeAmount(out, putBytes(out, putBytes(out, putBytes(out, at, OUTPUT_HEAD), output.to), AMOUNT), output.amount);
  at = writeUint(out, putBytes(out, at, TIME), time);
  putBytes(out, putBytes(out, at, SIG), sig);
  return out;
}

function isUint(v: number): boolean {
  return Number.isSafeInteger(v) && v >= 0;
}

function listHeadSize(count: number): number {
  return count < 24 ? 1 : 2;
}

function writeListHead(b: Buffer, at: number, count: number): number {
  if (count < 24) {
    b[at] = 0x80 | count;
    return at + 1;
  }
  b[at] = 0x98;
  b[at + 1] = count;
  return at + 2;
}

/** An amount below 2^64 as the general encoder writes a bigint: a safe one as a number, a larger one in 8 bytes. */
function writeAmount(b: Buffer, at: number, amount: bigint): number {
  if (amount <= MAX_SAFE_BIG) return writeUint(b, at, Number(amount));
  b[at] = 0x1b;
  b.writeBigUInt64BE(amount, at + 1);
  return at + 9;
}
