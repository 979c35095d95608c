// Bounded maps and sets that forget their oldest entries first (Map and Set
// iterate in insertion order): every memory of the tx pool is one of these.

/** Drops the oldest entries (Map iteration is insertion order) until `map` holds at most `max`. */
export function forgetOldest<K, V>(map: Map<K, V>, max: number, onForget?: (key: K, value: V) => void): void {
  for (const [key, value] of map) {
    if (map.size <= max) return;
    map.delete(key);
    onForget?.(key, value);
  }
}

export function forgetOldestOf<K>(set: Set<K>, max: number): void {
  for (const key of set) {
    if (set.size <= max) return;
    set.delete(key);
  }
}

