// A verify worker thread (started by verify-pool.ts): answers batches of
// signature checks, in order, with the Ed25519 backend the main thread chose,
// so a check gets the same verdict whichever thread runs it. The backend is
// named by the pool (workerData.impl) rather than chosen again here: a worker
// choosing for itself could land on another backend if the addon failed to
// load in it, and the two threads would then judge under different code.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { Ed25519Backend } from './backend';
import { decodeRequest, encodeReply, FromWorker, ToWorker, VERIFY_WORKER_ROLE, VerifyWorkerData } from './verify-batch-wire';

/** Exit code of a worker that met the tests' crash input. */
export const CRASH_EXIT_CODE = 70;

function backendNamed(impl: string): Ed25519Backend {
  switch (impl) {
    case 'sodium-native':
      return require('./native/ed25519') as typeof import('./native/ed25519');
    case 'node:crypto':
      return require('./js/ed25519') as typeof import('./js/ed25519');
    case '@noble/ed25519':
      return require('./js/ed25519-noble') as typeof import('./js/ed25519-noble');
    default:
      throw new Error(`verify worker: unknown Ed25519 backend "${impl}"`);
  }
}

function runVerifyWorker(data: VerifyWorkerData): void {
  const port = parentPort!;
  const backend = backendNamed(data.impl);
  const crash = data.crashOnMessage === undefined ? undefined : Buffer.from(data.crashOnMessage);
  port.on('message', (msg: ToWorker) => {
    const checks = decodeRequest(msg.request);
    const verdicts = new Array<boolean>(checks.length);
    for (let i = 0; i < checks.length; i++) {
      const c = checks[i]!;
      if (crash !== undefined && crash.equals(c.message)) process.exit(CRASH_EXIT_CODE);
      verdicts[i] = backend.verify(c.publicKey, c.message, c.signature);
    }
    const reply = encodeReply(verdicts);
    const out: FromWorker = { kind: 'verdicts', id: msg.id, reply };
    port.postMessage(out, [reply]);
  });
  const ready: FromWorker = { kind: 'ready', impl: backend.impl };
  port.postMessage(ready);
}

const data = workerData as VerifyWorkerData | undefined;
if (!isMainThread && data?.role === VERIFY_WORKER_ROLE) runVerifyWorker(data);
