// The V8 settings the memory budget assumes. V8's young generation defaults
// to 16 MB semi-spaces (~48 MB of RSS under allocation load), more than a Pi
// can spare and outside any budget; 2 MB semi-spaces cost a few more
// scavenges and measured ~30 MB less RSS under load. Heap sizes are fixed
// when the process starts (v8.setFlagsFromString is too late), so they come
// from NODE_OPTIONS (the systemd unit in firmware-notes/) or from the
// execArgv of whoever forks the node (the devnet runner, tests, bench).
import { getHeapSpaceStatistics } from 'node:v8';

export const SEMI_SPACE_MB = 2;

/** Flags for a node with this --max-memory: small young generation, old space sized to the budget plus headroom. */
export function nodeV8Flags(maxMemoryMb: number): string[] {
  return [`--max-semi-space-size=${SEMI_SPACE_MB}`, `--max-old-space-size=${Math.ceil(maxMemoryMb * 1.5) + 64}`];
}

/** A warning for the start-up log when this process runs with V8's default young generation, else undefined. */
export function v8FlagsWarning(maxMemoryMb: number): string | undefined {
  const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  // new_space reports both semi-spaces' capacity, so a 2 MB setting reads as 4 MB at most.
  if (!young || young.space_size <= 4 * SEMI_SPACE_MB * 1024 * 1024) return undefined;
  return `V8 runs with its default ${(young.space_size / 1048576).toFixed(0)} MB young generation: RSS may exceed the memory budget by ~30 MB under load; start node with ${nodeV8Flags(maxMemoryMb).join(' ')} (set NODE_OPTIONS, as firmware-notes/timenode.service does)`;
}
