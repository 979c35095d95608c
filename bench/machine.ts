// The machine a run measured, for results.json and the report: figures from
// two machines are not comparable, ratios roughly are.
import { arch, cpus, platform, release, totalmem } from 'node:os';
import type { BackendChoice } from '../src/base/hotpath-selection';
import { runWorker } from './support/children';
import type { CryptoReport } from './support/crypto-worker';

export interface Machine {
  cpu: string;
  arch: string;
  cores: number;
  memoryBytes: number;
  os: string;
  node: string;
  /** The hot-path backends a node process uses: with the default environment, and with TIMENODE_NATIVE=0. */
  backends: { default: BackendChoice[]; fallback: BackendChoice[] };
}

async function choices(native: boolean): Promise<BackendChoice[]> {
  const env = { ...process.env };
  if (native) delete env.TIMENODE_NATIVE;
  else env.TIMENODE_NATIVE = '0';
  try {
    return (await runWorker<CryptoReport>('crypto-worker', ['choices'], env, 30_000)).choices;
  } catch (err) {
    return [{ path: '(all)', kind: 'fallback', impl: 'unknown', why: `could not load the node's modules: ${(err as Error).message.split('\n')[0]}` }];
  }
}

export async function describeMachine(): Promise<Machine> {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    arch: arch(),
    cores: cpu.length,
    memoryBytes: totalmem(),
    os: `${platform()} ${release()}`,
    node: process.version,
    backends: { default: await choices(true), fallback: await choices(false) },
  };
}

export function backendSummary(list: BackendChoice[]): string {
  return list.map((c) => `${c.path}=${c.kind}(${c.impl})`).join(', ') || 'none registered';
}
