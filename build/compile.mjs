// Transpiles src/, test/ and bench/ file by file into lib/ (CommonJS).
// Type checking is tsc's job (`npm run typecheck`); esbuild only strips types,
// which keeps `npm ci` fast on a small board.
import { build } from 'esbuild';
import { readdirSync, statSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function tsFiles(dir) {
  let out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(tsFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

rmSync(join(root, 'lib'), { recursive: true, force: true });
const entryPoints = ['src', 'test', 'bench'].flatMap((d) => tsFiles(join(root, d)));
await build({
  entryPoints,
  outdir: join(root, 'lib'),
  outbase: root,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: 'inline',
  logLevel: 'warning',
});
