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
  // Made at the first eviction and let go once the collection is down to
  // half the size it had then (finality emptied the pool, a clear): a live
  // iterator keeps every table the collection outgrows alive until its next
  // step (V8 links an outgrown table to its successor for it), which made a
  // growing seen-cache cost 256 bytes an id instead of 182.
  private cursor: Iterator<K> | undefined;
  private sizeAtCursor = 0;

  constructor(private readonly collection: Keyed<K>) {}

  /** Deletes the oldest keys until at most `max` are held, handing each to `onForget` once deleted. */
  forgetTo(max: number, onForget?: (key: K) => void): void {
    // A loop of its own, not forgetWhile with two closures: the seen-cache calls this on every relay.
    this.releaseShrunk();
    while (this.collection.size > max) {
      const key = this.oldest();
      if (key === undefined) return;
      this.collection.delete(key);
      onForget?.(key);
    }
  }

  /**
   * Hands the oldest key to `forget` while `tooFull()`; `forget` must remove
   * it (the tx pool removes an entry with its locks and bytes).
   */
  forgetWhile(tooFull: () => boolean, forget: (key: K) => void): void {
    this.releaseShrunk();
    while (tooFull()) {
      const key = this.oldest();
      if (key === undefined) return;
      forget(key);
    }
  }

  private releaseShrunk(): void {
    if (this.cursor !== undefined && this.collection.size <= this.sizeAtCursor / 2) this.cursor = undefined;
  }

  /** The oldest key still held; every key the cursor has passed is gone, as forgetWhile requires. */
  private oldest(): K | undefined {
    let next = this.cursor?.next();
    // A finished iterator stays finished, even after keys are added.
    if (next === undefined || next.done) {
      this.cursor = this.collection.keys();
      this.sizeAtCursor = this.collection.size;
      next = this.cursor.next();
    }
    return next.done ? undefined : next.value;
  }
}
