// Sync: a fresh node (`timenode start --peer S`) syncing 5000 blocks from a
// node S that holds them. The figure is the node's own count (its "synced to
// height N" log line gives blocks/s from its first get_blocks to its last
// stored block). Baselines, in this process: Ed25519 verifications per
// second on one core (each block costs one verify and two hashes), and the
// raw block store appending the same 5000 blocks in batches of 500.
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BlockStore } from '../../src/chain/block-store';
import type { Genesis } from '../../src/chain/genesis';
import type { Block } from '../../src/chain/types';
import type { BenchCase, RowInput } from '../case';
import { now } from '../measure';
import { availableParallelism } from 'node:os';
import { DEFAULT_MAX_MEMORY_MB, verifyThreadsFor } from '../../src/base/budget';
import { verifyRate } from '../support/baselines';
import { benchKey, makeChain, writeBenchGenesis, writeKeyFile } from '../support/fixtures';
import { startNode } from '../support/nodes';

const SERVER = { ip: '127.0.10.3', port: 24703 };
const SYNCER = { ip: '127.0.10.4', port: 24704 };
export const SYNC_BLOCKS = 5000;
const PASSES = 2;

/** The served chain, made once per bench process (5000 signatures) and copied into each run. */
let madeChain: { dir: string; genesisFile: string; genesis: Genesis } | undefined;

function servedChain(cacheDir: string): { dir: string; genesisFile: string; genesis: Genesis } {
  if (madeChain) return madeChain;
  const dir = join(cacheDir, 'sync-chain');
  const { file, genesis } = writeBenchGenesis(dir, SYNC_BLOCKS);
  makeChain(dir, genesis, SYNC_BLOCKS);
  madeChain = { dir, genesisFile: file, genesis };
  return madeChain;
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
    const chain = servedChain(ctx.cacheDir);
    const serverDir = join(ctx.dir, 'server');
    cpSync(chain.dir, serverDir, { recursive: true });
    writeKeyFile(serverDir, benchKey(2, 3));

    // Best of PASSES syncs (fresh syncer each) and of PASSES + 1 baseline samples:
    // on a shared machine the least disturbed pass is the one that measures the code.
    const verifies = [verifyRate()];
    // The node as shipped (no --verify-threads: the board's default) and the other
    // way (inline if the default has workers, else one worker), passes interleaved.
    const defaultThreads = verifyThreadsFor(availableParallelism(), DEFAULT_MAX_MEMORY_MB);
    const otherThreads = defaultThreads > 0 ? 0 : 1;
    let blocksPerSec = 0;
    let otherPerSec = 0;
    const server = await startNode({ ...SERVER, dataDir: serverDir, genesisFile: chain.genesisFile });
    try {
      for (let pass = 0; pass < 2 * PASSES; pass++) {
        const other = pass % 2 === 1;
        const syncerDir = join(ctx.dir, `syncer-${pass}`);
        writeKeyFile(syncerDir, benchKey(2, 4));
        const extraArgs = other ? ['--verify-threads', String(otherThreads)] : [];
        const syncer = await startNode({ ...SYNCER, dataDir: syncerDir, genesisFile: chain.genesisFile, peers: [`${SERVER.ip}:${SERVER.port}`], extraArgs });
        try {
          const line = await syncer.waitForLog(new RegExp(`synced to height ${SYNC_BLOCKS}\\b`), 120_000);
          const m = /blocksPerSec=(\d+)/.exec(line);
          if (!m) throw new Error(`sync: no blocksPerSec in the node's line: ${line}`);
          if (other) otherPerSec = Math.max(otherPerSec, Number(m[1]));
          else blocksPerSec = Math.max(blocksPerSec, Number(m[1]));
        } finally {
          await syncer.stop();
        }
        verifies.push(verifyRate());
      }
    } finally {
      await server.stop();
    }
    const verifyPerSec = Math.max(...verifies);
    const [withWorkers, inline] = defaultThreads > 0 ? [blocksPerSec, otherPerSec] : [otherPerSec, blocksPerSec];
    const rows: RowInput[] = [
      {
        case: 'sync',
        metric: 'blocks_per_verify',
        figure: blocksPerSec,
        unit: 'blocks/s',
        baseline: verifyPerSec,
        baselineUnit: 'verify/s',
        ratio: blocksPerSec / verifyPerSec,
        note: `${SYNC_BLOCKS} blocks from one peer, as shipped (default --verify-threads ${defaultThreads} here), best of ${PASSES} passes; Ed25519 verify on one core`,
      },
      {
        case: 'sync',
        metric: 'workers_vs_inline',
        figure: withWorkers,
        unit: `blocks/s, --verify-threads ${Math.max(defaultThreads, otherThreads)}`,
        baseline: inline,
        baselineUnit: 'blocks/s, --verify-threads 0',
        ratio: withWorkers / inline,
        note: `the same sync with verify workers and on the main thread only; the default here is ${defaultThreads}; best of ${PASSES} each`,
      },
    ];
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
