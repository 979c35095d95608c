// Entry of the single-file builds: dist/timenode.cjs (the portable bundle)
// and the SEA binaries that carry it. bin/timenode is the same call for the
// transpiled sources. `start` decides first whether it restarts, and a
// restart throws away all the process loaded: only what that decision needs
// loads before it (src/cli/start-launch.ts).
import { cleanStaleAddonDirs } from './addon-loader';
import { commandLine, isSea, singleFileRelaunch } from './runtime';
import { isMainThread, workerData } from 'node:worker_threads';
import { VERIFY_WORKER_ROLE, type VerifyWorkerData } from '../crypto/verify-batch-wire';

/**
 * Fills in what Node 20.11 (armv7) lacks, before any module that uses it
 * loads; after `start`'s restart decision, which uses none of it (node:zlib
 * alone costs ~1.3 ms to load here).
 */
function nodeCompat(): void {
  require('./node-compat');
}

// Also with TIMENODE_NATIVE=0, when no addon is unpacked (and so nothing cleaned on the way).
if (isSea()) cleanStaleAddonDirs();
const argv = commandLine(process.argv.slice(2));
// `timenode bench-worker`: a helper process of `timenode bench`, started before
// the commands load (required, not imported, so esbuild defers their
// modules): its echo server is the bench's bare Node process.
if (!isMainThread && (workerData as VerifyWorkerData | undefined)?.role === VERIFY_WORKER_ROLE) {
  // The verify pool starts the bundle itself as its worker script (src/crypto/verify-pool.ts).
  nodeCompat();
  require('../crypto/verify-worker');
} else if (argv[0] === 'bench-worker') {
  nodeCompat();
  process.exitCode = (require('../../bench/support/workers') as typeof import('../../bench/support/workers')).benchWorkerMain(argv.slice(1));
} else {
  // `start` restarts itself with its process settings before the commands load (src/node/process-setup.ts).
  const { launch } = require('../cli/start-launch') as typeof import('../cli/start-launch');
  const setup = launch(argv, singleFileRelaunch());
  const run = (): void => {
    nodeCompat();
    void (require('../cli/main') as typeof import('../cli/main')).main(argv);
  };
  if (setup.run) run();
  else void setup.exitCode.then((code) => (code === undefined ? run() : (process.exitCode = code)));
}
