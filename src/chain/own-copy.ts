// Copies of small Buffers that the node keeps for long (final txids, cached
// blocks). Buffer.allocUnsafe and Buffer.from cut buffers under 4 KiB from a
// shared 8 KiB slab, and one kept slice keeps the whole slab alive: the soak
// run (bench/soak.ts) saw ~8 KiB of external memory per finalized tx, until
// the finality memory's bound, 250 times its budgeted size. A copy in its own
// ArrayBuffer costs its bytes and a small header, nothing more.

/** `bytes` in a Buffer of its own (not a slice of the shared pool). */
export function ownCopy(bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafeSlow(bytes.length);
  out.set(bytes);
  return out;
}
