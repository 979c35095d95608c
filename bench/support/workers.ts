// The bench's child processes other than `timenode start`, by name: what
// `timenode bench-worker NAME [ARGS]` runs (src/cli/bench.ts registers the
// command; the single-file builds dispatch it in src/sea/main.ts before the
// rest of the program loads). Each entry is a literal require, so esbuild
// bundles every worker into dist/timenode.cjs and the SEA binaries, and a
// worker loads only its own modules: the echo server is the "bare Node
// process" baseline of start and idle RSS and must not carry the node's code.
//
// From the sources, support/children.ts forks this file itself
// (`node lib/bench/support/workers.js NAME [ARGS]`): bin/timenode loads every
// command before it dispatches, which would weigh on those bare baselines.

type Worker = (args: string[]) => void;

export const WORKERS: Record<string, () => Worker> = {
  'echo-server': () => (require('./echo-server') as typeof import('./echo-server')).main,
  'frame-pipe': () => (require('./frame-pipe') as typeof import('./frame-pipe')).main,
  'crypto-worker': () => (require('./crypto-worker') as typeof import('./crypto-worker')).main,
  'case-client': () => (require('./case-client') as typeof import('./case-client')).main,
  'core-verify': () => (require('./core-verify') as typeof import('./core-verify')).main,
};

export const WORKER_NAMES = Object.keys(WORKERS);

/** Starts worker `name`; throws naming the known workers when there is none of that name. */
export function runBenchWorker(name: string | undefined, args: string[]): void {
  const load = name !== undefined && Object.hasOwn(WORKERS, name) ? WORKERS[name] : undefined;
  if (!load) throw new Error(`no bench worker ${JSON.stringify(name ?? '')} (workers: ${WORKER_NAMES.join(', ')})`);
  load()(args);
}

/**
 * `timenode bench-worker NAME [ARGS]` as an entry point calls it: starts the
 * worker and returns 0, or prints one line and returns 2 (exit code).
 */
export function benchWorkerMain(argv: string[]): number {
  try {
    runBenchWorker(argv[0], argv.slice(1));
    return 0;
  } catch (err) {
    process.stderr.write(`timenode bench-worker: ${(err as Error).message}\n`);
    return 2;
  }
}

// `node lib/bench/support/workers.js NAME [ARGS]` (the source tree). Never true in
// the bundle: build/sea/bundle.mjs defines require.main as undefined.
if (require.main === module) process.exitCode = benchWorkerMain(process.argv.slice(2));
