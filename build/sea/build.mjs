// `npm run build:sea`: the single-file builds.
//
//   dist/timenode.cjs          the portable bundle (any Node >= 20.11; armv7 boards)
//   dist/timenode-linux-x64    Node 20.20.2 single executable, addons and the bundle inside
//   dist/timenode-linux-arm64  the same for 64-bit Raspberry Pi OS
//   dist/manifest.json         sizes, sha256, the Node each binary starts from, the inputs' digest
//
// Steps per binary: the pinned Node (node-runtimes.mjs) is stripped FIRST
// (stripping after injection corrupts the blob and the binary segfaults), the
// SEA blob (the prelude src/sea/prelude.ts as main script; the bundle and the
// addons as assets) is written by Node itself
// (--experimental-sea-config) and injected with postject. No code cache: it
// would make the build unreproducible and is V8-architecture specific.
//
// Flags: --if-stale   do nothing when dist/ holds the same bundle built from the same addon sources
//        --check      build twice into a scratch folder and compare every artefact byte for byte
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADDONS } from './addon-plugin.mjs';
import { compileAddon, TRIPLETS } from './addon-compile.mjs';
import { bundle } from './bundle.mjs';
import { nodeRuntime, x64Base } from './node-runtimes.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
/** The asset that holds the bundle in a binary: src/sea/prelude.ts's MAIN_ASSET. */
const MAIN_ASSET = 'timenode.cjs';
/** The binaries built; the portable bundle serves every other target (armv7). */
export const SEA_TARGETS = ['linux-x64', 'linux-arm64'];
/** Built and checked (test/slow/sea.test.ts loads it under qemu-arm), not shipped: the armv7 bundle has no addon. */
const CHECK_ONLY_ADDON_TARGETS = ['linux-arm'];
/**
 * What --if-stale compares besides the bundle itself (which covers every
 * source file it pulls in): the addon sources, these scripts and the lock file.
 */
const INPUTS = ['native/binding.gyp', 'native/src', 'build/sea', 'package-lock.json'];

const log = (line) => process.stderr.write(`build:sea: ${line}\n`);

function sha256(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function filesUnder(path) {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => filesUnder(join(path, name)));
}

export function inputsDigest(root = ROOT) {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap((p) => filesUnder(join(root, p)))) {
    hash.update(`${relative(root, file)}\0`).update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

/** Runs a build tool; its stderr is shown only when it fails (LIEF inside postject warns about every .note section of node). */
function quietly(command, args, cwd = ROOT) {
  try {
    execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd });
  } catch (err) {
    throw new Error(`${command} ${args.join(' ')} failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}

/** TRIPLET-strip on a copy of `from`. */
function strippedCopy(target, from, to) {
  copyFileSync(from, to);
  chmodSync(to, 0o755);
  quietly(`${TRIPLETS[target]}-strip`, [to]);
}

function inject(binary, blob) {
  const postject = join(ROOT, 'node_modules', 'postject', 'dist', 'cli.js');
  quietly(process.execPath, [postject, binary, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE]);
}

/** One SEA binary; returns its manifest entry. */
function buildSea({ target, base, work, dist, prelude, main, addonFiles }) {
  const assets = { [MAIN_ASSET]: main };
  for (const [name, file] of Object.entries(addonFiles)) assets[`addons/${name}.node`] = file;
  const config = join(work, `sea-config-${target}.json`);
  const blob = join(work, `sea-${target}.blob`);
  // The blob records the main script's path as given (stack traces show it): a relative one
  // (the prelude is written into `work`) keeps build paths out of the binary and makes it the same wherever it is built.
  writeFileSync(config, `${JSON.stringify({ main: relative(work, prelude), output: basename(blob), disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: false, assets }, null, 2)}\n`);
  // The blob is written by the x64 Node (the same 20.20.2 as every binary): without a code cache it does not depend on the architecture.
  quietly(x64Base(log).node, ['--experimental-sea-config', basename(config)], work);
  const out = join(dist, `timenode-${target}`);
  strippedCopy(target, base.node, out);
  const strippedBytes = statSync(out).size;
  inject(out, blob);
  return {
    file: relative(ROOT, out),
    target,
    bytes: statSync(out).size,
    sha256: sha256(out),
    node: { from: base.spec, sha256: base.nodeSha256, npmTarballSha256: base.tgzSha256, bytesUnstripped: statSync(base.node).size, bytesStripped: strippedBytes },
    addons: Object.fromEntries(Object.entries(addonFiles).map(([name, file]) => [name, { bytes: statSync(file).size, sha256: sha256(file) }])),
  };
}

/** Every artefact into `dist`; returns the manifest. */
export async function buildAll(dist) {
  const work = join(dist, 'build');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const started = Date.now();

  const bundled = join(dist, 'timenode.cjs');
  const used = await bundle({ root: ROOT, outfile: bundled });
  chmodSync(bundled, 0o755);
  log(`bundled ${relative(ROOT, bundled)} (loads addons: ${used.join(', ') || 'none'})`);
  const prelude = join(work, 'prelude.cjs');
  await bundle({ root: ROOT, outfile: prelude, entry: 'prelude.ts' });

  const bases = { 'linux-x64': x64Base(log), 'linux-arm64': nodeRuntime('linux-arm64', log) };
  const include = nodeRuntime('linux-arm64', log).include;
  const addonsOf = {};
  for (const target of SEA_TARGETS) {
    addonsOf[target] = {};
    for (const name of used) {
      const row = ADDONS.find((a) => a.name === name);
      const file = row.prebuild ? join(ROOT, row.prebuild(target)) : compileAddon({ root: ROOT, target, include, outDir: join(work, 'addons', target) });
      if (existsSync(file)) addonsOf[target][name] = file;
      else log(`no ${name} prebuild for ${target}: that binary runs its paths on the fallbacks`);
    }
  }
  for (const target of CHECK_ONLY_ADDON_TARGETS) {
    addonsOf[target] = used.includes('timenode') ? { timenode: compileAddon({ root: ROOT, target, include, outDir: join(work, 'addons', target) }) } : {};
  }

  const binaries = [];
  for (const target of SEA_TARGETS) {
    binaries.push(buildSea({ target, base: bases[target], work, dist, prelude, main: bundled, addonFiles: addonsOf[target] }));
    log(`built ${binaries.at(-1).file}`);
  }
  const manifest = {
    version: JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version,
    inputs: inputsDigest(),
    bundle: { file: relative(ROOT, bundled), bytes: statSync(bundled).size, sha256: sha256(bundled), addons: used },
    prelude: { bytes: statSync(prelude).size, sha256: sha256(prelude) },
    binaries,
    checkOnlyAddons: Object.fromEntries(CHECK_ONLY_ADDON_TARGETS.map((t) => [t, Object.fromEntries(Object.entries(addonsOf[t]).map(([n, f]) => [n, relative(ROOT, f)]))])),
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
  writeFileSync(join(dist, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** dist/'s manifest when a fresh bundle and the other inputs are what it was built from, and every file is there. */
async function upToDate(dist) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dist, 'manifest.json'), 'utf8'));
  } catch {
    return undefined;
  }
  const probe = join(mkdtempSync(join(tmpdir(), 'timenode-sea-probe-')), 'timenode.cjs');
  const preludeProbe = join(dirname(probe), 'prelude.cjs');
  try {
    await bundle({ root: ROOT, outfile: probe });
    await bundle({ root: ROOT, outfile: preludeProbe, entry: 'prelude.ts' });
    const files = [manifest.bundle.file, ...manifest.binaries.map((b) => b.file)];
    const same = sha256(probe) === manifest.bundle.sha256 && sha256(preludeProbe) === manifest.prelude?.sha256 && manifest.inputs === inputsDigest();
    return same && files.every((f) => existsSync(join(ROOT, f))) ? manifest : undefined;
  } finally {
    rmSync(dirname(probe), { recursive: true, force: true });
  }
}

function mb(bytes) {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

function printSizes(manifest) {
  const rows = [[manifest.bundle.file, manifest.bundle.bytes, 'portable bundle, no addon (armv7 boards, any Node >= 20.11)']];
  for (const b of manifest.binaries) {
    const addons = Object.entries(b.addons).map(([n, a]) => `${n} ${(a.bytes / 1024).toFixed(0)} KiB`).join(', ');
    rows.push([b.file, b.bytes, `Node ${mb(b.node.bytesUnstripped)} stripped to ${mb(b.node.bytesStripped)}; addons: ${addons || 'none'}`]);
  }
  for (const [file, bytes, note] of rows) process.stdout.write(`${file.padEnd(26)} ${String(bytes).padStart(10)} B  ${mb(bytes).padStart(9)}  ${note}\n`);
}

async function main() {
  const args = process.argv.slice(2);
  const dist = join(ROOT, 'dist');
  if (args.includes('--if-stale')) {
    const current = await upToDate(dist);
    if (current) {
      log('dist/ is up to date (the same bundle and addon sources)');
      printSizes(current);
      return;
    }
  }
  mkdirSync(dist, { recursive: true });
  const manifest = await buildAll(dist);
  printSizes(manifest);
  log(`done in ${manifest.seconds} s`);
  if (args.includes('--check')) {
    const again = join(dist, 'build', 'again');
    const second = await buildAll(again);
    const files = [[manifest.bundle, second.bundle], ...manifest.binaries.map((b, i) => [b, second.binaries[i]])];
    let same = true;
    for (const [a, b] of files) {
      const equal = a.sha256 === b.sha256;
      same &&= equal;
      process.stdout.write(`reproducible ${a.file}: ${equal ? 'yes' : 'NO'} (${a.sha256.slice(0, 16)} / ${b.sha256.slice(0, 16)})\n`);
    }
    rmSync(again, { recursive: true, force: true });
    if (!same) process.exitCode = 1;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    process.stderr.write(`build:sea: ${err.message}\n`);
    process.exitCode = 1;
  });
}
