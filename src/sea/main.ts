// Entry of the single-file builds: dist/timenode.cjs (the portable bundle)
// and the SEA binaries that carry it. bin/timenode is the same call for the
// transpiled sources.
import './node-compat'; // first: fills in what Node 20.11 (armv7) lacks before any module uses it
import { cleanStaleAddonDirs } from './addon-loader';
import { isSea } from './runtime';
import { isMainThread, workerData } from 'node:worker_threads';
import { VERIFY_WORKER_ROLE, type VerifyWorkerData } from '../crypto/verify-batch-wire';

/**
 * `timenode devnet` forks a script (bin/timenode, or process.argv[1]) for
 * each node; from a SEA that fork re-runs this binary with the script path
 * as the first argument, where a SEA expects the command. Drop it so the
 * child sees `start …` like any other run.
 */
function commandLine(argv: string[]): string[] {
  const first = argv[0] ?? '';
  if (isSea() && (first === process.execPath || /(^|\/)bin\/timenode$/.test(first))) return argv.slice(1);
  return argv;
}

// Also with TIMENODE_NATIVE=0, when no addon is unpacked (and so nothing cleaned on the way).
if (isSea()) cleanStaleAddonDirs();
const argv = commandLine(process.argv.slice(2));
// `timenode bench-worker`: a helper process of `timenode bench`, started before
// the commands load (required, not imported, so esbuild defers their
// modules): its echo server is the bench's bare Node process.
if (!isMainThread && (workerData as VerifyWorkerData | undefined)?.role === VERIFY_WORKER_ROLE) {
  // The verify pool starts the bundle itself as its worker script (src/crypto/verify-pool.ts).
  require('../crypto/verify-worker');
} else if (argv[0] === 'bench-worker') {
  process.exitCode = (require('../../bench/support/workers') as typeof import('../../bench/support/workers')).benchWorkerMain(argv.slice(1));
} else {
  // `start` restarts itself with its process settings before the commands load (src/node/process-setup.ts).
  const { launch } = require('../cli/start-launch') as typeof import('../cli/start-launch');
  const setup = launch(
    argv,
    isSea()
      ? { file: process.execPath, head: [process.execPath], script: [], flagsInEnv: true }
      : { file: process.execPath, head: [process.argv0, ...process.execArgv], script: [process.argv[1] ?? __filename], flagsInEnv: false },
  );
  const run = (): void => void (require('../cli/main') as typeof import('../cli/main')).main(argv);
  if (setup.run) run();
  else void setup.exitCode.then((code) => (code === undefined ? run() : (process.exitCode = code)));
}
