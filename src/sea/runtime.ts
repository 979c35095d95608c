// How this process was packaged: a single executable (SEA), the portable
// bundle (dist/timenode.cjs on the board's own Node) or the transpiled
// sources (bin/timenode → lib/). `timenode info` prints it; the addon loader
// reads SEA assets only in the first case.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

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
