// The portable bundle: src/sea/main.ts and everything it imports, npm
// packages included, as one CommonJS file for Node >= 20.11. Native addon
// loaders are pointed at src/sea/addon-loader.ts (addon-plugin.mjs), so the
// same file runs inside the SEA, where it is an asset that the SEA's main
// script, the prelude (src/sea/prelude.ts, bundled the same way), compiles
// after `start`'s restart. No timestamps, paths or source maps go in: two
// builds of the same tree are byte-equal.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addonPlugin } from './addon-plugin.mjs';

/**
 * Optional packages a dependency tries in a try/catch and we do not install
 * (debug, under serialport, tries supports-color): an empty module, because
 * in a single executable a require() of anything not built in prints a warning.
 */
const absentOptional = {
  name: 'absent-optional',
  setup(build) {
    build.onResolve({ filter: /^supports-color$/ }, (args) => ({ path: args.path, namespace: 'absent-optional' }));
    build.onLoad({ filter: /.*/, namespace: 'absent-optional' }, () => ({ contents: 'module.exports = undefined;', loader: 'js' }));
  },
};

/**
 * Writes `outfile` from src/sea/`entry`; returns the names of the addons the
 * bundle loads (the SEA assets it needs).
 */
export async function bundle({ root, outfile, entry = 'main.ts' }) {
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const used = new Set();
  await build({
    entryPoints: [join(root, 'src', 'sea', entry)],
    outfile,
    bundle: true,
    platform: 'node',
    // The armv7 board's Node is 20.11: nothing newer than what it runs.
    target: 'node20.11',
    format: 'cjs',
    banner: { js: '#!/usr/bin/env node' },
    define: {
      __TIMENODE_BUILD__: JSON.stringify({ version }),
      // In one bundle every file's `module` is the bundle's, so a script's
      // `if (require.main === module) main()` guard (bench/run.ts) would fire on import.
      'require.main': 'undefined',
    },
    // Whitespace and syntax only: stack traces keep their function names.
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'eof',
    absWorkingDir: root,
    logLevel: 'warning',
    plugins: [addonPlugin({ root, used }), absentOptional],
  });
  return [...used].sort();
}

// `node build/sea/bundle.mjs OUTFILE`: the bundle alone (the tests compare it with dist/timenode.cjs).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  await bundle({ root, outfile: process.argv[2] ?? join(root, 'dist', 'timenode.cjs') });
}
