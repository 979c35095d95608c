// One node, as `timenode start` builds it (same budget split, same default
// profile), with every per-peer rate limit lifted: the relay case measures
// what the code can carry, and the default 1000 tx/s per peer would measure
// the policy instead. Speaks start's IPC: a status report once listening and
// on 'status'; stops on SIGTERM, 'stop' or a lost parent. Started as
// `timenode bench-worker node-host --data DIR --genesis FILE --listen IP:PORT …` (workers.ts).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_CHAIN_LIMITS } from '../../src/chain/chain';
import { parseGenesis } from '../../src/chain/genesis';
import { applyBudget, DEFAULT_MAX_MEMORY_MB, splitBudget } from '../../src/node/budget';
import { configFor } from '../../src/node/config';
import { loadOrCreateKey } from '../../src/node/keyfile';
import { createLogger } from '../../src/node/log';
import { Node } from '../../src/node/node';
import type { RateLimits } from '../../src/net/rate-limit';

const UNLIMITED = { perSecond: 1e9, burst: 1e9 };

async function host(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      data: { type: 'string' },
      genesis: { type: 'string' },
      listen: { type: 'string' },
      peer: { type: 'string', multiple: true },
      'max-memory': { type: 'string' },
    },
  });
  const genesis = parseGenesis(readFileSync(values.genesis as string, 'utf8'), values.genesis);
  const { keys } = loadOrCreateKey(values.data as string);
  const base = configFor('default');
  const split = splitBudget(Number(values['max-memory'] ?? DEFAULT_MAX_MEMORY_MB), base.limits.maxPeers);
  const sized = applyBudget(split, base.limits, DEFAULT_CHAIN_LIMITS);
  const rateLimits = Object.fromEntries(Object.keys(sized.limits.rateLimits).map((k) => [k, UNLIMITED])) as unknown as RateLimits;
  const node = new Node({
    keys,
    genesis,
    dataDir: values.data as string,
    listen: values.listen as string,
    peers: values.peer ?? [],
    config: { ...base, limits: { ...sized.limits, rateLimits } },
    chainLimits: sized.chain,
    log: createLogger('node', 'warn'),
  });
  await node.start();
  const report = (): void => {
    process.send?.({ kind: 'status', status: node.status() });
  };
  report();
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    node.stop().finally(() => {
      if (process.connected) process.disconnect();
      process.exit(0);
    });
  };
  process.on('message', (msg) => {
    if (msg === 'status') report();
    else if (msg === 'stop') stop();
  });
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.once('disconnect', stop);
}

export function main(args: string[]): void {
  host(args).catch((err: unknown) => {
    process.stderr.write(`node-host: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
