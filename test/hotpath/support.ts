// What the hot-path tests share: a seeded generator, the addon (or a clear
// failure when it should be there), and a way to run a child process with a
// chosen TIMENODE_NATIVE.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { nativeMode } from '../../src/base/hotpath-selection';
import { Addon, loadAddon } from '../../src/wire/native/addon';
import { prng } from '../support/prng';
export { prng };

export const REPO_ROOT = path.resolve(__dirname, '../../..');
export const FIXTURES = path.join(__dirname, 'fixtures');


/** n random bytes, zero with probability 1/zeroOneIn (0: never zero). */
export function randomBytes(rand: (n: number) => number, n: number, zeroOneIn = 256): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = zeroOneIn > 0 && rand(zeroOneIn) === 0 ? 0 : 1 + rand(255);
  return out;
}

/**
 * The addon for a native-vs-TS test, whatever TIMENODE_NATIVE says (these
 * tests call both backends directly). Where a compiler exists (CI, a dev box)
 * the addon must have been built, so a missing one fails the test rather than
 * skipping it; on a board without one, TIMENODE_NATIVE=0 says the native side
 * is not under test, and the test is skipped.
 */
export function addonOrSkip(t: { skip(message?: string): void }): Addon | undefined {
  const load = loadAddon();
  if (load.addon) return load.addon;
  if (nativeMode() === 'off') {
    t.skip(`TIMENODE_NATIVE=0 and ${load.error}`);
    return undefined;
  }
  assert.fail(`${load.error}. Build it (npm ci, or node native/install.js, with a C compiler), or set TIMENODE_NATIVE=0 where none exists`);
}

export interface Vectors {
  crc32c: { input_ascii: string; crc: string };
  cobs: { data: string; encoded: string }[];
  serial_frame: { payload: string; frame: string };
}

export function vectors(): Vectors {
  return JSON.parse(readFileSync(path.join(REPO_ROOT, '..', 'shared', 'vectors', 'tnp1.json'), 'utf8')) as Vectors;
}

export interface ChildRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a compiled fixture in a fresh node with TIMENODE_NATIVE set as given (undefined: unset) and extra node flags. */
export function runFixture(fixture: string, native: string | undefined, nodeFlags: string[] = [], args: string[] = []): ChildRun {
  const env = { ...process.env };
  delete env.TIMENODE_NATIVE;
  if (native !== undefined) env.TIMENODE_NATIVE = native;
  const run = spawnSync(process.execPath, [...nodeFlags, path.join(FIXTURES, fixture), ...args], { env, encoding: 'utf8', cwd: REPO_ROOT });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}
