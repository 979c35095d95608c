// The relay's hot path of the codec: `tx` in. A relay node decodes every tx
// it forwards, and the general decoder builds each one twice (a CBOR value
// tree, then the schema's typed copy) with a Buffer per byte field. A tx laid
// out as our encoder lays it out, `{type, tx: {from, inputs, outputs, time,
// sig}}` with shortest-form integers, is read by position in one pass into
// the typed message, its byte fields cut from one copy; any other layout
// (other key order, extra keys, more than LIMITS allows, trailing bytes)
// returns undefined at the first byte that differs and goes to the general
// decoder, which judges it. test/wire/tx-codec.test.ts holds the two equal.
import { readUint, sameBytes, uintLength } from './fixed-layout';
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

/** A tx message in our encoder's layout, as decodeMessage returns it; undefined: decode it the general way. */
export function readTx(payload: Buffer): MessageOf<'tx'> | undefined {
  if (!sameBytes(payload, 0, HEAD)) return undefined;
  const fromAt = HEAD.length;
  let at = fromAt + 32;
  if (!sameBytes(payload, at, INPUTS)) return undefined;
  at += INPUTS.length;
  const inputCount = arrayLength(payload, at, LIMITS.txInputs);
  if (inputCount < 0) return undefined;
  at += arrayHeadLength(inputCount);
  const inputsAt = at;
  const indexes: number[] = [];
  for (let i = 0; i < inputCount; i++) {
    if (!sameBytes(payload, at, INPUT_HEAD)) return undefined;
    at += INPUT_HEAD.length + 32;
    if (!sameBytes(payload, at, INDEX)) return undefined;
    at += INDEX.length;
    const index = readUint(payload, at);
    if (index < 0) return undefined;
    indexes.push(index);
    at += uintLength(payload[at] as number);
  }
  if (!sameBytes(payload, at, OUTPUTS)) return undefined;
  at += OUTPUTS.length;
  const outputCount = arrayLength(payload, at, LIMITS.txOutputs);
  if (outputCount < 0) return undefined;
  at += arrayHeadLength(outputCount);
  const outputsAt = at;
  const amounts: bigint[] = [];
  for (let i = 0; i < outputCount; i++) {
    if (!sameBytes(payload, at, OUTPUT_HEAD)) return undefined;
    at += OUTPUT_HEAD.length + 32;
    if (!sameBytes(payload, at, AMOUNT)) return undefined;
    at += AMOUNT.length;
    const amount = readU64(payload, at);
    if (amount === undefined) return undefined;
    amounts.push(amount);
    at += uintLength(payload[at] as number);
  }
  if (!sameBytes(payload, at, TIME)) return undefined;
  at += TIME.length;
  const time = readUint(payload, at);
  if (time < 0) return undefined;
  at += uintLength(payload[at] as number);
  if (!sameBytes(payload, at, SIG)) return undefined;
  at += SIG.length;
  if (at + 64 !== payload.length) return undefined;

  // One copy for every byte field, so nothing decoded keeps the frame alive (as decodeCbor copies).
  const arena = Buffer.allocUnsafe(32 + 64 + 32 * (inputCount + outputCount));
  let put = 0;
  const take = (from: number, n: number): Buffer => {
    for (let i = 0; i < n; i++) arena[put + i] = payload[from + i] as number;
    put += n;
    return arena.subarray(put - n, put);
  };
  const from = take(fromAt, 32);
  const sig = take(at, 64);
  const inputs: Tx['inputs'] = [];
  const inputStride = INPUT_HEAD.length + 32 + INDEX.length;
  for (let i = 0, p = inputsAt; i < inputCount; i++) {
    const index = indexes[i] as number;
    inputs.push({ txid: take(p + INPUT_HEAD.length, 32), index });
    p += inputStride + uintLength(payload[p + inputStride] as number);
  }
  const outputs: Tx['outputs'] = [];
  const outputStride = OUTPUT_HEAD.length + 32 + AMOUNT.length;
  for (let i = 0, p = outputsAt; i < outputCount; i++) {
    outputs.push({ to: take(p + OUTPUT_HEAD.length, 32), amount: amounts[i] as bigint });
    p += outputStride + uintLength(payload[p + outputStride] as number);
  }
  const tx: Tx = { from, inputs, outputs, time, sig };
  return { type: 'tx', tx };
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

function arrayHeadLength(n: number): number {
  return n < 24 ? 1 : 2;
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
