// Runs the compiled test files with node:test. Fast unit tests live in
// test/<area>/, multi-process ones in test/slow/; both run by default.
// `node build/run-tests.mjs unit` or `... slow` picks one set; extra arguments
// after the set are passed to node.
import { readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const which = process.argv[2] ?? 'all';

function testFiles(dir) {
  let out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(testFiles(path));
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const all = testFiles(join(root, 'lib', 'test'));
const isSlow = (f) => f.includes(`${join('lib', 'test', 'slow')}/`);
const files = all.filter((f) => (which === 'unit' ? !isSlow(f) : which === 'slow' ? isSlow(f) : true));
if (files.length === 0) {
  console.error(`no test files found for set "${which}"`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...process.argv.slice(3), ...files], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(result.status ?? 1);
