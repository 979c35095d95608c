// The schema-level sanity of a tx (PROTOCOL.md §4): what makes a tx
// meaningless whatever its signature, and what one costs against the pool's
// byte bound. Pure functions of the tx.
import { HASH_BYTES, PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from '../crypto';
import { idKey, keyHex } from './id-keys';
import type { Tx, TxInput } from './types';

/** §4: a tx holds at most 64 inputs and 64 outputs. */
export const MAX_TX_INPUTS = 64;
export const MAX_TX_OUTPUTS = 64;
/** What a tx costs against `maxBytes`: from + sig + time, then txid + index per input and to + amount per output. */
const TX_FIXED_BYTES = PUBLIC_KEY_BYTES + SIGNATURE_BYTES + 8;
const TX_INPUT_BYTES = HASH_BYTES + 8;
const TX_OUTPUT_BYTES = PUBLIC_KEY_BYTES + 8;
/** The largest tx the schema allows; a pool smaller than this could never hold one. */
export const MAX_TX_BYTES = TX_FIXED_BYTES + MAX_TX_INPUTS * TX_INPUT_BYTES + MAX_TX_OUTPUTS * TX_OUTPUT_BYTES;
const U64_MAX = (1n << 64n) - 1n;

/** Size of a tx against `maxBytes`: its fields, without CBOR overhead. */
export function txBytes(tx: Pick<Tx, 'inputs' | 'outputs'>): number {
  return TX_FIXED_BYTES + TX_INPUT_BYTES * tx.inputs.length + TX_OUTPUT_BYTES * tx.outputs.length;
}

export function hex(b: Buffer): string {
  return b.toString('hex');
}

/** An outpoint's key in the pool's maps: its txid's id key, then the index in decimal. */
export function outpointKey(input: TxInput): string {
  return idKey(input.txid, "an outpoint's txid", input.index);
}

/** An outpoint key as a person reads it: the txid's first 8 bytes in hex, then `…:index`. */
export function outpointText(o: string): string {
  return `${shortHex(keyHex(o))}…:${o.slice(HASH_BYTES)}`;
}

export function shortHex(keyHex: string): string {
  return keyHex.slice(0, 16);
}

/** The schema-level sanity of §4: what makes a tx meaningless whatever its signature. */
export function txProblem(tx: Tx, latestTime: number): string | undefined {
  if (tx.from.length !== PUBLIC_KEY_BYTES) return `from must be ${PUBLIC_KEY_BYTES} bytes, got ${tx.from.length}`;
  if (tx.sig.length !== SIGNATURE_BYTES) return `sig must be ${SIGNATURE_BYTES} bytes, got ${tx.sig.length}`;
  if (tx.inputs.length === 0) return 'a tx must spend at least one input';
  if (tx.inputs.length > MAX_TX_INPUTS) return `${tx.inputs.length} inputs; at most ${MAX_TX_INPUTS}`;
  if (tx.outputs.length > MAX_TX_OUTPUTS) return `${tx.outputs.length} outputs; at most ${MAX_TX_OUTPUTS}`;
  // One input cannot repeat itself: most txs need no set of outpoint keys.
  const seen = tx.inputs.length > 1 ? new Set<string>() : undefined;
  for (let i = 0; i < tx.inputs.length; i++) {
    const input = tx.inputs[i]!;
    if (input.txid.length !== HASH_BYTES) return `inputs[${i}].txid must be ${HASH_BYTES} bytes, got ${input.txid.length}`;
    if (!Number.isSafeInteger(input.index) || input.index < 0) return `inputs[${i}].index must be an integer ≥ 0, got ${input.index}`;
    if (seen === undefined) continue;
    const key = outpointKey(input);
    if (seen.has(key)) return `duplicate input ${outpointText(key)} (inputs[${i}])`;
    seen.add(key);
  }
  for (const [i, output] of tx.outputs.entries()) {
    if (output.to.length !== PUBLIC_KEY_BYTES) return `outputs[${i}].to must be ${PUBLIC_KEY_BYTES} bytes, got ${output.to.length}`;
    if (typeof output.amount !== 'bigint' || output.amount < 0n || output.amount > U64_MAX) return `outputs[${i}].amount must be in 0..2^64−1`;
  }
  if (!Number.isSafeInteger(tx.time) || tx.time < 0) return `time must be an integer ≥ 0, got ${tx.time}`;
  if (tx.time > latestTime) return `time ${tx.time} is more than the allowed clock skew ahead (latest accepted ${latestTime})`;
  return undefined;
}

