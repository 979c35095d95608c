// Bounded maps and sets that forget their oldest entries first (Map and Set
// iterate in insertion order): every memory of the tx pool and the relay's
// seen-cache is one of these.
//
// Why a cursor and not "the first key": a deleted entry leaves a hole that
// iteration from the start walks over until V8 rebuilds the table, so taking
// the first key of a full map under churn cost 3.2–4.8 µs an eviction at
// 10 000–50 000 entries (a scratch micro-benchmark; issue 11's note has it), on every
// tx a full pool or seen-cache takes in. A live iterator kept between
// evictions starts where the last one stopped (V8's iterators follow
// deletions, re-insertions and rebuilds): 0.4 µs.

/** What a Map and a Set share that eviction needs. */
interface Keyed<K> {
  readonly size: number;
  keys(): IterableIterator<K>;
  delete(key: K): boolean;
}

export class OldestFirst<K> {
  // Made at the first eviction and let go when the collection has room: a
  // live iterator keeps every table the collection outgrows alive until its
  // next step (V8 links an outgrown table to its successor for it), which
  // made a growing seen-cache cost 256 bytes an id instead of 196.
  private cursor: Iterator<K> | undefined;

  constructor(private readonly collection: Keyed<K>) {}

  /**
   * The oldest key still held, or undefined when empty. The caller deletes
   * it before asking again: the cursor has moved past it, and every key it
   * has passed must be gone for the next answer to be the oldest.
   */
  oldest(): K | undefined {
    let next = this.cursor?.next();
    // A finished iterator stays finished, even after keys are added.
    if (next === undefined || next.done) {
      this.cursor = this.collection.keys();
      next = this.cursor.next();
    }
    return next.done ? undefined : next.value;
  }

  /** Deletes the oldest keys until at most `max` are held, handing each to `onForget` once deleted. */
  forgetTo(max: number, onForget?: (key: K) => void): void {
    if (this.collection.size <= max) {
      if (this.collection.size <= max / 2) this.release();
      return;
    }
    while (this.collection.size > max) {
      const key = this.oldest();
      if (key === undefined) return;
      this.collection.delete(key);
      onForget?.(key);
    }
  }

  /** Lets the cursor go, for a collection that has room again (or was cleared) and may grow. */
  release(): void {
    this.cursor = undefined;
  }
}
