// The process settings the memory budget assumes, and how to read back the
// ones this process runs with. V8's young generation defaults to 16 MB
// semi-spaces (~48 MB of RSS under allocation load), more than a Pi can
// spare and outside any budget; 2 MB semi-spaces cost a few more scavenges
// and measured ~30 MB less RSS under load. The old generation is capped from
// --max-memory so a leak ends in an out-of-memory exit, not in swap.
//
// glibc's malloc raises its mmap threshold each time a large block is freed,
// so after the first 4 MiB frame every later one comes from the heap arena
// and stays in RSS once freed: a 20 s flood of big frames measured 139 MB
// peak / 124 MB after, and 109 MB / 68 MB with the threshold pinned at
// 64 KiB.
//
// Heap sizes are fixed when the process starts (v8.setFlagsFromString is too
// late), and glibc reads MALLOC_MMAP_THRESHOLD_ at its first allocation, so
// `start` restarts itself with them: src/node/process-setup.ts says how.
import { readFileSync } from 'node:fs';

export const SEMI_SPACE_MB = 2;
export const MMAP_THRESHOLD_BYTES = 65536;

/**
 * Set by the node itself on the process it restarts into (never by a user):
 * its value says how the settings were applied, and its presence stops a
 * second restart, so a setting that does not take cannot loop.
 */
export const SETTINGS_MARKER = 'TIMENODE_PROCESS_SETTINGS';

/** How a process got its settings, as the marker carries it and the start log says it. */
export type SettingsRoute = 'launcher' | 're-exec' | 'respawn' | 'as started';

/**
 * The old generation for a --max-memory: the budget plus 64 MB for code and
 * the runtime's own objects. A backstop against a leak (the budget's bounds
 * keep the heap far below it), small enough that heap limit + runtime stays
 * under the systemd unit's MemoryMax (256 MB at the default 96).
 */
export function oldSpaceMb(maxMemoryMb: number): number {
  return maxMemoryMb + 64;
}

/** V8 flags for a node with this --max-memory: small young generation, old space sized to the budget plus headroom. */
export function nodeV8Flags(maxMemoryMb: number): string[] {
  return [`--max-semi-space-size=${SEMI_SPACE_MB}`, `--max-old-space-size=${oldSpaceMb(maxMemoryMb)}`];
}

/** Environment the allocator reads at process start (ignored by other libcs). */
export const ALLOCATOR_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: String(MMAP_THRESHOLD_BYTES) };

/**
 * V8 reports one heap limit: old space plus three semi-spaces (two for the
 * young generation, one for its large objects). It equals this only when
 * both flags took.
 */
export function expectedHeapLimitMb(maxMemoryMb: number): number {
  return oldSpaceMb(maxMemoryMb) + 3 * SEMI_SPACE_MB;
}

/** What this process runs with, read back from V8 and from the environment it was started with. */
export interface AppliedSettings {
  heapLimitMb: number;
  /** The mmap threshold glibc was started with (or set to through the addon); undefined when neither. */
  mmapThreshold: number | undefined;
}

/** The environment this process was started with: /proc keeps it even after process.env is changed. */
function startEnvironment(): Map<string, string> {
  const out = new Map<string, string>();
  try {
    for (const entry of readFileSync('/proc/self/environ', 'latin1').split('\0')) {
      const eq = entry.indexOf('=');
      if (eq > 0) out.set(entry.slice(0, eq), entry.slice(eq + 1));
    }
  } catch {
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) out.set(k, v);
  }
  return out;
}

export function appliedSettings(malloptThreshold?: number): AppliedSettings {
  const fromEnv = Number(startEnvironment().get('MALLOC_MMAP_THRESHOLD_'));
  return {
    // Required here, not at the top: a first process that restarts itself pays every module twice, and node:v8 costs 3 ms to load.
    heapLimitMb: Math.round((require('node:v8') as typeof import('node:v8')).getHeapStatistics().heap_size_limit / 1048576),
    mmapThreshold: malloptThreshold ?? (Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : undefined),
  };
}

/** True when this process already runs with what a node of this --max-memory needs. */
export function settingsHold(maxMemoryMb: number, applied: AppliedSettings = appliedSettings()): boolean {
  return applied.heapLimitMb === expectedHeapLimitMb(maxMemoryMb) && applied.mmapThreshold === MMAP_THRESHOLD_BYTES;
}
