// What this node has already relayed, by identity (PROTOCOL.md §5 Relay), so
// that each object goes to every peer once and a gossip loop dies out at the
// first node that has seen it. Bounded: when full the oldest identity is
// forgotten. Forgetting only costs a duplicate relay if the object comes
// round again much later, which the validity rules (ann/hb "newer than",
// first block at a height wins) already make harmless.
import { OldestFirst } from './forget-oldest';

/** A default large enough to span many intervals of traffic on a small network, small enough for a board (182 bytes an entry, COST.seenEntry). */
export const DEFAULT_SEEN_ENTRIES = 50_000;

/**
 * Map keys carry a one-letter tag so that a Buffer id and a string id with
 * the same characters never collide (a Buffer is keyed by its latin1 text:
 * one character per byte, cheaper than hex).
 */
const BUFFER_TAG = 'b';
const STRING_TAG = 's';

export class SeenCache {
  private readonly entries = new Map<string, true>();
  private readonly order = new OldestFirst(this.entries);

  constructor(readonly maxEntries: number = DEFAULT_SEEN_ENTRIES) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`SeenCache maxEntries must be a positive integer, got ${maxEntries}`);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  has(id: Buffer | string): boolean {
    return this.entries.has(keyOf(id));
  }

  /**
   * Remembers `id`; true when it was not already remembered (the caller
   * relays it), false for a repeat. A repeat does not refresh its age: the
   * point is to relay once, not to keep popular ids forever.
   */
  add(id: Buffer | string): boolean {
    const key = keyOf(id);
    if (this.entries.has(key)) return false;
    this.order.forgetTo(this.maxEntries - 1);
    this.entries.set(key, true);
    return true;
  }

  clear(): void {
    this.entries.clear();
  }
}

function keyOf(id: Buffer | string): string {
  return typeof id === 'string' ? STRING_TAG + id : BUFFER_TAG + id.toString('latin1');
}
