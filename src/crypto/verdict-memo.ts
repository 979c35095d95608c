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
  /**
   * In the order filled, by the signature's Buffer object: the chain
   * verifies the very objects the checks were listed from (txId memoizes a
   * tx's message too), so a lookup needs no key string, and the byte
   * comparisons stop at identity. Relaying a tx made three 64-character keys
   * and four Buffer views for this memo.
   */
  private readonly bySignatureObject = new Map<Uint8Array, Entry>();
  /** By the signature's bytes: built at the first lookup whose signature is another object with the same bytes. */
  private bySignatureBytes: Map<string, Entry> | undefined;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.bySignatureObject.size;
  }

  /** Remembers verdicts[i] for checks[i]; past capacity the rest are not kept (they are verified inline when asked). */
  fill(checks: readonly SignedMessage[], verdicts: readonly boolean[]): void {
    for (let i = 0; i < checks.length && this.bySignatureObject.size < this.capacity; i++) {
      const c = checks[i]!;
      if (this.bySignatureObject.has(c.signature)) continue;
      this.bySignatureObject.set(c.signature, { publicKey: c.publicKey, message: c.message, verdict: verdicts[i]! });
      this.bySignatureBytes = undefined;
    }
  }

  /** The verdict computed for exactly these bytes, or undefined. */
  find(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean | undefined {
    const entry = this.bySignatureObject.get(signature) ?? this.byBytes().get(keyOf(signature));
    if (entry === undefined || !sameBytes(entry.publicKey, publicKey) || !sameBytes(entry.message, message)) return undefined;
    return entry.verdict;
  }

  clear(): void {
    // V8's Map#clear allocates a new table even for an empty map, and the loop clears after every message.
    if (this.bySignatureObject.size > 0) this.bySignatureObject.clear();
    this.bySignatureBytes = undefined;
  }

  private byBytes(): Map<string, Entry> {
    if (this.bySignatureBytes === undefined) {
      this.bySignatureBytes = new Map();
      // The first check of a signature wins; a second with other key or message bytes is simply not kept.
      for (const [signature, e] of this.bySignatureObject) {
        const key = keyOf(signature);
        if (!this.bySignatureBytes.has(key)) this.bySignatureBytes.set(key, e);
      }
    }
    return this.bySignatureBytes;
  }
}

function keyOf(signature: Uint8Array): string {
  return Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength).toString('latin1');
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a === b || Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}
