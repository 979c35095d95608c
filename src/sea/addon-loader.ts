// Native addons inside the single executable. A SEA can `require` only
// built-in modules, and dlopen(3) needs a real file, so build/sea/build.mjs
// stores each addon as the asset "addons/NAME.node"; here it is written to a
// fresh private folder on a RAM-backed filesystem, process.dlopen()ed, and the
// folder deleted at once (the mapping outlives the file). The SD card never
// sees the write. A kill -9 inside that window leaves a folder named after
// our pid: the first load of a later run removes every such folder whose
// process is gone.
//
// The packages' own loaders (require-addon in sodium-native, node-gyp-build
// for native/) search the disk beside the package and fail once bundled;
// build/sea/addon-plugin.mjs points them here instead. Outside a SEA (the
// portable bundle) this throws, and each hot path takes its fallback.
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seaApi } from './runtime';

/** Folders are named PREFIX<pid>-XXXXXX (mkdtemp's suffix), so a later run can tell whose they were. */
export const ADDON_DIR_PREFIX = 'timenode-addon-';
const ADDON_DIR_RE = /^timenode-addon-(\d+)-[A-Za-z0-9]{6}$/;

export interface AddonLoad {
  name: string;
  ok: boolean;
  /** ok: "1.2 MB from the binary via /dev/shm in 4 ms"; not ok: why. */
  detail: string;
}

/** Each addon is unpacked once per process, whatever the outcome: a failed load is not retried. */
const loaded = new Map<string, { exports: unknown } | { error: Error }>();
const report: AddonLoad[] = [];
let staleChecked = false;

/** The exports of the addon stored as asset "addons/NAME.node"; throws with the reason when there is none. */
export function loadEmbeddedAddon(name: string): unknown {
  let entry = loaded.get(name);
  if (!entry) {
    const sea = seaApi();
    if (!sea?.isSea()) {
      // The portable bundle: expected, and each hot path's reason already says it.
      entry = { error: new Error('no native addon in the portable bundle') };
    } else {
      try {
        entry = { exports: extractAndOpen(sea, name) };
      } catch (err) {
        entry = { error: err as Error };
        report.push({ name, ok: false, detail: entry.error.message });
      }
    }
    loaded.set(name, entry);
  }
  if ('error' in entry) throw entry.error;
  return entry.exports;
}

/** What each load attempt gave, for `timenode info`. */
export function embeddedAddons(): AddonLoad[] {
  return [...report];
}

/**
 * Where an addon may be written, best first: the service's RuntimeDirectory=
 * (systemd), the user's runtime folder, /dev/shm (all tmpfs), then the
 * system temp folder as a last resort.
 */
export function scratchBases(env: NodeJS.ProcessEnv = process.env): string[] {
  const candidates = [env.RUNTIME_DIRECTORY?.split(':')[0], env.XDG_RUNTIME_DIR, '/dev/shm', tmpdir()];
  const out: string[] = [];
  for (const dir of candidates) {
    if (!dir || out.includes(dir)) continue;
    try {
      if (statSync(dir).isDirectory()) out.push(dir);
    } catch {
      // absent: not a candidate
    }
  }
  return out;
}

/** Once per process: the folders that earlier runs killed mid-unpack left in any candidate folder. */
export function cleanStaleAddonDirs(): void {
  if (staleChecked) return;
  staleChecked = true;
  for (const base of scratchBases()) removeStaleAddonDirs(base);
}

/** Removes the addon folders in `base` left by processes that no longer exist; returns their paths. */
export function removeStaleAddonDirs(base: string): string[] {
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = ADDON_DIR_RE.exec(name);
    if (!m || processAlive(Number(m[1]))) continue;
    const path = join(base, name);
    try {
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    } catch {
      // another user's folder in a shared /dev/shm: not ours to remove
    }
  }
  return removed;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function extractAndOpen(sea: NonNullable<ReturnType<typeof seaApi>>, name: string): unknown {
  let asset: ArrayBuffer;
  try {
    asset = sea.getRawAsset(`addons/${name}.node`) as ArrayBuffer;
  } catch {
    throw new Error(`this binary has no asset addons/${name}.node (no build of it for ${process.platform}-${process.arch})`);
  }
  cleanStaleAddonDirs();
  const bases = scratchBases();
  const bytes = new Uint8Array(asset);
  const tried: string[] = [];
  for (const base of bases) {
    const started = Date.now();
    let dir: string;
    try {
      dir = mkdtempSync(join(base, `${ADDON_DIR_PREFIX}${process.pid}-`));
    } catch (err) {
      tried.push(`${base}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      continue;
    }
    try {
      const file = join(dir, `${name}.node`);
      writeFileSync(file, bytes, { mode: 0o700 });
      const mod = { exports: {} as unknown };
      process.dlopen(mod, file);
      report.push({ name, ok: true, detail: `${(bytes.length / 1e6).toFixed(1)} MB from the binary via ${base} in ${Date.now() - started} ms` });
      return mod.exports;
    } catch (err) {
      const message = (err as Error).message;
      // A noexec mount refuses the mapping: another folder may allow it. Any other failure would repeat.
      if (!/failed to map segment|operation not permitted|ENOSPC|EROFS|EACCES/i.test(message)) throw new Error(`unpacked to ${base} but did not load: ${message}`);
      tried.push(`${base}: ${message.split('\n')[0]}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  throw new Error(`no folder to unpack it into (${tried.join('; ')})`);
}
