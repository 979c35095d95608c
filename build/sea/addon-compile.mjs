// Compiles timenode's addon (native/) for one target with Debian's
// compilers: the host's for linux-x64, g++-aarch64-linux-gnu's and
// g++-arm-linux-gnueabihf's for the boards. The sources, defines and cflags
// come from native/binding.gyp, so the binaries get what `npm ci` builds;
// only the N-API headers (the same on every architecture) and the output
// place differ. No debug info and stripped, so two builds are byte-equal.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** GNU triplet of each target: its compiler is TRIPLET-gcc, its strip TRIPLET-strip. */
export const TRIPLETS = {
  'linux-x64': 'x86_64-linux-gnu',
  'linux-arm64': 'aarch64-linux-gnu',
  'linux-arm': 'arm-linux-gnueabihf',
};

/** The Debian package that brings TRIPLET-gcc, for error messages. */
export const COMPILER_PACKAGES = {
  'linux-x64': 'gcc',
  'linux-arm64': 'g++-aarch64-linux-gnu',
  'linux-arm': 'g++-arm-linux-gnueabihf',
};

/** The first target of native/binding.gyp (a Python literal; ours is JSON with # comments). */
export function gypTarget(root) {
  const text = readFileSync(join(root, 'native', 'binding.gyp'), 'utf8')
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n');
  return JSON.parse(text).targets[0];
}

/**
 * Builds native/ for `target` into OUTDIR/<target_name>.node and returns its path.
 * @param {{ root: string, target: string, include: string, outDir: string }} options include: a folder with node_api.h
 */
export function compileAddon({ root, target, include, outDir }) {
  const triplet = TRIPLETS[target];
  const gyp = gypTarget(root);
  const removed = new Set(gyp['cflags!'] ?? []);
  const cflags = (gyp.cflags ?? []).filter((f) => !removed.has(f));
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, `${gyp.target_name}.node`);
  const args = [
    '-shared',
    '-fPIC',
    '-pthread',
    ...cflags,
    ...(gyp.defines ?? []).map((d) => `-D${d}`),
    '-DBUILDING_NODE_EXTENSION',
    `-DNODE_GYP_MODULE_NAME=${gyp.target_name}`,
    `-I${include}`,
    `-ffile-prefix-map=${root}=.`,
    ...gyp.sources.map((s) => join('native', s)),
    '-o',
    out,
  ];
  try {
    execFileSync(`${triplet}-gcc`, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  } catch (err) {
    if (err.code === 'ENOENT') throw new Error(`${triplet}-gcc not found: apt-get install ${COMPILER_PACKAGES[target]}`);
    throw err;
  }
  execFileSync(`${triplet}-strip`, ['--strip-unneeded', out]);
  return out;
}
