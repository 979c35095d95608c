// Reproducible random inputs for the differential tests: a failure names its
// seed, and CRYPTO_TEST_SEED=<n> replays it. Small numbers come from sfc32,
// bulk bytes from AES-128-CTR keyed by the seed (megabytes per test, cheaply).
import { Cipher, createCipheriv } from 'node:crypto';

export class RandomInputs {
  private readonly stream: Cipher;
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(readonly seed: number) {
    // sfc32, seeded through splitmix-style scrambling of one 32-bit number.
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 16; i++) this.next();
    const key = Buffer.alloc(16);
    key.writeUInt32LE(seed >>> 0);
    this.stream = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  }

  static fromEnv(): RandomInputs {
    const fromEnv = process.env.CRYPTO_TEST_SEED;
    return new RandomInputs(fromEnv !== undefined ? Number(fromEnv) : Math.floor(Math.random() * 2 ** 32));
  }

  /** A uniform 32-bit unsigned integer. */
  next(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor((this.next() / 2 ** 32) * n);
  }

  bytes(n: number): Buffer {
    return this.stream.update(Buffer.alloc(n));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }

  /** A copy of `bytes` with one random bit flipped. */
  flipBit(bytes: Uint8Array): Buffer {
    const out = Buffer.from(bytes);
    const bit = this.below(out.length * 8);
    out[bit >> 3]! ^= 1 << (bit & 7);
    return out;
  }

  /** Splits `bytes` into 1..max parts, some of them empty. */
  split(bytes: Buffer, max: number): Buffer[] {
    const cuts = Array.from({ length: this.below(max) }, () => this.below(bytes.length + 1)).sort((x, y) => x - y);
    const parts: Buffer[] = [];
    let from = 0;
    for (const cut of cuts) {
      parts.push(bytes.subarray(from, cut));
      from = cut;
    }
    parts.push(bytes.subarray(from));
    return parts;
  }
}
