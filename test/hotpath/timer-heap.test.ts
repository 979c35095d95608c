// The addon's timer heap is only measured (bench/hotpath.ts), but a
// measurement of a wrong heap would prove nothing: it must pop the same
// timers in the same order as the scheduler's TimerHeap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NativeTimerHeap } from '../../bench/hotpath';
import { HeapEntry, TimerHeap } from '../../src/net/scheduler';
import { addonOrSkip, prng } from './support';

test('native and TS timer heaps pop the same timers over 10 000 random pushes and pops, ties in push order', (t) => {
  const addon = addonOrSkip(t);
  if (!addon) return;
  const ts = new TimerHeap<HeapEntry>();
  const native = new NativeTimerHeap<HeapEntry>(addon);
  const rand = prng(300);
  let seq = 0;
  for (let k = 0; k < 10_000; k++) {
    if (rand(3) > 0 || ts.size === 0) {
      // Few distinct due times, so that ties are common.
      const entry = { due: rand(50), seq: seq++ };
      ts.push(entry);
      native.push(entry);
    } else {
      assert.equal(native.peek(), ts.peek(), `step ${k}: peek`);
      assert.equal(native.pop(), ts.pop(), `step ${k}: pop`);
    }
    assert.equal(native.size, ts.size, `step ${k}: size`);
  }
  while (ts.size > 0) assert.equal(native.pop(), ts.pop());
  assert.equal(native.pop(), undefined);
  assert.equal(native.peek(), undefined);
});
