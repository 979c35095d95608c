// One core's Ed25519 verify rate as the relay meets it: one process per core
// this machine lets the bench use, each pinned to its core, all verifying at
// once, and the mean of their rates. The relay runs on every core at once, so
// its baseline must too: the virtual cores of a shared machine slow down one
// at a time (here each of the two fell to ~72 % for seconds at a time while
// the other ran at full speed, timed pinned side by side), and the best rate
// of one unpinned process is that of whichever core was fast at the moment,
// a core the relay did not have to itself. Without taskset, or on one core,
// it is the in-process rate of one core, and `pinned` says so.
// The worker side is `timenode bench-worker core-verify MS` (workers.ts).
import { ChildProcess } from 'node:child_process';
import { verifyRate } from './baselines';
import { helperCommand, lastLine, spawnTracked } from './children';
import { allowedCores, pinTo } from './cpu-placement';

export interface CoreVerifyRate {
  /** The mean over cores of each core's verify/s, all measured at once. */
  perCore: number;
  /** Each core's own rate, in core order (empty when not pinned). */
  cores: number[];
  pinned: boolean;
}

type FromWorker = { kind: 'ready' } | { kind: 'rate'; rate: number };

/** Measures for `ms` on every allowed core at once (in-process on one core without taskset). */
export async function coreVerifyRate(ms = 400): Promise<CoreVerifyRate> {
  const cores = allowedCores()?.cores ?? [];
  if (cores.length < 2) return { perCore: verifyRate(ms), cores: [], pinned: false };
  const workers = cores.map(() => spawnTracked(helperCommand('core-verify', [String(ms)])));
  const logs = workers.map((w) => {
    const log = { text: '' };
    w.stderr?.setEncoding('utf8');
    w.stderr?.on('data', (s: string) => (log.text += s));
    return log;
  });
  const nextMessage = (i: number, kind: FromWorker['kind']): Promise<FromWorker> => messageOf(workers[i]!, kind, () => logs[i]!.text);
  try {
    await Promise.all(workers.map((_, i) => nextMessage(i, 'ready')));
    workers.forEach((w, i) => {
      if (!pinTo(w.pid!, cores[i]!)) throw new Error(`taskset could not pin a verify process to core ${cores[i]}`);
    });
    const rates = workers.map((_, i) => nextMessage(i, 'rate'));
    for (const w of workers) w.send('go');
    const each = (await Promise.all(rates)).map((m) => (m.kind === 'rate' ? m.rate : 0));
    return { perCore: each.reduce((a, b) => a + b, 0) / each.length, cores: each, pinned: true };
  } finally {
    for (const w of workers) if (w.exitCode === null) w.kill();
  }
}

/** The next message of `kind` from `child`; rejects with the last line of its stderr if it exits first. */
function messageOf(child: ChildProcess, kind: FromWorker['kind'], log: () => string): Promise<FromWorker> {
  return new Promise((resolve, reject) => {
    const onMessage = (msg: FromWorker): void => {
      if (msg.kind !== kind) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(msg);
    };
    const onExit = (code: number | null): void => reject(new Error(`core-verify exited (code ${code}) before '${kind}': ${lastLine(log())}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** The worker: loads and warms the backend, says ready, and on 'go' measures and answers. */
export function main(args: string[]): void {
  const ms = Number(args[0] ?? 400);
  if (!Number.isFinite(ms) || ms <= 0) throw new Error(`core-verify: usage: core-verify MS, got ${JSON.stringify(args[0])}`);
  verifyRate(50);
  process.on('message', (msg) => {
    if (msg !== 'go') return;
    process.send?.({ kind: 'rate', rate: verifyRate(ms) } satisfies FromWorker, () => process.exit(0));
  });
  process.send?.({ kind: 'ready' } satisfies FromWorker);
}
