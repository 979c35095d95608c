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
// it takes the first two cores this process may use and gives back exactly
// those; without it, or with one core allowed, nothing is pinned and the
// report says so.
import { spawnSync } from 'node:child_process';

export interface CpuPlacement {
  /** How the processes were placed, for the report's note. */
  readonly description: string;
  /** Pins a far end (all its threads) to the far-end core. */
  farEnd(pid: number): void;
  /** The client back on the cores it was allowed before. */
  release(): void;
}

function taskset(args: string[]): string | undefined {
  const r = spawnSync('taskset', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return r.status === 0 ? r.stdout : undefined;
}

/** The cores this process may run on, from `taskset -pc` ("pid N's current affinity list: 0-3,6"). */
export function allowedCores(): { list: string; cores: number[] } | undefined {
  const out = taskset(['-pc', String(process.pid)]);
  const list = out?.split(':').pop()?.trim();
  if (!list) return undefined;
  const cores: number[] = [];
  for (const part of list.split(',')) {
    const [from, to = from] = part.split('-').map(Number) as [number, number?];
    for (let c = from; c <= (to as number); c++) cores.push(c);
  }
  return { list, cores };
}

/** Pins every thread of process `pid` to `core`; false when taskset is missing or refuses. */
export function pinTo(pid: number, core: number): boolean {
  return taskset(['-a', '-pc', String(core), String(pid)]) !== undefined;
}

/** Pins this process (the client) to its first allowed core; far ends go to the second. */
export function separateCores(): CpuPlacement {
  const allowed = allowedCores();
  const [client, far] = allowed?.cores ?? [];
  if (allowed === undefined || client === undefined || far === undefined || taskset(['-a', '-pc', String(client), String(process.pid)]) === undefined) {
    const why = allowed === undefined ? 'no taskset' : far === undefined ? 'one core' : 'taskset refused';
    return { description: `not pinned (${why})`, farEnd: () => undefined, release: () => undefined };
  }
  return {
    description: `client on core ${client}, each far end on core ${far}`,
    farEnd(pid) {
      if (!pinTo(pid, far)) throw new Error(`taskset could not pin process ${pid} to core ${far}`);
    },
    release() {
      taskset(['-a', '-pc', allowed.list, String(process.pid)]);
    },
  };
}
