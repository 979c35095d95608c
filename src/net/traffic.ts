// Per-connection message counters: in, out and handled, by type. A peer
// chooses the names of unknown types, so those counters are capped: past the
// cap, further names share one bucket instead of growing the map.

/** Distinct unknown type names counted per peer before they share a bucket. */
export const MAX_UNKNOWN_TYPE_NAMES = 16;
export const OTHER_UNKNOWN = '(other unknown)';

export class TrafficCounters {
  readonly in = new Map<string, number>();
  readonly out = new Map<string, number>();
  readonly handled = new Map<string, number>();
  readonly unknown = new Map<string, number>();

  countIn(type: string): void {
    bump(this.in, type);
  }

  countOut(type: string): void {
    bump(this.out, type);
  }

  countHandled(type: string): void {
    bump(this.handled, type);
  }

  /** Replaces countIn for types the node does not know. */
  countUnknown(type: string): void {
    const key = this.unknown.has(type) || this.unknown.size < MAX_UNKNOWN_TYPE_NAMES ? type : OTHER_UNKNOWN;
    bump(this.unknown, key);
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/**
 * What every connection of this run carried, closed ones included: the
 * monotonic counters metrics need (a live connection's counters vanish
 * with it). Bounded like a connection's: known types, plus at most
 * MAX_UNKNOWN_TYPE_NAMES unknown names and one shared bucket.
 */
export class TrafficTotals {
  readonly in = new Map<string, number>();
  readonly out = new Map<string, number>();
  readonly unknown = new Map<string, number>();
  bytesIn = 0;
  bytesOut = 0;
  relayDropped = 0;

  add(c: { traffic: TrafficCounters; bytes: { in: number; out: number }; sendStats: { droppedData: number } }): void {
    for (const [k, v] of c.traffic.in) this.in.set(k, (this.in.get(k) ?? 0) + v);
    for (const [k, v] of c.traffic.out) this.out.set(k, (this.out.get(k) ?? 0) + v);
    for (const [k, v] of c.traffic.unknown) {
      const key = this.unknown.has(k) || this.unknown.size < MAX_UNKNOWN_TYPE_NAMES ? k : OTHER_UNKNOWN;
      this.unknown.set(key, (this.unknown.get(key) ?? 0) + v);
    }
    this.bytesIn += c.bytes.in;
    this.bytesOut += c.bytes.out;
    this.relayDropped += c.sendStats.droppedData;
  }
}

/** Which unknown types have been logged this run (PROTOCOL.md §1: once per type per run). */
export class UnknownTypeLog {
  private readonly seen = new Set<string>();

  constructor(private readonly maxNames = 256) {}

  /** True the first time a name is seen; false after, and for every name once the set is full. */
  firstSighting(type: string): boolean {
    if (this.seen.has(type) || this.seen.size >= this.maxNames) return false;
    this.seen.add(type);
    return true;
  }
}
