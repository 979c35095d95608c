// Wide items: a payload that is true to every length it claims but made of
// very many small items (a million one-byte empty maps in 1 MiB) must not be
// built. An unknown type is only walked (checkCbor rules), a known type
// skips its unknown top-level keys and builds at most its per-type item bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkCbor, decodeCbor, encodeCbor, findTextField, skipItem } from '../../src/wire/cbor';
import { WireError } from '../../src/wire/errors';
import { decodeMessage, encodeMessage, LIMITS, MAX_TYPE_NAME_BYTES, maxItemsOf, Message, MESSAGE_TYPES } from '../../src/wire/messages';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const MiB = 1024 * 1024;
const b32 = (fill: number): Buffer => Buffer.alloc(32, fill);
const sig = Buffer.alloc(64, 0xee);

/** `count` one-byte items `byte` under an array head with a 4-byte length. */
function wideArray(count: number, byte = 0xa0): Buffer {
  const head = Buffer.from([0x9a, 0, 0, 0, 0]);
  head.writeUInt32BE(count, 1);
  return Buffer.concat([head, Buffer.alloc(count, byte)]);
}

/** `map` (encoded) with one more entry: the text key `key` and the raw CBOR `value`. */
function withEntry(map: Buffer, key: string, value: Buffer): Buffer {
  assert.ok(map[0] >= 0xa0 && map[0] < 0xb7, 'a map with a one-byte head');
  return Buffer.concat([Buffer.from([map[0] + 1]), map.subarray(1), encodeCbor(key), value]);
}

function refuses(run: () => unknown, pattern: RegExp): void {
  assert.throws(run, (err: unknown) => {
    assert.ok(err instanceof WireError, `expected a WireError, got ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  });
}

/** Runs `fn` and returns its result with how much the JS heap grew meanwhile (nothing is collected in between that it keeps). */
function heapGrowth<T>(fn: () => T): { result: T; grew: number } {
  const before = process.memoryUsage().heapUsed;
  const result = fn();
  return { result, grew: process.memoryUsage().heapUsed - before };
}

function errorOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (err) {
    assert.ok(err instanceof WireError, `expected a WireError, got ${String(err)}`);
    return err.message;
  }
}

// ---------------------------------------------------------------- the walk agrees with the decoder

const illFormed = [
  '', '1a0000', 'a2616101', '9f01', '9b000000010000000000', '9affffffff00', '5affffffff0102', '7affffffff',
  '5bffffffffffffffff', '5f5affffffffff', 'ba80000000616101', '62c328', '7f61c361a9ff', '1c', '5d', 'fe', '1f',
  'ff', '8101ff', '82ff01', 'bf6161ff', 'f0', 'f810', 'f8ff', '5f01ff', '7f5f41ffff', '0000', 'a0ff', 'f9', 'fa0000',
  'fb00', '3f', 'df', 'c1', 'd8', '9f', 'bf', 'bf61', '7f', '5f', '78', '81',
  // UTF-8 that a fatal TextDecoder refuses: a surrogate, overlong forms, past U+10FFFF, a lone continuation, a cut sequence.
  '63eda080', '62c080', '63e08080', '64f4908080', '6180', '62e282', '78' + '21' + '61'.repeat(32) + 'ff',
];
const wellFormed = [
  '00', '17', '1818', '1bffffffffffffffff', '20', '3bffffffffffffffff', '40', '60', '80', 'a0', '9fff', 'bfff',
  '5f420102410340ff', '7f626869612160ff', 'c11a6955b964', 'd9d9f7a0', 'f4', 'f5', 'f6', 'f7', 'f93c00', 'fa47c35000',
  'fb3ff199999999999a', 'a30102616103f5f6', 'a2616101616102', '83a080f6', '63e282ac', '64f09f9982', '63efbbbf',
  'a1' + '69' + Buffer.from('__proto__').toString('hex') + 'a0',
  // Every length-head size, shortest and not, for strings, arrays, maps and in a chunk.
  '5818' + 'ab'.repeat(24), '590100' + 'ab'.repeat(256), '5a00000001ab', '5b0000000000000002abcd', '580101',
  '7818' + '61'.repeat(24), '79000161', '7a0000000161', '7b000000000000000161', '5f5818' + 'ab'.repeat(24) + 'ff',
  '7f7818' + '61'.repeat(24) + 'ff', '980100', '99000100', '9a0000000100', '9b000000000000000100', 'b8010000',
  'b9000100f6', 'ba00000001f6f6', 'bb0000000000000001f6f6', '82' + '5820' + 'cd'.repeat(32) + '7821' + '62'.repeat(33),
];

test('checkCbor and skipItem refuse exactly what decodeCbor refuses, with the same reason, and build nothing', () => {
  for (const h of illFormed) {
    const payload = hex(h);
    const theirs = errorOf(() => decodeCbor(payload));
    assert.ok(theirs, `decodeCbor accepted ${h}`);
    assert.equal(errorOf(() => checkCbor(payload)), theirs, `checkCbor on ${h}`);
  }
  for (const h of wellFormed) {
    const payload = hex(h);
    // Duplicate keys are invalid, not ill-formed: the walk does not look for them (a2616101616102).
    if (errorOf(() => decodeCbor(payload)) === undefined) assert.equal(skipItem(payload, 0), payload.length, h);
    checkCbor(payload);
    assert.equal(skipItem(Buffer.concat([hex('ffff'), payload, hex('ff')]), 2), 2 + payload.length, `${h} at an offset`);
  }
});

test('nesting: the walk allows 16 levels and refuses 17, like the decoder, one-byte empty containers included', () => {
  for (const inner of ['80', 'a0', '00']) {
    const at = (levels: number): Buffer => Buffer.concat([Buffer.alloc(levels, 0x81), hex(inner)]);
    const ok = at(inner === '00' ? 16 : 15);
    const deep = at(inner === '00' ? 17 : 16);
    checkCbor(ok);
    decodeCbor(ok);
    refuses(() => checkCbor(deep), /nesting deeper than 16/);
    refuses(() => decodeCbor(deep), /nesting deeper than 16/);
    // Many of them in one array: the walk's fast path for one-byte items must check depth too.
    const wide = Buffer.concat([Buffer.alloc(15, 0x81), wideArray(1000, parseInt(inner, 16))]);
    assert.equal(errorOf(() => checkCbor(wide)), errorOf(() => decodeCbor(wide)), `a wide array of ${inner} at depth 16`);
  }
  refuses(() => checkCbor(Buffer.concat([Buffer.alloc(100_000, 0x81), hex('00')])), /nesting deeper than 16/);
  refuses(() => skipItem(hex('8180'), 0, 1, 1), /nesting deeper than 1/);
});

test('a fuzzed corpus of mutated messages: the walk and the decoder agree on every payload (but duplicate keys)', () => {
  const messages: object[] = [
    { type: 'ping', nonce: b32(1).subarray(0, 8), time: 1767225700123, height: 5 },
    { type: 'peers', peers: [{ ip: '10.0.0.1', port: 24100, seen: 1 }, { ip: 'é', port: 2 ** 40, seen: -1 }] },
    { type: 'x', nested: [[[{ a: [1.5, null, true, undefined, 'ü', Buffer.alloc(3)] }]]], big: 2n ** 63n },
    { type: 'vote', vote: { txid: b32(1), voter: b32(2), accept: true, sig }, pad: Buffer.alloc(300, 7), text: 'é'.repeat(200) },
  ];
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  let checked = 0;
  for (const message of messages) {
    const base = encodeCbor(message);
    for (let round = 0; round < 3000; round++) {
      const payload = Buffer.from(base);
      const edits = 1 + rand(3);
      for (let e = 0; e < edits; e++) payload[rand(payload.length)] = rand(4) === 0 ? [0xff, 0x9f, 0xbf, 0x7f, 0xa0, 0x80][rand(6)] : rand(256);
      const cut = rand(8) === 0 ? payload.subarray(0, rand(payload.length)) : payload;
      const theirs = errorOf(() => decodeCbor(cut));
      const ours = errorOf(() => checkCbor(cut));
      if (theirs?.includes('duplicate map key')) continue;
      assert.equal(ours, theirs, `payload ${cut.toString('hex')}`);
      checked++;
    }
  }
  assert.ok(checked > 8000);
});

// ---------------------------------------------------------------- maxItems and keys

test('maxItems counts every built item, refuses one over with the caller\'s context, and refuses a long array before allocating it', () => {
  const value = encodeCbor({ a: [1, 2, 3], b: { c: 'd' } }); // 1 + (1 + 1+3) + (1 + 1 + 1+1) = 10 items
  assert.deepStrictEqual(Object.keys(decodeCbor(value, 16, { maxItems: 10 }) as object), ['a', 'b']);
  refuses(() => decodeCbor(value, 16, { maxItems: 9, context: 'one test value' }), /^more than 9 items in one test value \(at byte \d+\)$/);
  refuses(() => decodeCbor(value, 16, { maxItems: 9 }), /more than 9 items in the payload/);
  // The array head is refused where it stands: its million elements are neither allocated nor looked at.
  const wide = wideArray(MiB);
  const { result, grew } = heapGrowth(() => errorOf(() => decodeCbor(wide, 16, { maxItems: 1000, context: 'x' })));
  assert.equal(result, 'more than 1000 items in x (at byte 0)');
  assert.ok(grew < MiB, `heap grew by ${grew} bytes`);
  // An indefinite array has no count up front: refused at the first element over.
  const indefinite = Buffer.concat([hex('9f'), Buffer.alloc(5000, 0xa0), hex('ff')]);
  refuses(() => decodeCbor(indefinite, 16, { maxItems: 1000 }), /more than 1000 items in the payload \(at byte 1000\)/);
});

test('keys: only the listed top-level keys are decoded; the others are walked, not built and not counted', () => {
  const map = encodeCbor({ type: 'ping', skipped: [1, 2, [3, 4]], kept: 'x', other: { deep: true } });
  const decoded = decodeCbor(map, 16, { keys: ['type', 'kept'], maxItems: 5 }) as Record<string, unknown>;
  assert.deepStrictEqual({ ...decoded }, { type: 'ping', kept: 'x' });
  assert.equal(Object.getPrototypeOf(decoded), null);
  // Non-text keys are skipped too, and an indefinite text key is matched.
  assert.deepStrictEqual({ ...(decodeCbor(hex('a3 01 02 7f6161ff 03 6162 04'), 16, { keys: ['a'] }) as object) }, { a: 3 });
  // The skipped parts are still checked.
  refuses(() => decodeCbor(hex('a2 6161 01 6162 62c328'), 16, { keys: ['a'] }), /invalid UTF-8/);
  refuses(() => decodeCbor(hex('a2 6161 01 6162 1c'), 16, { keys: ['a'] }), /reserved additional information 28/);
  refuses(() => decodeCbor(hex('a2 6161 01 60 ff'), 16, { keys: ['a'] }), /break \(0xff\) outside/);
  refuses(() => decodeCbor(hex('a2 6161 01 6161 02'), 16, { keys: ['a'] }), /duplicate map key "a"/);
  // Nested maps keep all their text keys: `keys` is for the top level only.
  assert.deepStrictEqual(JSON.parse(JSON.stringify(decodeCbor(encodeCbor({ a: { b: 1, c: 2 } }), 16, { keys: ['a'] }))), { a: { b: 1, c: 2 } });
  // At its bound exactly, an unknown key does not push the map over it.
  assert.ok(decodeCbor(withEntry(encodeCbor({ a: 1 }), 'zz', wideArray(10)), 16, { keys: ['a'], maxItems: 3 }));
});

test('findTextField reads one top-level text entry and nothing else, stopping at it unless asked to walk everything', () => {
  const ping = encodeCbor({ type: 'ping', nonce: Buffer.alloc(8), time: 1, height: 2 });
  assert.equal(findTextField(ping, 'type'), 'ping');
  assert.equal(findTextField(ping, 'type', { whole: true }), 'ping');
  assert.equal(findTextField(ping, 'absent', { whole: true }), undefined);
  assert.equal(findTextField(ping, 'time'), undefined, 'not text');
  // It stops at the key: what follows is the decoder's (or the whole walk's) business.
  const broken = Buffer.concat([ping, hex('00')]);
  assert.equal(findTextField(broken, 'type'), 'ping');
  refuses(() => findTextField(broken, 'type', { whole: true }), /1 trailing bytes/);
  refuses(() => findTextField(hex('a2 6474797065 6161 6474797065 6162'), 'type', { whole: true }), /duplicate map key "type" at byte 8/);
  refuses(() => findTextField(hex('80'), 'type'), /not a map/);
  // Indefinite key and value, non-shortest lengths, non-text keys before it.
  assert.equal(findTextField(hex('bf 01 02 7f 62 7479 62 7065 ff 7f 61 61 61 62 ff ff'), 'type', { whole: true }), 'ab');
  assert.equal(findTextField(hex('a1 7804 74797065 780161'), 'type'), 'a');
  // A known value comes back as the very string of the list.
  const values = ['pong', 'ping'];
  assert.equal(findTextField(ping, 'type', { values }), values[1]);
  // The same answer whichever path finds it: first key or not, shortest heads or not, indefinite map or not.
  for (const h of ['a1 6474797065 6470696e67', 'a2 6161 00 6474797065 6470696e67', 'a1 7804 74797065 7804 70696e67', 'bf 6474797065 6470696e67 ff']) {
    assert.equal(findTextField(hex(h), 'type', { values }), 'ping', h);
  }
  // A map head claiming more entries than the bytes hold is refused even when the key comes first.
  refuses(() => findTextField(hex('b7 6474797065 6470696e67'), 'type', { values }), /declared map length 23 \(at least 46 bytes\) exceeds the 10 bytes left/);
  // A long value is cut on a character boundary, and all of it is still checked.
  const long = encodeCbor({ type: 'é'.repeat(100) });
  assert.equal(findTextField(long, 'type', { maxBytes: 9 }), 'éééé…');
  assert.equal(findTextField(long, 'type', { maxBytes: 200 }), 'é'.repeat(100));
  const bad = Buffer.from(long);
  bad[bad.length - 1] = 0x41; // the last é loses its continuation byte
  refuses(() => findTextField(bad, 'type', { maxBytes: 9 }), /invalid UTF-8/);
  assert.equal(findTextField(hex('a1 6474797065 7f 626162 626364 ff'), 'type', { maxBytes: 3 }), 'abc…');
});

// ---------------------------------------------------------------- decodeMessage

test('an unknown type holding a 1 MiB array of empty maps is counted as unknown, and the heap grows by under 8 MiB', () => {
  const payload = withEntry(encodeCbor({ type: 'x-wide' }), 'items', wideArray(MiB));
  const { result, grew } = heapGrowth(() => decodeMessage(payload));
  assert.deepStrictEqual(result, { type: 'x-wide', unknown: true });
  assert.ok(grew < 8 * MiB, `heap grew by ${(grew / MiB).toFixed(1)} MiB`);
  // The type last, after the wide item; and a map of a million tiny entries.
  const typeLast = Buffer.concat([hex('a2 6161'), wideArray(MiB), encodeCbor({ type: 'x-wide' }).subarray(1)]);
  const last = heapGrowth(() => decodeMessage(typeLast));
  assert.deepStrictEqual(last.result, { type: 'x-wide', unknown: true });
  assert.ok(last.grew < 8 * MiB, `heap grew by ${(last.grew / MiB).toFixed(1)} MiB`);
  const entries = 256 * 1024;
  // {type: "x", a: {0: 0, 0: 0, …}}: 256 Ki entries with non-text keys.
  const wideMap = Buffer.concat([hex('a2 6474797065 6178 6161 ba 00000000'), Buffer.alloc(entries * 2, 0x00)]);
  wideMap.writeUInt32BE(entries, 11);
  const map = heapGrowth(() => decodeMessage(wideMap));
  assert.deepStrictEqual(map.result, { type: 'x', unknown: true });
  assert.ok(map.grew < 8 * MiB, `heap grew by ${(map.grew / MiB).toFixed(1)} MiB`);
});

test('an unknown type holding long byte and text strings (every head size) is counted as unknown', () => {
  for (const size of [24, 255, 256, 65535, 65536, 4 * MiB - 64]) {
    assert.deepStrictEqual(decodeMessage(encodeCbor({ type: 'x-pad', pad: Buffer.alloc(size, 1) })), { type: 'x-pad', unknown: true }, `${size}-byte pad`);
    assert.deepStrictEqual(decodeMessage(encodeCbor({ pad: 'é'.repeat(size >> 1), type: 'x-text' })), { type: 'x-text', unknown: true }, `${size}-byte text`);
  }
});

test('an unknown type is still refused when the payload is not one well-formed item, or names its type twice', () => {
  const wide = withEntry(encodeCbor({ type: 'x-wide' }), 'items', wideArray(1000));
  refuses(() => decodeMessage(Buffer.concat([wide, hex('00')])), /1 trailing bytes/);
  const cut = Buffer.from(wide);
  cut.writeUInt32BE(1001, wide.length - 1000 - 4);
  refuses(() => decodeMessage(cut), /declared array length 1001 exceeds/);
  refuses(() => decodeMessage(withEntry(encodeCbor({ type: 'x' }), 'y', hex('62c328'))), /invalid UTF-8/);
  refuses(() => decodeMessage(withEntry(encodeCbor({ type: 'x' }), 'y', Buffer.concat([Buffer.alloc(16, 0x81), hex('00')]))), /nesting deeper than 16/);
  refuses(() => decodeMessage(withEntry(encodeCbor({ type: 'x' }), 'type', encodeCbor('ping'))), /duplicate map key "type"/);
  refuses(() => decodeMessage(withEntry(encodeCbor({ type: 'ping', nonce: Buffer.alloc(8), time: 1, height: 2 }), 'type', encodeCbor('x'))), /duplicate map key "type"/);
  // Not a map, no type, a non-text type; ill-formed bytes are reported as such first.
  refuses(() => decodeMessage(hex('80')), /payload is not a CBOR map/);
  refuses(() => decodeMessage(hex('8000')), /trailing/);
  refuses(() => decodeMessage(Buffer.alloc(0)), /empty payload/);
  refuses(() => decodeMessage(encodeCbor({ nonce: 1 })), /type: missing or non-text type/);
  refuses(() => decodeMessage(encodeCbor({ type: 5 })), /type: missing or non-text type/);
  refuses(() => decodeMessage(Buffer.concat([encodeCbor({ type: 5 }), hex('00')])), /trailing/);
});

test('an unknown type\'s name is cut to 64 bytes, so a peer cannot make the node keep megabytes of it', () => {
  const name = 'n'.repeat(MiB);
  const message = decodeMessage(encodeCbor({ type: name }));
  assert.deepStrictEqual(message, { type: `${'n'.repeat(MAX_TYPE_NAME_BYTES)}…`, unknown: true });
  const short = 'x'.repeat(MAX_TYPE_NAME_BYTES);
  assert.deepStrictEqual(decodeMessage(encodeCbor({ type: short })), { type: short, unknown: true });
});

test('a known type whose unknown top-level key holds a million tiny items is decoded without building them', () => {
  const tx = {
    type: 'tx' as const,
    tx: { from: b32(1), inputs: [{ txid: b32(2), index: 0 }], outputs: [{ to: b32(3), amount: 5n }], time: 1767225700123, sig },
  };
  const payload = withEntry(encodeMessage(tx), 'x', wideArray(MiB));
  const { result, grew } = heapGrowth(() => decodeMessage(payload));
  assert.deepStrictEqual(result, tx);
  assert.ok(grew < 8 * MiB, `heap grew by ${(grew / MiB).toFixed(1)} MiB`);
});

test('a known type whose nested unknown key holds a million tiny items is refused at its item bound, without building them', () => {
  const inner = encodeCbor({ from: b32(1), inputs: [], outputs: [], time: 1, sig });
  // {type: "tx", tx: {from, inputs, outputs, time, sig, x: [{}, {}, …]}}
  const payload = Buffer.concat([hex('a2'), encodeCbor({ type: 'tx' }).subarray(1), encodeCbor('tx'), withEntry(inner, 'x', wideArray(MiB))]);
  const { result, grew } = heapGrowth(() => errorOf(() => decodeMessage(payload)));
  assert.match(result ?? '', /^more than 704 items in one message of type tx \(at byte \d+\)$/);
  assert.ok(grew < 8 * MiB, `heap grew by ${(grew / MiB).toFixed(1)} MiB`);
  // The same with an indefinite array, which has no count to refuse up front.
  const indefinite = Buffer.concat([payload.subarray(0, payload.length - MiB - 5), hex('9f'), Buffer.alloc(MiB, 0xa0), hex('ff')]);
  const second = heapGrowth(() => errorOf(() => decodeMessage(indefinite)));
  assert.match(second.result ?? '', /more than 704 items in one message of type tx/);
  assert.ok(second.grew < 8 * MiB, `heap grew by ${(second.grew / MiB).toFixed(1)} MiB`);
  // A wide value where the schema wants bytes: refused at the bound too, not built then refused by the schema.
  const nonce = Buffer.concat([hex('a4 6474797065 6470696e67 656e6f6e6365'), wideArray(MiB), encodeCbor({ time: 1, height: 2 }).subarray(1)]);
  refuses(() => decodeMessage(nonce), /more than 64 items in one message of type ping/);
});

test('every known type at the largest size its schema admits fits its item bound', () => {
  const vote = { txid: b32(4), voter: b32(5), accept: true, sig };
  const block = (txids: number, height = 1) => ({ height, prev: b32(6), time: 2, txids: Array.from({ length: txids }, (_, i) => b32(i & 0xff)), producer: b32(7), sig });
  const largest: Message[] = [
    { type: 'hello', version: 1, network: 'n'.repeat(LIMITS.networkBytes), genesis: b32(1), node: b32(2), challenge: b32(3), port: 24100, height: 9, tip: b32(4), agent: 'a'.repeat(LIMITS.agentBytes), time: 1 },
    { type: 'auth', sig },
    { type: 'reject', code: 'protocol', reason: 'r'.repeat(LIMITS.reasonBytes) },
    { type: 'ping', nonce: Buffer.alloc(8), time: 1, height: 2 },
    { type: 'pong', nonce: Buffer.alloc(8), time: 1, height: 2 },
    { type: 'get_peers' },
    { type: 'peers', peers: Array.from({ length: LIMITS.peers }, (_, i) => ({ ip: `10.0.0.${i & 0xff}`, port: i, seen: i })) },
    {
      type: 'tx',
      tx: {
        from: b32(1),
        inputs: Array.from({ length: LIMITS.txInputs }, (_, i) => ({ txid: b32(i), index: i })),
        outputs: Array.from({ length: LIMITS.txOutputs }, (_, i) => ({ to: b32(i), amount: BigInt(i) })),
        time: 1,
        sig,
      },
    },
    { type: 'vote', vote },
    { type: 'finalized', txid: b32(8), votes: Array.from({ length: LIMITS.finalizedVotes }, () => vote) },
    { type: 'utxo_state', txid: b32(9), index: 3, state: 'locked', by: b32(10) },
    { type: 'block', block: block(LIMITS.blockTxids) },
    { type: 'get_blocks', from: 1, to: LIMITS.blocksPerAnswer },
    // The most items per byte a `blocks` answer can have: 500 blocks without txids, with one-byte heights and times.
    { type: 'blocks', blocks: Array.from({ length: LIMITS.blocksPerAnswer }, () => block(0, 23)) },
    { type: 'blocks', blocks: Array.from({ length: 3 }, () => block(LIMITS.blockTxids)) },
    { type: 'masternode', ann: { node: b32(11), ip: 'f'.repeat(LIMITS.ipBytes), port: 1, time: 2, sig } },
    { type: 'heartbeat', hb: { node: b32(12), seq: 1, time: 2, height: 3, sig } },
  ];
  const covered = new Set(largest.map((m) => m.type));
  assert.deepStrictEqual([...covered].sort(), [...MESSAGE_TYPES].sort(), 'one message of every type');
  for (const message of largest) {
    const payload = encodeMessage(message);
    assert.deepStrictEqual(decodeMessage(payload), message, `${message.type} (${payload.length} bytes, bound ${maxItemsOf(message.type, payload.length)} items)`);
    // A wide unknown top-level key (a newer peer's extension) costs nothing against the bound.
    const extended = decodeMessage(withEntry(payload, 'ext', wideArray(100_000, 0x00)));
    assert.deepStrictEqual(extended, message, `${message.type} with an unknown top-level key`);
  }
});
