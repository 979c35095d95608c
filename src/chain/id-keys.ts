// Ids as the node's maps and sets key them: a 32-byte id (a txid, a block
// hash, a node key) as one flat latin1 string, one character per byte, with
// a kind's letter in front or a counter's digits behind where two things
// share an id (a relay identity, an outpoint). Hex doubled every key and
// made each one slower to build; the pool, its finality memory and the
// relay's seen-cache keep hundreds of thousands of them. Messages show ids
// in hex (keyHex).
import { HASH_BYTES } from '../crypto';

// A lead letter, the id, and room for any number String() writes.
const scratch = Buffer.allocUnsafe(1 + HASH_BYTES + 32);

/**
 * `[lead] id [counter digits]` as one flat string: written through a
 * scratch buffer, since a concatenation would keep a second string object
 * for every key a map holds. The id's fixed length keeps two keys apart.
 * `name` says what the id is when it has the wrong length.
 */
export function idKey(id: Uint8Array, name: string, counter?: number, lead?: number): string {
  if (id.length !== HASH_BYTES) throw new RangeError(`${name} is ${HASH_BYTES} bytes, got ${id.length}`);
  let at = 0;
  if (lead !== undefined) scratch[at++] = lead;
  scratch.set(id, at);
  at += HASH_BYTES;
  if (counter !== undefined) at += scratch.write(String(counter), at, 'latin1');
  return scratch.toString('latin1', 0, at);
}

/** A txid as the pool and its finality memory key it: its 32 bytes, nothing else. */
export function txKey(txid: Buffer): string {
  return txid.toString('latin1');
}

/** The hex of the id in a key (a txKey, an outpoint key), for messages. */
export function keyHex(key: string): string {
  return Buffer.from(key.slice(0, HASH_BYTES), 'latin1').toString('hex');
}
