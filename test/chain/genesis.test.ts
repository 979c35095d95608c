import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyPairFromSeed } from '../../src/crypto';
import {
  GenesisError,
  formatGenesis,
  genesisHash,
  parseGenesis,
  producerFor,
  quorumFor,
  skipCount,
} from '../../src/chain/genesis';

const keys = [1, 2, 3, 4].map((i) => keyPairFromSeed(Buffer.alloc(32, i)).publicKey);
const hexKeys = keys.map((k) => k.toString('hex'));
const base = { network: 'devnet', time: 1767225600000, interval: 2000, masternodes: hexKeys.slice(0, 3) };

function withField(field: string, value: unknown): string {
  return JSON.stringify({ ...base, [field]: value });
}

function without(field: string): string {
  const doc: Record<string, unknown> = { ...base };
  delete doc[field];
  return JSON.stringify(doc);
}

/** Parses `text`, expecting a refusal of `field` whose message contains every one of `words`. */
function refuses(text: string, field: string | null, ...words: string[]): void {
  assert.throws(
    () => parseGenesis(text, '/etc/timenode/genesis.json'),
    (err: unknown) => {
      assert.ok(err instanceof GenesisError, `expected a GenesisError, got ${String(err)}`);
      assert.equal(err.field, field);
      assert.match(err.message, /^\/etc\/timenode\/genesis\.json: /);
      for (const w of words) assert.ok(err.message.includes(w), `"${err.message}" should mention ${w}`);
      return true;
    },
  );
}

test('a valid file parses with file order kept and the schedule sorted', () => {
  const g = parseGenesis(JSON.stringify(base));
  assert.equal(g.network, 'devnet');
  assert.equal(g.interval, 2000);
  assert.deepEqual(g.masternodes.map((k) => k.toString('hex')), base.masternodes);
  assert.deepEqual(g.schedule, [...g.masternodes].sort(Buffer.compare));
  assert.equal(g.quorum, 3);
  assert.deepEqual(g.hash, genesisHash(base.network, base.time, base.interval, g.masternodes));
});

test('each missing field is refused by name', () => {
  for (const field of ['network', 'time', 'interval', 'masternodes']) refuses(without(field), field, `"${field}"`, 'missing');
});

test('interval 99 is refused naming interval and the value; 100 is accepted', () => {
  refuses(withField('interval', 99), 'interval', 'interval', '99');
  refuses(withField('interval', 2000.5), 'interval', '2000.5');
  refuses(withField('interval', '2000'), 'interval', '"2000"');
  assert.equal(parseGenesis(withField('interval', 100)).interval, 100);
});

test('network must be 1..32 UTF-8 bytes of text', () => {
  refuses(withField('network', ''), 'network', 'network', '0');
  refuses(withField('network', 'é'.repeat(17)), 'network', '34');
  refuses(withField('network', 7), 'network', 'text');
  assert.equal(parseGenesis(withField('network', 'é'.repeat(16))).network, 'é'.repeat(16));
});

test('time must be a non-negative safe integer', () => {
  refuses(withField('time', -1), 'time', '-1');
  refuses(withField('time', 1.5), 'time', '1.5');
  refuses(withField('time', 2 ** 53), 'time', 'time');
  assert.equal(parseGenesis(withField('time', 0)).time, 0);
});

test('a key that is not 64 lower-case hex characters is refused naming its index', () => {
  refuses(withField('masternodes', [hexKeys[0], 'zz'.repeat(32)]), 'masternodes[1]', 'masternodes[1]', 'zz');
  refuses(withField('masternodes', [hexKeys[0].toUpperCase()]), 'masternodes[0]', 'lower-case');
  refuses(withField('masternodes', [hexKeys[0].slice(2)]), 'masternodes[0]', '64');
  refuses(withField('masternodes', [42]), 'masternodes[0]', '42');
});

test('a duplicate key is refused naming both positions', () => {
  refuses(withField('masternodes', [hexKeys[0], hexKeys[1], hexKeys[0]]), 'masternodes[2]', 'masternodes[2]', 'masternodes[0]', 'twice');
});

test('an empty masternode list is refused', () => {
  refuses(withField('masternodes', []), 'masternodes', 'masternodes', 'empty');
  refuses(withField('masternodes', hexKeys[0]), 'masternodes', 'array');
});

test('text that is not JSON, or not an object, is refused as a whole file', () => {
  refuses('{"network": "devnet",', null, 'not valid JSON');
  refuses('[1, 2]', null, 'JSON object');
});

test('the order of keys in the file does not change the hash', () => {
  const a = parseGenesis(withField('masternodes', hexKeys));
  const b = parseGenesis(withField('masternodes', [...hexKeys].reverse()));
  const c = parseGenesis(withField('masternodes', [hexKeys[2], hexKeys[0], hexKeys[3], hexKeys[1]]));
  assert.deepEqual(a.hash, b.hash);
  assert.deepEqual(a.hash, c.hash);
  assert.deepEqual(a.schedule, c.schedule);
  assert.notDeepEqual(a.masternodes, c.masternodes);
  // and every input that should matter does
  assert.notDeepEqual(parseGenesis(withField('interval', 2001)).hash, parseGenesis(JSON.stringify(base)).hash);
  assert.notDeepEqual(parseGenesis(withField('network', 'devnet2')).hash, parseGenesis(JSON.stringify(base)).hash);
});

test('formatGenesis output parses back to the same network', () => {
  const fields = { network: 'réseau', time: 1767225600000, interval: 600000, masternodes: [keys[3], keys[0], keys[2]] };
  const text = formatGenesis(fields);
  assert.ok(text.endsWith('\n'));
  assert.ok(text.includes(`"${hexKeys[3]}"`), 'keys are written as lower-case hex');
  const g = parseGenesis(text);
  assert.equal(g.network, fields.network);
  assert.equal(g.time, fields.time);
  assert.equal(g.interval, fields.interval);
  assert.deepEqual(g.masternodes, fields.masternodes);
  assert.deepEqual(g.hash, genesisHash(fields.network, fields.time, fields.interval, fields.masternodes));
});

test('quorum is more than two thirds', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 100].map(quorumFor), [1, 2, 3, 3, 4, 5, 5, 67]);
});

test('skipCount counts whole intervals after the first, never below zero', () => {
  assert.equal(skipCount(0, 2000, 2000), 0);
  assert.equal(skipCount(0, 3999, 2000), 0);
  assert.equal(skipCount(0, 4000, 2000), 1);
  assert.equal(skipCount(1767225602000, 1767225608017, 2000), 2);
  assert.equal(skipCount(5000, 4000, 2000), 0);
});

test('producerFor rotates through the sorted schedule, shifted by skips', () => {
  const g = parseGenesis(withField('masternodes', hexKeys));
  assert.deepEqual(producerFor(g, 1, 0), g.schedule[1]);
  assert.deepEqual(producerFor(g, 4, 0), g.schedule[0]);
  assert.deepEqual(producerFor(g, 1, 2), g.schedule[3]);
  assert.deepEqual(producerFor(g, 2, 9), g.schedule[3]);
});
