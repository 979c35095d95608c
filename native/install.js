#!/usr/bin/env node
// `npm ci`'s install step: builds timenode's addon (native/build/Release/)
// with node-gyp where a compiler is found, and otherwise says so and exits 0:
// the pure-TS backends then run, and the node reports it at start-up
// (src/base/hotpath-selection.ts). TIMENODE_NATIVE=0 skips the build;
// TIMENODE_NATIVE=1 makes a failed build fail the install.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const NATIVE_DIR = __dirname;
const mode = process.env.TIMENODE_NATIVE;

function say(line) {
  console.log(`timenode native: ${line}`);
}

/** npm hands its own node-gyp to every script; outside npm, look beside node. */
function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not a dependency of ours: npm's copy is the usual one
  }
  return candidates.find((p) => p && fs.existsSync(p));
}

/** Node's own headers, so node-gyp never downloads them (a board may be offline). */
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

/** A prebuild in native/prebuilds/<platform>-<arch>/ that loads here (right libc, right ABI), if any. */
function loadablePrebuild() {
  const dir = path.join(NATIVE_DIR, 'prebuilds', `${process.platform}-${process.arch}`);
  if (!fs.existsSync(dir)) return undefined;
  try {
    // node-gyp-build picks the prebuild for this libc and ABI, but prefers an
    // existing build/Release: then we rebuild that instead.
    const file = require('node-gyp-build').path(NATIVE_DIR);
    if (!file.startsWith(dir)) return undefined;
    require(file);
    return file;
  } catch {
    return undefined;
  }
}

function fail(reason, output) {
  if (output) process.stderr.write(`${output.trimEnd().split('\n').slice(-25).join('\n')}\n`);
  const consequence =
    mode === '1'
      ? 'TIMENODE_NATIVE=1 asks for the native paths, so the install fails'
      : 'the node will run on its pure-TS backends (and say so at start-up); install a C compiler, make and python3, then `npm rebuild timenode` or `node native/install.js`, to build it';
  say(`addon not built: ${reason}; ${consequence}`);
  process.exit(mode === '1' ? 1 : 0);
}

function main() {
  if (mode === '0') {
    say('TIMENODE_NATIVE=0: not building the addon; the pure-TS backends will run');
    return;
  }
  const prebuild = loadablePrebuild();
  if (prebuild) {
    say(`using the prebuild ${path.relative(process.cwd(), prebuild)}`);
    return;
  }
  const nodeGyp = findNodeGyp();
  if (!nodeGyp) return fail('node-gyp not found (it ships with npm)');
  // cwd native/: the repo's own build/ folder holds our scripts, not gyp output.
  const args = [nodeGyp, 'rebuild', '--loglevel=warn', ...nodedirArgs()];
  const started = Date.now();
  const run = spawnSync(process.execPath, args, { cwd: NATIVE_DIR, encoding: 'utf8', env: process.env });
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  if (run.error) return fail(`node-gyp could not run: ${run.error.message}`, output);
  if (run.status !== 0) return fail(`node-gyp exited with ${run.status ?? run.signal} (no C compiler, make or python3?)`, output);
  const built = path.join(NATIVE_DIR, 'build', 'Release', 'timenode.node');
  try {
    require(built);
  } catch (err) {
    return fail(`the built addon does not load: ${err instanceof Error ? err.message : String(err)}`);
  }
  say(`built ${path.relative(process.cwd(), built)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main();
