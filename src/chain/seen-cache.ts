// What this node has already relayed, by identity (PROTOCOL.md §5 Relay), so
// that each object goes to every peer once and a gossip loop dies out at the
// first node that has seen it. Bounded: when full the oldest identity is
// forgotten. Forgetting only costs a duplicate relay if the object comes
// round again much later, which the validity rules (ann/hb "newer than",
// first block at a height wins) already make harmless.
import type { MessageType } from '../wire/messages';
import { OldestFirst } from './forget-oldest';
import { idKey } from './id-keys';

/** A default large enough to span many intervals of traffic on a small network, small enough for a board (89 bytes an id, COST.seenEntry). */
export const DEFAULT_SEEN_ENTRIES = 50_000;

/** The message types PROTOCOL.md §5 relays: a relay id's kind is its message's type. */
export type RelayKind = Extract<MessageType, 'tx' | 'vote' | 'finalized' | 'masternode' | 'heartbeat' | 'block'>;

const KIND_LETTER: Record<RelayKind, number> = { tx: 0x74, vote: 0x76, finalized: 0x66, masternode: 0x61, heartbeat: 0x68, block: 0x62 };
/** What each kind's id is, for the error when one has the wrong length (made once: relayId runs on every relay). */
const ID_NAME = Object.fromEntries(Object.keys(KIND_LETTER).map((kind) => [kind, `a ${kind} relay id`])) as Record<RelayKind, string>;

/**
 * A relay identity as the cache keeps it: the kind's letter, the object's
 * 32-byte id and (for announcements and heartbeats) its counter, as one id
 * key (id-keys.ts). Every relayed object leaves one in the cache for long,
 * so its size is what the collector marks under a flood: spelled as
 * `t:<64 hex>` behind a tag, a key was a cons string of two strings (~200
 * bytes); this one is 33 characters in one string.
 */
export function relayId(kind: RelayKind, id: Uint8Array, counter?: number): string {
  return idKey(id, ID_NAME[kind], counter, KIND_LETTER[kind]);
}

export class SeenCache {
  private readonly entries = new Set<string>();
  private readonly order = new OldestFirst(this.entries);

  constructor(readonly maxEntries: number = DEFAULT_SEEN_ENTRIES) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`SeenCache maxEntries must be a positive integer, got ${maxEntries}`);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  /**
   * Remembers `id`; true when it was not already remembered (the caller
   * relays it), false for a repeat. A repeat does not refresh its age: the
   * point is to relay once, not to keep popular ids forever.
   */
  add(id: string): boolean {
    if (this.entries.has(id)) return false;
    this.order.forgetTo(this.maxEntries - 1);
    this.entries.add(id);
    return true;
  }

  clear(): void {
    this.entries.clear();
  }
}
