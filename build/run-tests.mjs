// Runs the compiled test files with node:test, once per hot-path backend:
// first with the native backends (the default), then with TIMENODE_NATIVE=0
// so every fallback carries the unit suite too (bcrypto's habit). The slow
// multi-process tests (test/slow, test/faults) run in the native pass only:
// they test the node's behaviour, not a backend, and are what costs CI time.
//   node build/run-tests.mjs [all|unit|slow] [native|fallback|both] [-- node args]
import { readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [which = 'all', backends = 'both', ...nodeArgs] = process.argv.slice(2).filter((a) => a !== '--');

function testFiles(dir) {
  let out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(testFiles(path));
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const slowDirs = ['slow', 'faults'].map((d) => `${join('lib', 'test', d)}/`);
const isSlow = (f) => slowDirs.some((d) => f.includes(d));
const all = testFiles(join(root, 'lib', 'test'));
const filesFor = (pass) =>
  all.filter((f) => (which === 'unit' ? !isSlow(f) : which === 'slow' ? isSlow(f) : pass === 'native' || !isSlow(f)));

// Tests that time a few tens of ms against a bound run after the rest, one
// at a time: beside another file (the qemu runs of sea.test.ts above all)
// restart-cost's 50 ms allowance measured +222 ms for the same code.
const timedAlone = [join('slow', 'restart-cost.test.js')];
const isTimedAlone = (f) => timedAlone.some((t) => f.endsWith(t));

const passes = backends === 'native' ? ['native'] : backends === 'fallback' ? ['fallback'] : ['native', 'fallback'];
let failed = false;
for (const pass of passes) {
  const files = filesFor(pass);
  if (files.length === 0) {
    console.error(`no test files found for set "${which}"`);
    process.exit(1);
  }
  console.log(`\n=== test pass: ${pass} backends (${files.length} files) ===`);
  const env = { ...process.env, TIMENODE_NATIVE: pass === 'fallback' ? '0' : (process.env.TIMENODE_NATIVE ?? '') };
  if (env.TIMENODE_NATIVE === '') delete env.TIMENODE_NATIVE;
  // --test-force-exit: a test file that leaves a handle open (a child or a
  // socket of a failed test) ends with its results instead of holding CI.
  const groups = [
    { files: files.filter((f) => !isTimedAlone(f)), concurrency: 2 },
    { files: files.filter(isTimedAlone), concurrency: 1 },
  ];
  for (const group of groups.filter((g) => g.files.length > 0)) {
    const result = spawnSync(process.execPath, ['--test', `--test-concurrency=${group.concurrency}`, '--test-force-exit', ...nodeArgs, ...group.files], { stdio: 'inherit', cwd: root, env });
    if (result.status !== 0) {
      console.error(`=== test pass "${pass}" failed (exit ${result.status ?? result.signal}) ===`);
      failed = true;
    }
  }
}
process.exit(failed ? 1 : 0);
