// A u64be field as a JS number, without a BigInt: every layout of §4, the
// CBOR codec, the ping fast path and the block record read and write times,
// heights and counts this way (writeBigUInt64BE allocates several bigints
// per call). Exact to Number.MAX_SAFE_INTEGER; the callers decide what a
// larger value means (a bigint, a refusal, damage).
const TWO_32 = 0x1_0000_0000;
/** High word of Number.MAX_SAFE_INTEGER: a u64 with a larger high word is not a JS number exactly. */
const MAX_SAFE_HIGH = 0x1f_ffff;

/** Writes `value` (a safe non-negative integer) as 8 bytes big-endian at `at`. */
export function writeSafeU64(out: Buffer, value: number, at: number): void {
  const high = Math.floor(value / TWO_32);
  out.writeUInt32BE(high, at);
  out.writeUInt32BE(value - high * TWO_32, at + 4);
}

/** The u64be at `at` as a number, or undefined when it is past Number.MAX_SAFE_INTEGER. */
export function readSafeU64(buf: Buffer, at: number): number | undefined {
  const high = buf.readUInt32BE(at);
  if (high > MAX_SAFE_HIGH) return undefined;
  return high * TWO_32 + buf.readUInt32BE(at + 4);
}
