// The floors of src/ are checked, not hoped: dependency-cruiser with the
// project's .dependency-cruiser.cjs refuses an upward import and a cycle.
// Each case plants one in a copy of the rules' world (a temporary tree) and
// runs the same command `npm run lint:layers` runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { removeDir, tempDir } from '../support/harness';

const REPO = join(__dirname, '..', '..', '..');
const DEPCRUISE = join(REPO, 'node_modules', '.bin', 'depcruise');

function cruise(files: Record<string, string>): { status: number | null; out: string } {
  const dir = tempDir('timenode-layers-');
  try {
    copyFileSync(join(REPO, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'commonjs', strict: true }, include: ['src'] }));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, dirname(path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const r = spawnSync(DEPCRUISE, ['src', '--config', '.dependency-cruiser.cjs'], { cwd: dir, encoding: 'utf8' });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  } finally {
    removeDir(dir);
  }
}

const GROUND = {
  'src/base/config.ts': 'export const PORT = 24100;\n',
  'src/net/backoff.ts': "import { PORT } from '../base/config';\nexport const first = PORT;\n",
  'src/chain/chain.ts': "import { first } from '../net/backoff';\nexport const height = first;\n",
};

test('imports that point down pass', () => {
  const r = cruise(GROUND);
  assert.equal(r.status, 0, r.out);
});

test('an upward import fails, naming the rule and both modules', () => {
  const r = cruise({ ...GROUND, 'src/net/backoff.ts': "import { PORT } from '../base/config';\nimport { height } from '../chain/chain';\nexport const first = PORT + height;\n" });
  assert.notEqual(r.status, 0, 'net/ importing chain/ must fail');
  assert.match(r.out, /net-imports-down: src\/net\/backoff\.ts → src\/chain\/chain\.ts/);
});

test('the ground floor imports nothing of ours', () => {
  const r = cruise({ ...GROUND, 'src/base/config.ts': "import { first } from '../net/backoff';\nexport const PORT = first;\n" });
  assert.notEqual(r.status, 0);
  assert.match(r.out, /base-imports-down: src\/base\/config\.ts → src\/net\/backoff\.ts/);
});

test('a cycle fails, even inside one floor', () => {
  const r = cruise({
    ...GROUND,
    'src/node/node.ts': "import { view } from './status';\nexport const node = 1 + view;\n",
    'src/node/status.ts': "import { node } from './node';\nexport const view = node;\n",
  });
  assert.notEqual(r.status, 0);
  assert.match(r.out, /no-cycles/);
});
