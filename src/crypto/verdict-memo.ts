// Verdicts computed ahead of the verify calls that will ask for them: the
// connection has a batch of messages checked by the verify pool, then hands
// the messages to the chain with the verdicts installed here, so the chain's
// own verify() (src/crypto/index.ts) answers from the memo instead of doing
// the Ed25519 work again on the main thread. A verdict is returned only for
// the very bytes it was computed on (key, message and signature compared in
// full), so it can never be applied to another object; anything not found is
// verified as before. Bounded: at most `capacity` verdicts, and the
// connection clears it when the batch is handled.
import type { SignedMessage } from './backend';

interface Entry {
  publicKey: Uint8Array;
  message: Uint8Array;
  verdict: boolean;
}

export class VerdictMemo {
  /** Keyed by the signature's bytes; the first check of a signature wins, a second with other key or message bytes is simply not kept. */
  private readonly bySignature = new Map<string, Entry>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.bySignature.size;
  }

  /** Remembers verdicts[i] for checks[i]; past capacity the rest are not kept (they are verified inline when asked). */
  fill(checks: readonly SignedMessage[], verdicts: readonly boolean[]): void {
    for (let i = 0; i < checks.length && this.bySignature.size < this.capacity; i++) {
      const c = checks[i]!;
      const key = keyOf(c.signature);
      if (!this.bySignature.has(key)) this.bySignature.set(key, { publicKey: c.publicKey, message: c.message, verdict: verdicts[i]! });
    }
  }

  /** The verdict computed for exactly these bytes, or undefined. */
  find(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean | undefined {
    const entry = this.bySignature.get(keyOf(signature));
    if (entry === undefined || !sameBytes(entry.publicKey, publicKey) || !sameBytes(entry.message, message)) return undefined;
    return entry.verdict;
  }

  clear(): void {
    this.bySignature.clear();
  }
}

function keyOf(signature: Uint8Array): string {
  return Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength).toString('latin1');
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}
