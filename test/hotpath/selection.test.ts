// How each wire hot path picks its backend, seen from a fresh process as the
// node would start: TIMENODE_NATIVE=0 takes every fallback, =1 every native
// path or refuses to start naming the path, and unset follows the measured
// winner with its figures, falling back (and saying why) without the addon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { BackendChoice } from '../../src/base/hotpath-selection';
import { loadAddon } from '../../src/wire/native/addon';
import { nativeMode } from '../../src/base/hotpath-selection';
import { addonOrSkip, FIXTURES, runFixture } from './support';

const WIRE_PATHS = ['cobs-decode', 'cobs-encode', 'crc32c', 'frame-scan'];
const NO_ADDON = ['--require', path.join(FIXTURES, 'no-addon.js')];

function choices(native: string | undefined, flags: string[] = []): Map<string, BackendChoice> {
  const run = runFixture('print-choices.js', native, flags);
  assert.equal(run.status, 0, `child failed: ${run.stdout}${run.stderr}`);
  const list = JSON.parse(run.stdout) as BackendChoice[];
  return new Map(list.map((c) => [c.path, c]));
}

function wire(map: Map<string, BackendChoice>): BackendChoice[] {
  return WIRE_PATHS.map((p) => {
    const c = map.get(p);
    assert.ok(c, `no choice recorded for ${p}: ${JSON.stringify([...map.values()])}`);
    return c;
  });
}

test('the addon loads here unless TIMENODE_NATIVE=0 says there is no compiler', () => {
  if (nativeMode() === 'off') return;
  const load = loadAddon();
  assert.ok(load.addon, `${load.error}: run npm ci (or node native/install.js) with a C compiler, or set TIMENODE_NATIVE=0`);
});

test('TIMENODE_NATIVE=0 puts every wire path on its TS backend and says so', () => {
  for (const c of wire(choices('0'))) assert.deepStrictEqual(c, { path: c.path, kind: 'fallback', impl: 'ts', why: 'TIMENODE_NATIVE=0' });
});

test('TIMENODE_NATIVE=1 puts every wire path on the addon', (t) => {
  if (!addonOrSkip(t)) return;
  for (const c of wire(choices('1'))) {
    assert.equal(c.kind, 'native', c.path);
    assert.match(c.impl, /^timenode addon/, c.path);
    assert.equal(c.why, 'TIMENODE_NATIVE=1', c.path);
  }
});

test('TIMENODE_NATIVE=1 without the addon refuses to start with NativeRequiredError naming the path and the reason', () => {
  const run = runFixture('print-choices.js', '1', NO_ADDON);
  assert.equal(run.status, 1, run.stderr);
  const out = JSON.parse(run.stdout) as { error: string; path: string; message: string };
  assert.equal(out.error, 'NativeRequiredError');
  assert.ok(WIRE_PATHS.includes(out.path), out.path);
  assert.match(out.message, new RegExp(`but ${out.path} cannot use it: addon not loaded: No native build was found`));
});

test('unset: each wire path takes its measured winner and quotes the bench figures', (t) => {
  if (!addonOrSkip(t)) return;
  const map = choices(undefined);
  for (const c of wire(map)) {
    assert.match(c.why, /bench\/hotpath/, `${c.path}: ${c.why}`);
    assert.match(c.why, c.kind === 'native' ? /native is faster/ : /ts is faster/, `${c.path}: ${c.why}`);
  }
  const heap = map.get('timer-heap');
  assert.equal(heap?.impl, 'ts');
  assert.match(heap?.why ?? '', /bench\/hotpath/);
});

test('unset, without the addon: a native winner falls back to TS and says the addon did not load', () => {
  const withAddon = loadAddon().addon ? choices(undefined) : undefined;
  for (const c of wire(choices(undefined, NO_ADDON))) {
    assert.equal(c.kind, 'fallback', c.path);
    assert.equal(c.impl, 'ts', c.path);
    const measuredNative = withAddon?.get(c.path)?.kind === 'native';
    if (measuredNative) assert.match(c.why, /^addon not loaded: No native build was found/, c.path);
  }
});
