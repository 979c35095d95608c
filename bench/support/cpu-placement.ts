// Where the processes of a latency case run. On a multi-core machine the
// scheduler decides, per wakeup, whether the far end runs on the client's
// core or another (in a VM an idle virtual core must be woken by the host
// first: tens of µs). Left to it, one far end of a comparison may share the
// client's core while the other does not, and the ratio measures placement
// luck (runs of 1.2-3.4 on one unchanged node). So the client takes one core
// and every far end, the baseline and the node alike, another: both answer
// across cores, as a node answers a client on another machine. Nothing about
// the node changes (its flags, limits and threads are as shipped): only
// which core the kernel runs it on. `taskset` (util-linux) does the pinning;
// without it, or on one core, nothing is pinned and the report says so.
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';

export interface CpuPlacement {
  /** How the processes were placed, for the report's note. */
  readonly description: string;
  /** Pins a far end (all its threads) to the far-end core. */
  farEnd(pid: number): void;
  /** The client back on every core. */
  release(): void;
}

const CLIENT_CORE = 0;
const FAR_CORE = 1;

function taskset(args: string[]): boolean {
  const r = spawnSync('taskset', args, { stdio: 'ignore' });
  return r.status === 0;
}

/** Pins this process (the client) to one core; far ends go to another. */
export function separateCores(): CpuPlacement {
  const cores = cpus().length;
  const all = `0-${cores - 1}`;
  if (cores < 2 || !taskset(['-a', '-pc', String(CLIENT_CORE), String(process.pid)])) {
    const why = cores < 2 ? 'one core' : 'no taskset';
    return { description: `not pinned (${why})`, farEnd: () => undefined, release: () => undefined };
  }
  return {
    description: `client on core ${CLIENT_CORE}, each far end on core ${FAR_CORE}`,
    farEnd(pid) {
      if (!taskset(['-a', '-pc', String(FAR_CORE), String(pid)])) throw new Error(`taskset could not pin process ${pid} to core ${FAR_CORE}`);
    },
    release() {
      taskset(['-a', '-pc', all, String(process.pid)]);
    },
  };
}
