// Reconnect backoff of PROTOCOL.md §2: 1 s, 2 s, 4 s … capped at 60 s,
// ±20 % jitter, reset after a stable minute. Randomness is injected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from '../../src/net/backoff';
import { DEFAULT_TIMINGS } from '../../src/base/config';

const SPEC = { reconnectBaseMs: 1000, reconnectMaxMs: 60_000, reconnectJitter: 0.2 };

test('the defaults are those of §2: base 1 s, cap 60 s, jitter 20 %, reset after 60 s up', () => {
  assert.deepEqual(
    {
      base: DEFAULT_TIMINGS.reconnectBaseMs,
      max: DEFAULT_TIMINGS.reconnectMaxMs,
      jitter: DEFAULT_TIMINGS.reconnectJitter,
      reset: DEFAULT_TIMINGS.reconnectResetAfterMs,
    },
    { base: 1000, max: 60_000, jitter: 0.2, reset: 60_000 },
  );
});

test('without jitter (random = 0.5) the delays double from 1 s and stop at the 60 s cap', () => {
  const b = new Backoff(SPEC, () => 0.5);
  const delays = Array.from({ length: 10 }, () => b.next());
  assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000, 60000]);
  assert.equal(b.attempt, 10);
});

test('jitter stays within ±20 %: random 0 gives −20 %, random → 1 gives +20 %', () => {
  const low = new Backoff(SPEC, () => 0);
  const high = new Backoff(SPEC, () => 0.999999);
  assert.deepEqual([low.next(), low.next(), low.next()], [800, 1600, 3200]);
  assert.deepEqual([high.next(), high.next(), high.next()], [1200, 2400, 4800]);
});

test('over many random draws every delay is within ±20 % of its plain value, and both sides are used', () => {
  let seed = 7;
  const random = (): number => {
    seed = (seed * 16807) % 2147483647;
    return (seed - 1) / 2147483646;
  };
  let below = 0;
  let above = 0;
  for (let run = 0; run < 200; run++) {
    const b = new Backoff(SPEC, random);
    for (let i = 0; i < 9; i++) {
      const plain = Math.min(60_000, 1000 * 2 ** i);
      const d = b.next();
      assert.ok(d >= plain * 0.8 && d <= plain * 1.2, `attempt ${i}: ${d} ms is outside ${plain} ± 20 %`);
      if (d < plain) below++;
      if (d > plain) above++;
    }
  }
  assert.ok(below > 100 && above > 100, `jitter one-sided: ${below} below, ${above} above`);
});

test('reset starts the sequence again at 1 s', () => {
  const b = new Backoff(SPEC, () => 0.5);
  b.next();
  b.next();
  b.next();
  b.reset();
  assert.equal(b.attempt, 0);
  assert.equal(b.next(), 1000);
  assert.equal(b.next(), 2000);
});

test('many attempts never overflow: attempt 1000 is still the cap', () => {
  const b = new Backoff(SPEC, () => 0.5);
  let last = 0;
  for (let i = 0; i < 1000; i++) last = b.next();
  assert.equal(last, 60_000);
});
