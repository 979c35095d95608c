// The single binary's main script, ahead of timenode itself: the bundle
// (./main.ts and all it imports, dist/timenode.cjs) is stored in the binary
// as the asset MAIN_ASSET (build/sea/build.mjs) and compiled only after
// `start` has re-execed itself with its process settings from here
// (reExecFirst): its ~0.6 MB took ~16 ms to compile here, in the process
// that the restart then threw away. Every other run goes on into the bundle,
// which decides everything again as when it runs on its own.
import { compileFunction } from 'node:vm';
import { quickMaxMemory } from '../cli/start-max-memory';
import { reExecFirst } from '../node/process-setup';
import { commandLine, seaApi, singleFileRelaunch } from './runtime';

/** The asset that holds the bundle; the name stack traces show for its frames (build/sea/build.mjs stores it under this name). */
export const MAIN_ASSET = 'timenode.cjs';

const argv = commandLine(process.argv.slice(2));
if (argv[0] === 'start') reExecFirst(argv, singleFileRelaunch(), quickMaxMemory(argv.slice(1), process.env));

const sea = seaApi();
if (!sea?.isSea()) throw new Error(`${MAIN_ASSET}'s prelude runs only as a single executable's main script`);
// Run as Node runs a CommonJS module, with this script's require (a SEA main script's: built-in modules only).
// Decoded by V8 (Buffer), not by getAsset's TextDecoder: that pages in ~12 MB of the binary (ICU's data) and took ~20 ms.
// The shebang line is blanked, not removed, so line numbers stay those of dist/timenode.cjs.
const source = Buffer.from(sea.getRawAsset(MAIN_ASSET) as ArrayBuffer).toString('utf8').replace(/^#!.*/, '');
const body = compileFunction(source, ['exports', 'require', 'module', '__filename', '__dirname'], { filename: MAIN_ASSET });
body.call(module.exports, module.exports, require, module, __filename, __dirname);
