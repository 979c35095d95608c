// How this process was packaged: a single executable (SEA), the portable
// bundle (dist/timenode.cjs on the board's own Node) or the transpiled
// sources (bin/timenode → lib/). `timenode info` prints it; the addon loader
// reads SEA assets only in the first case; the single-file entries
// (./prelude.ts, ./main.ts) read their command line and start themselves
// again by it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Relaunch } from '../node/process-setup';

export type Packaging = 'sea' | 'bundle' | 'source';

/** What build/sea/build.mjs stamps into the bundle (esbuild `define`); absent when running from lib/. */
interface StampedBuild {
  version: string;
}
declare const __TIMENODE_BUILD__: StampedBuild | undefined;

type SeaApi = typeof import('node:sea');
let sea: SeaApi | null | undefined;

/** node:sea, or undefined where this Node has none (before 20.12, e.g. the armv7 Node 20.11 on npm). */
export function seaApi(): SeaApi | undefined {
  if (sea === undefined) {
    try {
      sea = require('node:sea') as SeaApi;
    } catch {
      sea = null;
    }
  }
  return sea ?? undefined;
}

export function isSea(): boolean {
  return seaApi()?.isSea() ?? false;
}

export function packaging(): Packaging {
  if (isSea()) return 'sea';
  return typeof __TIMENODE_BUILD__ === 'undefined' ? 'source' : 'bundle';
}

/** The package version: stamped into a bundle, read from package.json when running from lib/src/sea/. */
export function version(): string {
  if (typeof __TIMENODE_BUILD__ !== 'undefined') return __TIMENODE_BUILD__.version;
  try {
    return (JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * The command of a single-file run. `timenode devnet` forks a script
 * (bin/timenode, or process.argv[1]) for each node; from a SEA that fork
 * re-runs this binary with the script path as the first argument, where a
 * SEA expects the command. Drop it so the child sees `start …` like any
 * other run.
 */
export function commandLine(argv: string[]): string[] {
  const first = argv[0] ?? '';
  if (isSea() && (first === process.execPath || /(^|\/)bin\/timenode$/.test(first))) return argv.slice(1);
  return argv;
}

/** How a single-file run starts itself again: a SEA reads no Node flag from its command line, the bundle is a script for this Node. */
export function singleFileRelaunch(): Relaunch {
  return isSea()
    ? { file: process.execPath, head: [process.execPath], script: [], flagsInEnv: true }
    : { file: process.execPath, head: [process.argv0, ...process.execArgv], script: [process.argv[1] ?? __filename], flagsInEnv: false };
}
