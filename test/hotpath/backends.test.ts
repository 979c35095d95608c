// The wire tests that reach the selected frame reader, COBS and CRC-32C, on
// the native backends of every path (TIMENODE_NATIVE=1): the default run
// takes the measured mix, and build/run-tests.mjs's fallback pass all TS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { addonOrSkip, REPO_ROOT } from './support';

const SUITE = ['frame.test.js', 'serial.test.js', 'vectors.test.js'].map((f) => path.join(REPO_ROOT, 'lib', 'test', 'wire', f));

function runSuiteOnNative(): void {
  const env: NodeJS.ProcessEnv = { ...process.env, TIMENODE_NATIVE: '1' };
  // A child `node --test` under a test runner would report to it instead of to us.
  delete env.NODE_TEST_CONTEXT;
  const run = spawnSync(process.execPath, ['--test', '--test-reporter=tap', ...SUITE], {
    env,
    encoding: 'utf8',
    cwd: REPO_ROOT,
  });
  assert.equal(run.status, 0, `test/wire with TIMENODE_NATIVE=1 failed:\n${run.stdout.split('\n').filter((l) => /^not ok|error|expected|actual/.test(l.trim())).join('\n')}`);
  assert.match(run.stdout, /# fail 0/);
}

test('test/wire passes on the native backends (TIMENODE_NATIVE=1)', (t) => {
  if (!addonOrSkip(t)) return;
  runSuiteOnNative();
});
