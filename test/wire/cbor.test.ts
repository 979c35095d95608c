import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode as cborxDecode } from 'cbor-x';
import { CborFloat, CborMap, CborTagged, CborValue, decodeCbor, encodeCbor } from '../../src/wire/cbor';
import { WireError } from '../../src/wire/errors';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** What the decoder gives back for `v`: maps with a null prototype, nested. */
function asDecoded(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(asDecoded);
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array || v instanceof CborFloat) return v;
  const out = Object.create(null) as Record<string, unknown>;
  for (const [k, item] of Object.entries(v)) if (item !== undefined) out[k] = asDecoded(item);
  return out;
}

/** cbor-x returns bigints for 8-byte integers and plain Uint8Arrays in places; compare by value. */
function normalizeCborx(v: unknown): unknown {
  if (typeof v === 'bigint') return v >= -BigInt(Number.MAX_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  if (v instanceof Uint8Array) return Buffer.from(v);
  if (Array.isArray(v)) return v.map(normalizeCborx);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, item] of Object.entries(v)) out[k] = normalizeCborx(item);
    return out;
  }
  return v;
}

function withoutUndefined(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutUndefined);
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return v;
  const out: Record<string, unknown> = {};
  for (const [k, item] of Object.entries(v)) if (item !== undefined) out[k] = withoutUndefined(item);
  return out;
}

function rejects(payload: Buffer, pattern: RegExp, maxDepth?: number): void {
  assert.throws(
    () => decodeCbor(payload, maxDepth),
    (err: unknown) => {
      assert.ok(err instanceof WireError, `expected a WireError, got ${String(err)}`);
      assert.match(err.message, pattern);
      return true;
    },
  );
}

function nested(levels: number): Buffer {
  return Buffer.concat([Buffer.alloc(levels, 0x81), Buffer.from([0x00])]);
}

test('the ping of the frame vector encodes to the vector bytes and decodes back', () => {
  const payload = hex(
    'a464747970656470696e67656e6f6e63654801020304050607086474696d651b0000019b76dc2f1b6668656967687405',
  );
  const ping = { type: 'ping', nonce: hex('0102030405060708'), time: 1767225700123, height: 5 };
  assert.equal(encodeCbor(ping).toString('hex'), payload.toString('hex'));
  assert.deepStrictEqual(decodeCbor(payload), asDecoded(ping));
});

test('a timestamp above 2^32 is a major-type-0 uint in 8 bytes, never a float', () => {
  assert.equal(encodeCbor(1767225700123).toString('hex'), '1b0000019b76dc2f1b');
});

test('unsigned integers round-trip at every head-size boundary with the shortest head', () => {
  const cases: [number | bigint, number][] = [
    [0, 1], [23, 1], [24, 2], [255, 2], [256, 3], [65535, 3], [65536, 5],
    [2 ** 32 - 1, 5], [2 ** 32, 9], [Number.MAX_SAFE_INTEGER, 9],
    [2n ** 53n, 9], [2n ** 64n - 1n, 9],
  ];
  for (const [value, size] of cases) {
    const encoded = encodeCbor(value);
    assert.equal(encoded.length, size, `size of ${value}`);
    assert.equal(encoded[0] >> 5, 0, `major type of ${value}`);
    assert.equal(decodeCbor(encoded), value, `round trip of ${value}`);
  }
  assert.equal(encodeCbor(2n ** 64n - 1n).toString('hex'), '1bffffffffffffffff');
});

test('a bigint that is a safe integer encodes like the number and decodes as a number', () => {
  assert.deepStrictEqual(encodeCbor(1767225700123n), encodeCbor(1767225700123));
  assert.equal(decodeCbor(encodeCbor(5n)), 5);
});

test('negative integers round-trip at every head-size boundary', () => {
  const cases: [number | bigint, number][] = [
    [-1, 1], [-24, 1], [-25, 2], [-256, 2], [-257, 3], [-65536, 3], [-65537, 5],
    [-(2 ** 32), 5], [-(2 ** 32) - 1, 9], [-Number.MAX_SAFE_INTEGER, 9],
    [-(2n ** 53n), 9], [-(2n ** 64n), 9],
  ];
  for (const [value, size] of cases) {
    const encoded = encodeCbor(value);
    assert.equal(encoded.length, size, `size of ${value}`);
    assert.equal(encoded[0] >> 5, 1, `major type of ${value}`);
    assert.equal(decodeCbor(encoded), value, `round trip of ${value}`);
  }
  assert.equal(encodeCbor(-(2n ** 64n)).toString('hex'), '3bffffffffffffffff');
});

test('integers outside 64 bits are refused with a RangeError', () => {
  assert.throws(() => encodeCbor(2n ** 64n), RangeError);
  assert.throws(() => encodeCbor(-(2n ** 64n) - 1n), RangeError);
  assert.throws(() => encodeCbor(2 ** 64), RangeError);
});

test('byte strings, text, arrays and maps round-trip at every length boundary', () => {
  for (const n of [0, 23, 24, 255, 256, 65535, 65536]) {
    const headSize = n < 24 ? 1 : n < 256 ? 2 : n < 65536 ? 3 : 5;
    const bytes = Buffer.alloc(n, 0xab);
    const text = 'x'.repeat(n);
    const array = new Array<number>(n).fill(7);
    const map: Record<string, number> = {};
    for (let i = 0; i < n; i++) map[`k${i}`] = i;
    for (const [value, major] of [[bytes, 2], [text, 3], [array, 4], [map, 5]] as const) {
      const encoded = encodeCbor(value);
      assert.equal(encoded[0] >> 5, major);
      if (major !== 5) assert.equal(encoded.length, headSize + n, `size of major ${major}, length ${n}`);
      assert.equal(encoded[0] & 0x1f, n < 24 ? n : n < 256 ? 24 : n < 65536 ? 25 : 26, `head of major ${major}, length ${n}`);
      assert.deepStrictEqual(decodeCbor(encoded), asDecoded(value), `major ${major}, length ${n}`);
    }
  }
});

test('non-ASCII text is counted in UTF-8 bytes and round-trips', () => {
  for (const s of ['é', 'ж'.repeat(12), '日本語のテキスト'.repeat(20), '🙂', '\ufeffbom kept']) {
    const encoded = encodeCbor(s);
    assert.equal(decodeCbor(encoded), s);
    assert.deepStrictEqual(encoded.subarray(encoded.length - Buffer.byteLength(s)), Buffer.from(s, 'utf8'));
  }
});

test('maps keep insertion order, skip undefined properties, and encode booleans and null', () => {
  const encoded = encodeCbor({ b: true, a: false, gone: undefined, n: null });
  assert.equal(encoded.toString('hex'), 'a3' + '6162f5' + '6161f4' + '616ef6');
});

test('floats decode as CborFloat whatever their width, integers never do', () => {
  assert.deepStrictEqual(decodeCbor(hex('f93c00')), new CborFloat(1));
  assert.deepStrictEqual(decodeCbor(hex('f9c400')), new CborFloat(-4));
  assert.deepStrictEqual(decodeCbor(hex('f90001')), new CborFloat(2 ** -24));
  assert.deepStrictEqual(decodeCbor(hex('f97c00')), new CborFloat(Infinity));
  assert.ok(Number.isNaN((decodeCbor(hex('f97e00')) as CborFloat).value));
  assert.deepStrictEqual(decodeCbor(hex('fa47c35000')), new CborFloat(100000));
  assert.deepStrictEqual(decodeCbor(hex('fb3ff199999999999a')), new CborFloat(1.1));
  assert.equal(decodeCbor(hex('01')), 1);
});

test('non-integer numbers and CborFloat encode as float64', () => {
  assert.equal(encodeCbor(1.5).toString('hex'), 'fb3ff8000000000000');
  assert.equal(encodeCbor(new CborFloat(1)).toString('hex'), 'fb3ff0000000000000');
  assert.deepStrictEqual(decodeCbor(encodeCbor(new CborFloat(-0.25))), new CborFloat(-0.25));
});

test('tags round-trip as CborTagged', () => {
  const tagged = new CborTagged(1, 1767225700);
  assert.equal(encodeCbor(tagged).toString('hex'), 'c11a6955b964');
  assert.deepStrictEqual(decodeCbor(encodeCbor(tagged)), tagged);
  assert.deepStrictEqual(decodeCbor(encodeCbor(new CborTagged(2n ** 63n, 'x'))), new CborTagged(2n ** 63n, 'x'));
});

test('undefined, simple values and nested containers round-trip', () => {
  const value = [undefined, null, true, false, [[], {}], { deep: [{ x: [1, -1, 'y'] }] }];
  assert.deepStrictEqual(decodeCbor(encodeCbor(value)), asDecoded(value));
});

test('values CBOR cannot carry here are refused by the encoder', () => {
  assert.throws(() => encodeCbor(new Map()), TypeError);
  assert.throws(() => encodeCbor(() => 1), TypeError);
  const cyclic: { self?: unknown } = {};
  cyclic.self = cyclic;
  assert.throws(() => encodeCbor(cyclic), /nesting deeper than/);
});

test('short text written right where the scratch buffer has to grow survives the growth', () => {
  for (let fill = 4070; fill < 4100; fill++) {
    // A value over the kept scratch size sends the scratch back to its initial 4 KiB,
    // so the next encode crosses the growth point at a known offset.
    encodeCbor(Buffer.alloc(512 * 1024));
    const value = [Buffer.alloc(fill, 1), 'abc', 'é', 'x'.repeat(30)];
    assert.deepStrictEqual(decodeCbor(encodeCbor(value)), value, `after ${fill} bytes`);
  }
});

test('the encoder gives independent results after a large value grew its scratch', () => {
  const big = encodeCbor(Buffer.alloc(1 << 20, 1));
  const small = encodeCbor({ a: 1 });
  assert.equal(big.length, 1 + 4 + (1 << 20));
  assert.equal(small.toString('hex'), 'a1616101');
  assert.equal(big[5], 1);
});

test('cbor-x, an independent decoder, reads our encodings as the values we meant', () => {
  const key = (b: number): Buffer => Buffer.alloc(32, b);
  const sig = Buffer.alloc(64, 0xee);
  const messages: object[] = [
    { type: 'ping', nonce: hex('0102030405060708'), time: 1767225700123, height: 5 },
    { type: 'pong', nonce: hex('ffffffffffffffff'), time: 2 ** 53 - 1, height: 0 },
    {
      type: 'hello', version: 1, network: 'devnet', genesis: key(1), node: key(2), challenge: key(3),
      port: 24100, height: 123456, tip: key(4), agent: 'timenode/0.1.0 (ünïcode)', time: 1767225700123,
    },
    { type: 'reject', code: 'protocol', reason: 'frame length 0 is not allowed (1..4194304)' },
    { type: 'get_peers' },
    { type: 'peers', peers: Array.from({ length: 40 }, (_, i) => ({ ip: `10.0.0.${i}`, port: 24100 + i, seen: 1767225700123 + i })) },
    {
      type: 'tx',
      tx: {
        from: key(5), inputs: [{ txid: key(6), index: 0 }, { txid: key(7), index: 4294967296 }],
        outputs: [{ to: key(8), amount: 18446744073709551615n }], time: 1767225700123, sig,
      },
    },
    { type: 'vote', vote: { txid: key(9), voter: key(10), accept: false, sig } },
    {
      type: 'block',
      block: { height: 70000, prev: key(11), time: 1767225702123, txids: Array.from({ length: 300 }, (_, i) => key(i & 0xff)), producer: key(12), sig },
    },
    { type: 'get_blocks', from: 1, to: 500, extra: undefined },
    { type: 'hb', hb: { node: key(13), seq: 65536, time: 1767225700123, height: 24, sig }, neg: -1767225700123 },
  ];
  for (const message of messages) {
    const encoded = encodeCbor(message);
    const theirs: unknown = cborxDecode(encoded);
    assert.deepStrictEqual(normalizeCborx(theirs), withoutUndefined(message));
    assert.deepStrictEqual(decodeCbor(encoded), asDecoded(message));
  }
});

test('trailing bytes after the item are refused', () => {
  rejects(hex('0000'), /1 trailing bytes/);
  rejects(hex('a0ff'), /trailing/);
});

test('a truncated item is refused', () => {
  rejects(hex('1a0000'), /truncated/);
  rejects(hex('a2616101'), /truncated|exceeds/);
  rejects(hex('a1616101'.slice(0, 6)), /truncated/);
  rejects(hex('9f01'), /truncated.*indefinite array/);
  rejects(Buffer.alloc(0), /empty payload/);
});

test('an array declaring 2^32 elements in a 10-byte payload is refused before allocation', () => {
  const payload = hex('9b0000000100000000' + '00');
  assert.equal(payload.length, 10);
  rejects(payload, /declared array length 4294967296 exceeds the 1 bytes left/);
  rejects(hex('9affffffff00'), /declared array length 4294967295 exceeds the 1 bytes left/);
});

test('a byte or text string declaring 0xffffffff bytes is refused before allocation', () => {
  rejects(hex('5affffffff0102'), /declared byte string length 4294967295 exceeds the 2 bytes left/);
  rejects(hex('7affffffff'), /declared text string length 4294967295 exceeds the 0 bytes left/);
  rejects(hex('5bffffffffffffffff'), /declared byte string length \d+ exceeds the 0 bytes left/);
  rejects(hex('5f5affffffffff'), /declared byte string chunk length 4294967295 exceeds/);
});

test('a map declaring 2^31 entries is refused before allocation', () => {
  rejects(hex('ba80000000616101'), /declared map length 2147483648 \(at least 4294967296 bytes\) exceeds the 3 bytes left/);
  // Each entry needs two bytes, so one entry more than half the rest is already too many.
  rejects(hex('a2616101'), /declared map length 2 \(at least 4 bytes\) exceeds the 3 bytes left/);
});

test('nesting of 16 levels is accepted and 17 refused', () => {
  assert.ok(Array.isArray(decodeCbor(nested(16))));
  rejects(nested(17), /nesting deeper than 16/);
  const maps16 = Buffer.concat([Buffer.from('a1616b'.repeat(15), 'hex'), hex('a0')]);
  assert.ok(decodeCbor(maps16) !== null);
  rejects(Buffer.concat([Buffer.from('a1616b'.repeat(16), 'hex'), hex('a0')]), /nesting deeper than 16/);
  rejects(Buffer.concat([Buffer.alloc(16, 0x9f), hex('80'), Buffer.alloc(16, 0xff)]), /nesting deeper than 16/);
  rejects(nested(3), /nesting deeper than 2/, 2);
});

test('invalid UTF-8 in a text string is refused', () => {
  rejects(hex('62c328'), /invalid UTF-8/);
  rejects(hex('78' + '28' + '61'.repeat(39) + 'ff'), /invalid UTF-8/);
  rejects(hex('7f61c3' + '61a9' + 'ff'), /invalid UTF-8/);
});

test('reserved additional information 28..30 is refused', () => {
  rejects(hex('1c'), /reserved additional information 28/);
  rejects(hex('5d'), /reserved additional information 29/);
  rejects(hex('fe'), /reserved additional information 30/);
  rejects(hex('1f'), /indefinite length is not allowed for major type 0/);
});

test('a break outside an indefinite item is refused', () => {
  rejects(hex('ff'), /break \(0xff\) outside an indefinite-length item/);
  rejects(hex('8101ff'), /trailing/);
  rejects(hex('82ff01'), /break \(0xff\) outside/);
  rejects(hex('bf6161ff'), /break \(0xff\) outside/);
});

test('unassigned or ill-formed simple values are refused', () => {
  rejects(hex('f0'), /unassigned simple value 16/);
  rejects(hex('f810'), /simple value 16 must be encoded in one byte/);
  rejects(hex('f8ff'), /unassigned simple value 255/);
});

test('a duplicate map key is refused', () => {
  rejects(hex('a2616101616102'), /duplicate map key "a"/);
  rejects(hex('bf616101616102ff'), /duplicate map key "a"/);
  rejects(hex('a26161f7616101'), /duplicate map key "a"/);
  rejects(hex('a36162f76161f76161f7'), /duplicate map key "a"/);
});

test('map entries with non-text keys are skipped', () => {
  assert.deepStrictEqual(decodeCbor(hex('a30102616103f5f6')), asDecoded({ a: 3 }));
});

test('a __proto__ key is an ordinary key and does not pollute Object.prototype', () => {
  // {"__proto__": {"polluted": true}}
  const payload = hex('a1' + '69' + Buffer.from('__proto__').toString('hex') + 'a1' + '68' + Buffer.from('polluted').toString('hex') + 'f5');
  const decoded = decodeCbor(payload) as CborMap;
  assert.equal(Object.getPrototypeOf(decoded), null);
  assert.ok(Object.prototype.hasOwnProperty.call(decoded, '__proto__'));
  assert.equal((decoded['__proto__'] as CborMap)['polluted'], true);
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
});

test('indefinite-length arrays, maps and strings decode', () => {
  assert.deepStrictEqual(decodeCbor(hex('9f0102ff')), [1, 2]);
  assert.deepStrictEqual(decodeCbor(hex('9fff')), []);
  assert.deepStrictEqual(decodeCbor(hex('bf616101616282029fffff')), asDecoded({ a: 1, b: [2, []] }));
  assert.deepStrictEqual(decodeCbor(hex('5f420102410340ff')), hex('010203'));
  assert.equal(decodeCbor(hex('7f626869612160ff')), 'hi!');
  assert.equal(decodeCbor(hex('7fff')), '');
  rejects(hex('5f01ff'), /must be a definite byte string/);
  rejects(hex('7f5f41ffff'), /must be a definite text string/);
});

test('decoded byte strings are copies that do not alias the payload', () => {
  const payload = hex('43010203');
  const bytes = decodeCbor(payload) as Buffer;
  payload[1] = 9;
  assert.deepStrictEqual(bytes, hex('010203'));
});

test('decoding a value typed as CborValue keeps its shape', () => {
  const value: CborValue = [1, 'a', hex('00'), null];
  assert.deepStrictEqual(decodeCbor(encodeCbor(value)), value);
});
