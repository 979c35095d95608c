import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { OldestFirst } from '../../src/chain/forget-oldest';

type Op = { kind: 'set'; key: number } | { kind: 'delete'; key: number } | { kind: 'clear' } | { kind: 'forget'; max: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 40 }).map((key) => ({ kind: 'set', key }) as Op) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 40 }).map((key) => ({ kind: 'delete', key }) as Op) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 20 }).map((max) => ({ kind: 'forget', max }) as Op) },
  { weight: 1, arbitrary: fc.constant({ kind: 'clear' } as Op) },
);

test('OldestFirst forgets exactly what "delete the first key" forgets, through deletes, re-inserts, clears and table rebuilds', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
      const map = new Map<number, number>();
      const oracle = new Map<number, number>();
      const order = new OldestFirst(map);
      for (const o of ops) {
        if (o.kind === 'set') {
          // A re-set key keeps its place in both (Map semantics); a deleted and re-added one goes last.
          map.set(o.key, o.key);
          oracle.set(o.key, o.key);
        } else if (o.kind === 'delete') {
          map.delete(o.key);
          oracle.delete(o.key);
        } else if (o.kind === 'clear') {
          map.clear();
          oracle.clear();
        } else {
          const forgotten: number[] = [];
          order.forgetTo(o.max, (k) => forgotten.push(k));
          const expected: number[] = [];
          while (oracle.size > o.max) {
            const first = oracle.keys().next().value as number;
            oracle.delete(first);
            expected.push(first);
          }
          assert.deepEqual(forgotten, expected);
        }
        assert.deepEqual([...map.keys()], [...oracle.keys()]);
      }
    }),
    { numRuns: 300 },
  );
});

test('OldestFirst on a Set: an empty one forgets nothing, and after running out the cursor starts again', () => {
  const set = new Set<string>();
  const order = new OldestFirst(set);
  const forgotten: string[] = [];
  order.forgetTo(0, (k) => forgotten.push(k));
  assert.equal(forgotten.length, 0);
  for (const k of ['a', 'b', 'c']) set.add(k);
  order.forgetTo(1, (k) => forgotten.push(k));
  assert.deepEqual([...set], ['c']);
  set.add('d');
  order.forgetTo(1, (k) => forgotten.push(k));
  assert.deepEqual(forgotten, ['a', 'b', 'c'], 'c, the oldest left, goes next');
});

test('forgetWhile stops on the caller\'s own bound (bytes, not entries), and its forget does the deleting', () => {
  const sizes = new Map<string, number>([['a', 5], ['b', 1], ['c', 7], ['d', 2]]);
  let bytes = 15;
  const order = new OldestFirst(sizes);
  const forgotten: string[] = [];
  order.forgetWhile(
    () => bytes > 4,
    (k) => {
      bytes -= sizes.get(k)!;
      sizes.delete(k);
      forgotten.push(k);
    },
  );
  assert.deepEqual(forgotten, ['a', 'b', 'c']);
  assert.deepEqual([...sizes.keys()], ['d']);
  assert.equal(bytes, 2);
});
