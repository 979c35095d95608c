// A small least-recently-used map for the node:crypto backend's KeyObjects.
// Importing a raw public key costs about a seventh of a verify even as JWK
// (39k/s against 6.0k verifies/s in bench/crypto.ts; 3.2k/s as SPKI DER), and
// a node sees the same few hundred masternode keys over and over.

export class KeyCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** The value for `key`, made by `make` on a miss; the oldest entry goes when full. */
  get(key: string, make: () => V): V {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      // Map keeps insertion order: re-inserting marks it most recently used.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const value = make();
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, value);
    return value;
  }
}
