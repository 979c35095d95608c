// Sync: a fresh node (`timenode start --peer S`) syncing 5000 blocks from a
// node S that holds them. The figure is the node's own count (its "synced to
// height N" log line gives blocks/s from its first get_blocks to its last
// stored block). Baselines, in this process: Ed25519 verifications per
// second on one core (each block costs one verify and two hashes), and the
// raw block store appending the same 5000 blocks in batches of 500. Verify
// workers start only for a sync of SYNC_BLOCKS_FOR_WORKERS or more (a
// shorter one is over before a worker pays for its boot), so workers against
// inline is measured on a sync that long, outside the gate.
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BlockStore } from '../../src/chain/block-store';
import type { Genesis } from '../../src/chain/genesis';
import type { Block } from '../../src/chain/types';
import { SYNC_BLOCKS_FOR_WORKERS } from '../../src/chain/sync';
import { now } from '../measure';
import type { BenchCase, CaseContext, RowInput } from '../case';
import { availableParallelism } from 'node:os';
import { DEFAULT_MAX_MEMORY_MB, verifyThreadsFor } from '../../src/base/budget';
import { verifyRate } from '../support/baselines';
import { benchKey, makeChain, writeBenchGenesis, writeKeyFile } from '../support/fixtures';
import { startNode } from '../support/nodes';

const SERVER = { ip: '127.0.10.3', port: 24703 };
const SYNCER = { ip: '127.0.10.4', port: 24704 };
export const SYNC_BLOCKS = 5000;
/** The workers-vs-inline sync: long enough that the node starts its workers. */
const LONG_SYNC_BLOCKS = 2 * SYNC_BLOCKS_FOR_WORKERS;
const PASSES = 2;

interface ServedChain {
  blocks: number;
  dir: string;
  genesisFile: string;
  genesis: Genesis;
}

/** The served chains, made once per bench process (a signature a block) and copied into each run. */
const madeChains = new Map<number, ServedChain>();

function servedChain(cacheDir: string, blocks: number): ServedChain {
  const made = madeChains.get(blocks);
  if (made) return made;
  const dir = join(cacheDir, `sync-chain-${blocks}`);
  const { file, genesis } = writeBenchGenesis(dir, blocks);
  makeChain(dir, genesis, blocks);
  const chain = { blocks, dir, genesisFile: file, genesis };
  madeChains.set(blocks, chain);
  return chain;
}

/**
 * Best of PASSES syncs of `chain` per setting (a fresh syncer each, settings
 * interleaved), each setting's extra `start` flags given; and, in `verifies`,
 * a verify-rate sample after each pass. On a shared machine the least
 * disturbed pass is the one that measures the code.
 */
async function syncRates(ctx: CaseContext, chain: ServedChain, settings: string[][], verifies: number[]): Promise<number[]> {
  const serverDir = join(ctx.dir, `server-${chain.blocks}`);
  cpSync(chain.dir, serverDir, { recursive: true });
  writeKeyFile(serverDir, benchKey(2, 3));
  const best = settings.map(() => 0);
  const server = await startNode({ ...SERVER, dataDir: serverDir, genesisFile: chain.genesisFile });
  try {
    for (let pass = 0; pass < PASSES * settings.length; pass++) {
      const which = pass % settings.length;
      const syncerDir = join(ctx.dir, `syncer-${chain.blocks}-${pass}`);
      writeKeyFile(syncerDir, benchKey(2, 4));
      const syncer = await startNode({ ...SYNCER, dataDir: syncerDir, genesisFile: chain.genesisFile, peers: [`${SERVER.ip}:${SERVER.port}`], extraArgs: settings[which]! });
      try {
        const line = await syncer.waitForLog(new RegExp(`synced to height ${chain.blocks}\\b`), 120_000);
        const m = /blocksPerSec=(\d+)/.exec(line);
        if (!m) throw new Error(`sync: no blocksPerSec in the node's line: ${line}`);
        best[which] = Math.max(best[which]!, Number(m[1]));
      } finally {
        await syncer.stop();
      }
      verifies.push(verifyRate());
    }
  } finally {
    await server.stop();
  }
  return best;
}

/** Blocks per second of BlockStore.append, batches of 500, into a fresh store. */
function appendRate(dir: string, chainDir: string, genesisHash: Buffer): number {
  const source = BlockStore.open(chainDir, genesisHash);
  let blocks: Block[];
  try {
    blocks = source.getRange(1, SYNC_BLOCKS, Number.MAX_SAFE_INTEGER);
  } finally {
    source.close();
  }
  const target = join(dir, 'append');
  mkdirSync(target, { recursive: true });
  const store = BlockStore.open(target, genesisHash);
  try {
    const t0 = now();
    for (let i = 0; i < blocks.length; i += 500) store.append(blocks.slice(i, i + 500));
    return (blocks.length * 1000) / (now() - t0);
  } finally {
    store.close();
    rmSync(target, { recursive: true, force: true });
  }
}

export const sync: BenchCase = {
  names: ['sync'],
  async run(ctx) {
    const chain = servedChain(ctx.cacheDir, SYNC_BLOCKS);
    const verifies = [verifyRate()];
    // The node as shipped: no --verify-threads, the board's default.
    const [blocksPerSec] = (await syncRates(ctx, chain, [[]], verifies)) as [number];
    const verifyPerSec = Math.max(...verifies);
    const defaultThreads = verifyThreadsFor(availableParallelism(), DEFAULT_MAX_MEMORY_MB);
    const rows: RowInput[] = [
      {
        case: 'sync',
        metric: 'blocks_per_verify',
        figure: blocksPerSec,
        unit: 'blocks/s',
        baseline: verifyPerSec,
        baselineUnit: 'verify/s',
        ratio: blocksPerSec / verifyPerSec,
        note: `${SYNC_BLOCKS} blocks from one peer, as shipped (default --verify-threads ${defaultThreads} here; workers start for a sync of ${SYNC_BLOCKS_FOR_WORKERS} or more), best of ${PASSES} passes; Ed25519 verify on one core`,
      },
    ];
    if (ctx.wanted('sync.workers_vs_inline')) {
      const threads = Math.max(defaultThreads, 1);
      const long = servedChain(ctx.cacheDir, LONG_SYNC_BLOCKS);
      const [withWorkers, inline] = (await syncRates(ctx, long, [['--verify-threads', String(threads)], ['--verify-threads', '0']], [])) as [number, number];
      rows.push({
        case: 'sync',
        metric: 'workers_vs_inline',
        figure: withWorkers,
        unit: `blocks/s, --verify-threads ${threads}`,
        baseline: inline,
        baselineUnit: 'blocks/s, --verify-threads 0',
        ratio: withWorkers / inline,
        note: `${LONG_SYNC_BLOCKS} blocks, with verify workers and on the main thread only; the default here is ${defaultThreads}; best of ${PASSES} each`,
      });
    }
    if (ctx.wanted('sync.blocks_per_append')) {
      const append = appendRate(ctx.dir, chain.dir, chain.genesis.hash);
      rows.push({
        case: 'sync',
        metric: 'blocks_per_append',
        figure: blocksPerSec,
        unit: 'blocks/s',
        baseline: append,
        baselineUnit: 'appended blocks/s',
        ratio: blocksPerSec / append,
        note: 'raw BlockStore.append, batches of 500, one fsync each',
      });
    }
    return rows;
  },
};
