import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BlockStore, BlockStoreError } from '../../src/chain/block-store';
import { applyJournal } from '../../src/chain/block-store-reorg';
import type { Block } from '../../src/chain/types';
import { TEST_GENESIS, branchBlock, reorgOps } from './fixtures/reorg-writer';

const WRITER = path.join(__dirname, 'fixtures', 'reorg-writer.js');

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'timenode-reorg-'));
  dirs.push(dir);
  return dir;
}

/** tags[h] is the branch of block h; tags[0] is unused. */
function blocksOf(tags: number[], from = 1): Block[] {
  const out: Block[] = [];
  for (let h = from; h < tags.length; h++) out.push(branchBlock(h, tags[h]!));
  return out;
}

function assertTags(store: BlockStore, tags: number[], what: string): void {
  assert.equal(store.height, tags.length - 1, `${what}: height`);
  const got = store.getRange(1, store.height, Infinity);
  assert.equal(got.length, store.height, `${what}: a whole range`);
  got.forEach((block, i) => assert.deepEqual(block, branchBlock(i + 1, tags[i + 1]!), `${what}: block ${i + 1}`));
}

function sameTags(store: BlockStore, tags: number[]): boolean {
  if (store.height !== tags.length - 1) return false;
  const got = store.getRange(1, store.height, Infinity);
  return got.length === store.height && got.every((block, i) => block.time === branchBlock(i + 1, tags[i + 1]!).time && block.prev.equals(branchBlock(i + 1, tags[i + 1]!).prev));
}

function storeWith(tags: number[]): { dir: string; store: BlockStore } {
  const dir = tempDir();
  const store = BlockStore.open(dir, TEST_GENESIS);
  store.append(blocksOf(tags));
  return { dir, store };
}

const OLD = [0, ...Array<number>(30).fill(1)];
/** Forks off after block 20 and is longer: 21..35 of branch 2. */
const NEW = [...OLD.slice(0, 21), ...Array<number>(15).fill(2)];

function stageNew(store: BlockStore): ReturnType<BlockStore['beginBranch']> {
  const stage = store.beginBranch(20);
  const branch = blocksOf(NEW, 21);
  stage.append(branch.slice(0, 6));
  stage.append(branch.slice(6));
  return stage;
}

test('replaceWith swaps the blocks above the ancestor for the staged branch, in memory and on disk', () => {
  const { dir, store } = storeWith(OLD);
  assert.deepEqual(store.get(25), branchBlock(25, 1), 'cached before the switch');
  store.replaceWith(stageNew(store));
  assertTags(store, NEW, 'after the switch');
  assert.deepEqual(store.get(25), branchBlock(25, 2), 'the cache does not serve a replaced block');
  store.append([branchBlock(36, 2)]);
  store.close();
  const again = BlockStore.open(dir, TEST_GENESIS);
  assertTags(again, [...NEW, 2], 'reopened');
  assert.equal(again.openReport.truncatedBytes, 0);
  assert.equal(again.openReport.replayed, undefined);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['blocks.dat'], 'no branch or journal file left');
  again.close();
});

test('a branch forking off at genesis, and one shorter than what it replaces, both land whole', () => {
  const { store } = storeWith(OLD);
  const stage = store.beginBranch(0);
  stage.append(blocksOf([0, 3, 3, 3]));
  store.replaceWith(stage);
  assertTags(store, [0, 3, 3, 3], 'from genesis');
  store.close();
});

test('an abandoned branch, or one left staged by a crash, leaves the old chain', () => {
  const { dir, store } = storeWith(OLD);
  stageNew(store).abandon();
  assertTags(store, OLD, 'after abandon');
  stageNew(store); // never committed: the process "dies" here
  store.close();
  assert.ok(fs.existsSync(path.join(dir, 'blocks.branch')));
  const again = BlockStore.open(dir, TEST_GENESIS);
  assertTags(again, OLD, 'reopened');
  assert.ok(!fs.existsSync(path.join(dir, 'blocks.branch')), 'the uncommitted branch is deleted at open');
  again.close();
});

test('a crash after the commit point, before or during the apply, opens on the new chain', () => {
  for (const cut of ['before', 'during'] as const) {
    const { dir, store } = storeWith(OLD);
    const { journal, end } = stageNew(store).commit();
    store.close();
    if (cut === 'during') {
      // Half the apply: blocks.dat cut after block 20, the branch half copied, then garbage.
      const fd = fs.openSync(path.join(dir, 'blocks.dat'), 'r+');
      const size = applyJournal(journal, end, fd, offsetAfter(20));
      fs.ftruncateSync(fd, size - 100);
      fs.writeSync(fd, Buffer.alloc(300, 0xab), 0, 300, size - 100);
      fs.closeSync(fd);
    }
    const again = BlockStore.open(dir, TEST_GENESIS);
    assertTags(again, NEW, `crash ${cut} the apply`);
    assert.deepEqual(again.openReport.replayed, { ancestor: 20, blocks: 15 });
    assert.ok(!fs.existsSync(journal), 'the journal is retired after the replay');
    again.close();
  }
});

/** File offset just after block `height` of the OLD chain in a blocks.dat. */
function offsetAfter(height: number): number {
  const probe = tempDir();
  const store = BlockStore.open(probe, TEST_GENESIS);
  store.append(blocksOf(OLD.slice(0, height + 1)));
  store.close();
  return fs.statSync(path.join(probe, 'blocks.dat')).size;
}

test('a failed write while staging keeps the old chain and says why', () => {
  const dir = tempDir();
  let failNext = false;
  const store = BlockStore.open(dir, TEST_GENESIS, {
    writeSync: (fd, buf, off, len, pos) => {
      if (failNext) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      return fs.writeSync(fd, buf, off, len, pos);
    },
  });
  store.append(blocksOf(OLD));
  const stage = store.beginBranch(20);
  failNext = true;
  assert.throws(
    () => stage.append(blocksOf(NEW, 21)),
    (err: unknown) => err instanceof BlockStoreError && err.code === 'write' && /disk full/.test(err.message) && /keeps its chain/.test(err.message),
  );
  failNext = false;
  assertTags(store, OLD, 'after the failure');
  assert.throws(() => store.beginBranch(31), (err: unknown) => err instanceof BlockStoreError && err.code === 'height');
  store.close();
});

interface ReorgRun {
  readyHeight: number;
  lastDone: number;
}

/** Runs the reorg writer and SIGKILLs it `delayMs` after its first finished op. */
function runAndKill(dir: string, seed: number, delayMs: number): Promise<ReorgRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, dir, String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let pending = '';
    let stderr = '';
    let readyHeight = -1;
    let lastDone = -1;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('ready ')) readyHeight = Number(line.slice(6));
        else {
          if (lastDone === -1) setTimeout(() => child.kill('SIGKILL'), delayMs);
          lastDone = Number(line.slice(5));
        }
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL' || readyHeight < 0) reject(new Error(`the writer ended with code ${code} signal ${signal}: ${stderr}`));
      else resolve({ readyHeight, lastDone });
    });
  });
}

test('kill -9 at any moment of a run of reorgs: the store opens on the chain before or after the last op, never a mix', async (t) => {
  const dir = tempDir();
  let tags: number[] = [0];
  let sawAfter = 0;
  for (let round = 1; round <= 6; round++) {
    const seed = round;
    const delayMs = 20 + Math.floor(Math.random() * 200);
    const run = await runAndKill(dir, seed, delayMs);
    assert.equal(run.readyHeight, tags.length - 1, 'the writer starts where the last reopen ended');
    // The chain after each op of this round, up to one past the last one reported done.
    const states: number[][] = [tags];
    const ops = reorgOps(seed, tags.length - 1);
    for (let i = 0; i <= run.lastDone + 1; i++) {
      const op = ops.next().value!;
      const prev = states[states.length - 1]!;
      states.push([...prev.slice(0, op.ancestor + 1), ...Array<number>(op.length).fill(op.tag)]);
    }
    const store = BlockStore.open(dir, TEST_GENESIS);
    const done = states[run.lastDone + 1]!;
    const inFlight = states[run.lastDone + 2]!;
    const match = sameTags(store, done) ? 'done' : sameTags(store, inFlight) ? 'in-flight' : 'neither';
    t.diagnostic(
      `round ${round}: killed ${delayMs} ms in, ${run.lastDone + 1} ops done, reopened at ${store.height} = chain ${match}` +
        `${store.openReport.replayed ? ` (journal replayed: ${store.openReport.replayed.blocks} blocks above ${store.openReport.replayed.ancestor})` : ''}`,
    );
    assert.notEqual(match, 'neither', `round ${round}: the store holds neither the chain after op ${run.lastDone} nor after op ${run.lastDone + 1}`);
    assert.ok(run.lastDone >= 0, `round ${round} finished no op`);
    if (match === 'in-flight') sawAfter++;
    tags = match === 'done' ? done : inFlight;
    assertTags(store, tags, `round ${round}`);
    store.close();
  }
  t.diagnostic(`${sawAfter} of 6 kills landed on the op in flight, after its commit point`);
});
