// The process settings the memory budget assumes. V8's young generation defaults
// to 16 MB semi-spaces (~48 MB of RSS under allocation load), more than a Pi
// can spare and outside any budget; 2 MB semi-spaces cost a few more
// scavenges and measured ~30 MB less RSS under load. Heap sizes are fixed
// when the process starts (v8.setFlagsFromString is too late), so they come
// from NODE_OPTIONS (the systemd unit in firmware-notes/) or from the
// execArgv of whoever forks the node (the devnet runner, tests, bench).
//
// glibc's malloc raises its mmap threshold each time a large block is freed,
// so after the first 4 MiB frame every later one comes from the heap arena
// and stays in RSS once freed: a 20 s flood of big frames measured 139 MB
// peak / 124 MB after, and 109 MB / 68 MB with the threshold pinned at
// 64 KiB. The environment variable is read at process start, like V8's flags.
import { getHeapSpaceStatistics } from 'node:v8';

/** Environment for a node process: pins glibc's mmap threshold (ignored by other libcs). */
export const NODE_PROCESS_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '65536' };

export const SEMI_SPACE_MB = 2;

/** Flags for a node with this --max-memory: small young generation, old space sized to the budget plus headroom. */
export function nodeV8Flags(maxMemoryMb: number): string[] {
  return [`--max-semi-space-size=${SEMI_SPACE_MB}`, `--max-old-space-size=${Math.ceil(maxMemoryMb * 1.5) + 64}`];
}

/** Warnings for the start-up log when this process lacks the settings above. */
export function processSettingsWarnings(maxMemoryMb: number, env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  // new_space reports both semi-spaces' capacity, so a 2 MB setting reads as 4 MB at most.
  if (young && young.space_size > 4 * SEMI_SPACE_MB * 1024 * 1024) {
    out.push(
      `V8 runs with its default ${(young.space_size / 1048576).toFixed(0)} MB young generation: RSS may exceed the memory budget under load; start node with ${nodeV8Flags(maxMemoryMb).join(' ')} (NODE_OPTIONS, as firmware-notes/timenode.service sets it)`,
    );
  }
  for (const [name, value] of Object.entries(NODE_PROCESS_ENV)) {
    if (env[name] !== value) out.push(`${name} is not ${value}: freed large frames may stay in RSS (glibc); set it in the environment, as firmware-notes/timenode.service does`);
  }
  return out;
}
