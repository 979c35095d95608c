// The wire suite once per backend, as bcrypto runs its suite once per
// backend: the tests of test/wire/ that reach the selected frame reader,
// COBS and CRC-32C, under TIMENODE_NATIVE=0 (all TS) and =1 (all native).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { loadAddon } from '../../src/wire/native/addon';
import { REPO_ROOT } from './support';

const SUITE = ['frame.test.js', 'serial.test.js', 'vectors.test.js'].map((f) => path.join(REPO_ROOT, 'lib', 'test', 'wire', f));

function runSuite(native: '0' | '1'): void {
  const env: NodeJS.ProcessEnv = { ...process.env, TIMENODE_NATIVE: native };
  // A child `node --test` under a test runner would report to it instead of to us.
  delete env.NODE_TEST_CONTEXT;
  const run = spawnSync(process.execPath, ['--test', '--test-reporter=tap', ...SUITE], {
    env,
    encoding: 'utf8',
    cwd: REPO_ROOT,
  });
  assert.equal(run.status, 0, `test/wire with TIMENODE_NATIVE=${native} failed:\n${run.stdout.split('\n').filter((l) => /^not ok|error|expected|actual/.test(l.trim())).join('\n')}`);
  assert.match(run.stdout, /# fail 0/);
}

test('test/wire passes on the TS backends (TIMENODE_NATIVE=0)', () => {
  runSuite('0');
});

test('test/wire passes on the native backends (TIMENODE_NATIVE=1)', (t) => {
  if (!loadAddon().addon) return t.skip('addon not built (TIMENODE_NATIVE=0)');
  runSuite('1');
});
