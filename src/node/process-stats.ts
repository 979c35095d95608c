// What the process itself costs, for the status snapshot and the soak run
// (bench/soak): event-loop delay since the last sample, open file
// descriptors, pending timers and active handles. Growth in any of these
// over a steady load is a leak; the soak fails on a trend in them.
import { readdirSync } from 'node:fs';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface ProcessStats {
  /** Event-loop delay since the previous sample: 99th percentile and maximum. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** Open file descriptors (Linux /proc/self/fd; -1 where there is none). */
  fds: number;
  /** Tasks in the node's scheduler (its one timer heap) and Node's own pending timeouts. */
  timers: number;
  timeouts: number;
  /** Every active handle and request Node reports (sockets, servers, timers, fs requests). */
  handles: number;
  /** V8's committed heap and the memory outside it (Buffers): RSS that heapUsed does not explain. */
  heapTotalBytes: number;
  externalBytes: number;
  arrayBuffersBytes: number;
}

/** Sampling resolution of the delay histogram: fine enough for a 1 s ping interval. */
const RESOLUTION_MS = 10;
let histogram: IntervalHistogram | undefined;

/** One sample; the delay figures cover the time since the previous call (the first call starts the monitor). */
export function sampleProcess(schedulerTasks: number): ProcessStats {
  if (!histogram) {
    histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    histogram.enable();
  }
  const p99 = histogram.count > 0 ? histogram.percentile(99) / 1e6 : 0;
  const max = histogram.count > 0 ? histogram.max / 1e6 : 0;
  histogram.reset();
  const resources = process.getActiveResourcesInfo();
  const mem = process.memoryUsage();
  return {
    loopDelayP99Ms: round(p99),
    loopDelayMaxMs: round(max),
    fds: openFds(),
    timers: schedulerTasks,
    timeouts: resources.filter((r) => r === 'Timeout').length,
    handles: resources.length,
    heapTotalBytes: mem.heapTotal,
    externalBytes: mem.external,
    arrayBuffersBytes: mem.arrayBuffers,
  };
}

function openFds(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return -1;
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
