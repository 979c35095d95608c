import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BlockStore, BlockStoreError, HEADER_BYTES, type BlockStoreOptions } from '../../src/chain/block-store';
import { MAX_BODY_BYTES, RECORD_HEADER_BYTES, bodySize, recordSize } from '../../src/chain/block-record';
import { hash } from '../../src/crypto';
import type { Block } from '../../src/chain/types';
import { TEST_GENESIS, makeBlock } from './fixtures/block-writer';

const WRITER = path.join(__dirname, 'fixtures', 'block-writer.js');

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'timenode-blocks-'));
  dirs.push(dir);
  return dir;
}

function chain(from: number, to: number): Block[] {
  const out: Block[] = [];
  for (let h = from; h <= to; h++) out.push(makeBlock(h));
  return out;
}

/** File offset of block `height`'s record in a store holding the test chain. */
function recordOffset(height: number): number {
  let at = HEADER_BYTES;
  for (let h = 1; h < height; h++) at += recordSize(makeBlock(h));
  return at;
}

function storeWith(height: number, options?: BlockStoreOptions): { dir: string; store: BlockStore } {
  const dir = tempDir();
  const store = BlockStore.open(dir, TEST_GENESIS, options);
  if (height > 0) store.append(chain(1, height));
  return { dir, store };
}

function fileOf(dir: string): string {
  return path.join(dir, 'blocks.dat');
}

function assertChain(store: BlockStore, height: number): void {
  assert.equal(store.height, height);
  for (let h = 1; h <= height; h++) assert.deepEqual(store.get(h), makeBlock(h), `block ${h}`);
  assert.equal(store.get(height + 1), undefined);
}

function enospc(): Error {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
}

test('2000 appended blocks survive a reopen unchanged, and getRange honours its bounds and maxBytes', () => {
  const dir = tempDir();
  const expected = chain(1, 2000);
  const store = BlockStore.open(dir, TEST_GENESIS);
  assert.equal(store.height, 0);
  assert.equal(store.tip(), undefined);
  assert.deepEqual(store.openReport, { height: 0, truncatedBytes: 0 });
  // Uneven batches, so the index grows inside append and not only at open.
  for (let from = 1, size = 1; from <= 2000; from += size, size = (size * 7) % 500 + 1) {
    store.append(expected.slice(from - 1, Math.min(2000, from - 1 + size)));
  }
  assert.equal(store.height, 2000);
  assert.deepEqual(store.tip(), expected[1999]);
  store.close();
  assert.equal(fs.statSync(fileOf(dir)).size, recordOffset(2001));

  const again = BlockStore.open(dir, TEST_GENESIS);
  assert.deepEqual(again.openReport, { height: 2000, truncatedBytes: 0 });
  assert.equal(again.height, 2000);
  for (let h = 1; h <= 2000; h++) assert.deepEqual(again.get(h), expected[h - 1], `block ${h}`);
  assert.deepEqual(again.tip(), expected[1999]);
  assert.equal(again.get(0), undefined, 'block 0 is the implied genesis, never stored');
  assert.equal(again.get(2001), undefined);
  assert.equal(again.get(1.5), undefined);

  // Bounds: clipped at the store's height, empty outside it.
  assert.deepEqual(again.getRange(1995, 2100, Infinity), expected.slice(1994));
  assert.deepEqual(again.getRange(1, 3, Infinity), expected.slice(0, 3));
  assert.deepEqual(again.getRange(2001, 2100, Infinity), []);
  assert.deepEqual(again.getRange(0, 10, Infinity), []);
  assert.deepEqual(again.getRange(10, 9, Infinity), []);
  assert.deepEqual(again.getRange(10, 10, 0), []);

  // maxBytes: as many whole blocks as fit, never one more.
  const sizes = expected.slice(99, 200).map(bodySize);
  const budget = sizes.slice(0, 37).reduce((a, b) => a + b, 0);
  assert.deepEqual(again.getRange(100, 200, budget), expected.slice(99, 136));
  assert.deepEqual(again.getRange(100, 200, budget + sizes[37]! - 1), expected.slice(99, 136));
  assert.deepEqual(again.getRange(100, 200, budget + sizes[37]!), expected.slice(99, 137));
  assert.deepEqual(again.getRange(100, 200, sizes[0]! - 1), []);
  const fitting = countFitting(expected, MAX_BODY_BYTES);
  assert.ok(fitting > 500, `${fitting} blocks fit in MAX_BODY_BYTES`);
  assert.deepEqual(again.getRange(1, 2000, MAX_BODY_BYTES), expected.slice(0, fitting));
  again.close();
});

function countFitting(blocks: Block[], maxBytes: number): number {
  let n = 0;
  for (const b of blocks) {
    if (maxBytes < bodySize(b)) break;
    maxBytes -= bodySize(b);
    n++;
  }
  return n;
}

test('a data folder of another network is refused with both genesis hashes named', () => {
  const { dir, store } = storeWith(3);
  store.close();
  const other = hash(Buffer.from('another network'));
  assert.throws(
    () => BlockStore.open(dir, other),
    (err: unknown) => {
      assert.ok(err instanceof BlockStoreError);
      assert.equal(err.code, 'network');
      assert.match(err.message, new RegExp(TEST_GENESIS.toString('hex')));
      assert.match(err.message, new RegExp(other.toString('hex')));
      return true;
    },
  );
  // The refusal changed nothing.
  const again = BlockStore.open(dir, TEST_GENESIS);
  assertChain(again, 3);
  again.close();
});

test('a file that is not a block store is refused, not truncated', () => {
  const dir = tempDir();
  fs.writeFileSync(fileOf(dir), 'hello, not blocks');
  assert.throws(() => BlockStore.open(dir, TEST_GENESIS), { name: 'BlockStoreError', code: 'format' });
  assert.equal(fs.readFileSync(fileOf(dir), 'utf8'), 'hello, not blocks');
});

test('a torn last record is cut off at open, and the store appends and reopens cleanly after it', () => {
  const { dir: template, store } = storeWith(30);
  store.close();
  const start = recordOffset(30);
  const end = fs.statSync(fileOf(template)).size;
  assert.equal(end, start + recordSize(makeBlock(30)));

  for (const cut of [start + 1, start + 4, start + RECORD_HEADER_BYTES, start + RECORD_HEADER_BYTES + 1, start + 100, end - 1]) {
    const dir = tempDir();
    fs.copyFileSync(fileOf(template), fileOf(dir));
    fs.truncateSync(fileOf(dir), cut);
    const torn = BlockStore.open(dir, TEST_GENESIS);
    assert.deepEqual(
      { height: torn.openReport.height, truncatedBytes: torn.openReport.truncatedBytes },
      { height: 29, truncatedBytes: cut - start },
      `cut at ${cut}`,
    );
    assert.match(torn.openReport.reason ?? '', new RegExp(`offset ${start}`));
    assert.equal(fs.statSync(fileOf(dir)).size, start, 'the torn bytes are gone from disk');
    assertChain(torn, 29);
    torn.append(chain(30, 31));
    torn.close();
    const healed = BlockStore.open(dir, TEST_GENESIS);
    assert.deepEqual(healed.openReport, { height: 31, truncatedBytes: 0 });
    assertChain(healed, 31);
    healed.close();
  }

  // Garbage and zeros (what a file system may leave after a power cut) after the last whole record.
  for (const tail of [randomBytes(1000), Buffer.alloc(4096), Buffer.concat([randomBytes(3), Buffer.alloc(500)])]) {
    const dir = tempDir();
    fs.copyFileSync(fileOf(template), fileOf(dir));
    fs.appendFileSync(fileOf(dir), tail);
    const extra = BlockStore.open(dir, TEST_GENESIS);
    assert.equal(extra.openReport.height, 30);
    assert.equal(extra.openReport.truncatedBytes, tail.length);
    assert.equal(fs.statSync(fileOf(dir)).size, end);
    extra.append([makeBlock(31)]);
    extra.close();
    const healed = BlockStore.open(dir, TEST_GENESIS);
    assert.deepEqual(healed.openReport, { height: 31, truncatedBytes: 0 });
    assertChain(healed, 31);
    healed.close();
  }
});

test('a damaged record in the middle ends the trusted prefix: blocks after it are dropped for sync to fetch again', () => {
  // The store cannot tell a flipped bit from a torn write, and it cannot skip
  // the record: the heights after it would no longer follow. So it keeps the
  // intact prefix and sync fetches the rest from peers.
  const { dir, store } = storeWith(20);
  store.close();
  const size = fs.statSync(fileOf(dir)).size;
  const at = recordOffset(10) + RECORD_HEADER_BYTES + 50;
  const file = fs.openSync(fileOf(dir), 'r+');
  const byte = Buffer.alloc(1);
  fs.readSync(file, byte, 0, 1, at);
  byte[0] = byte[0]! ^ 0x10;
  fs.writeSync(file, byte, 0, 1, at);
  fs.closeSync(file);

  const again = BlockStore.open(dir, TEST_GENESIS);
  assert.equal(again.openReport.height, 9);
  assert.equal(again.openReport.truncatedBytes, size - recordOffset(10));
  assert.match(again.openReport.reason ?? '', /checksum mismatch/);
  assertChain(again, 9);
  again.append(chain(10, 20));
  again.close();
  const healed = BlockStore.open(dir, TEST_GENESIS);
  assertChain(healed, 20);
  healed.close();
});

test('an intact record whose height does not follow ends the trusted prefix', () => {
  const { dir, store } = storeWith(5);
  store.close();
  // Block 3's record again after block 5: a whole, checksummed record in the wrong place.
  const bytes = fs.readFileSync(fileOf(dir));
  const stray = bytes.subarray(recordOffset(3), recordOffset(4));
  fs.appendFileSync(fileOf(dir), stray);
  const again = BlockStore.open(dir, TEST_GENESIS);
  assert.deepEqual(again.openReport, {
    height: 5,
    truncatedBytes: stray.length,
    reason: `record at offset ${recordOffset(6)} holds height 3, but height 6 was next`,
  });
  assertChain(again, 5);
  again.close();
});

test('append refuses a block that does not continue the store, or has wrong-sized fields, and writes nothing', () => {
  const { dir, store } = storeWith(5);
  const size = fs.statSync(fileOf(dir)).size;
  for (const batch of [[makeBlock(7)], [makeBlock(5)], [makeBlock(6), makeBlock(7), makeBlock(9)]]) {
    assert.throws(() => store.append(batch), (err: unknown) => {
      assert.ok(err instanceof BlockStoreError);
      assert.equal(err.code, 'height');
      assert.match(err.message, /store is at height 5/);
      return true;
    });
  }
  const short = { ...makeBlock(6), sig: Buffer.alloc(63) };
  assert.throws(() => store.append([short]), { name: 'BlockStoreError', code: 'invalid', message: /sig is 63 bytes/ });
  const badTx = { ...makeBlock(6, 3), txids: [Buffer.alloc(32), Buffer.alloc(31), Buffer.alloc(32)] };
  assert.throws(() => store.append([badTx]), { name: 'BlockStoreError', code: 'invalid', message: /txids\[1\] is 31 bytes/ });
  assert.equal(store.height, 5);
  assert.equal(fs.statSync(fileOf(dir)).size, size);
  store.append([]);
  assert.equal(fs.statSync(fileOf(dir)).size, size);
  store.append([makeBlock(6)]);
  assertChain(store, 6);
  store.close();
});

test('a stored block is a copy: changing the appended object afterwards changes nothing', () => {
  const { store } = storeWith(0);
  const block = makeBlock(1, 4);
  const copy = makeBlock(1, 4);
  store.append([block]);
  block.prev.fill(0);
  block.txids[0]!.fill(0);
  block.txids.pop();
  assert.deepEqual(store.tip(), copy);
  assert.deepEqual(store.get(1), copy);
  store.close();
});

test('a record damaged after open is refused at read time, never served', () => {
  for (const cacheBlocks of [0, 64]) {
    const { dir, store: first } = storeWith(10);
    first.close();
    const store = BlockStore.open(dir, TEST_GENESIS, { cacheBlocks });
    const at = recordOffset(5) + RECORD_HEADER_BYTES + 3;
    const file = fs.openSync(fileOf(dir), 'r+');
    fs.writeSync(file, Buffer.from([0xff, 0xff]), 0, 2, at);
    fs.closeSync(file);
    assert.deepEqual(store.get(4), makeBlock(4));
    for (const read of [() => store.get(5), () => store.getRange(3, 8, Infinity)]) {
      assert.throws(read, (err: unknown) => {
        assert.ok(err instanceof BlockStoreError);
        assert.equal(err.code, 'corrupt');
        assert.match(err.message, /block 5 in .*blocks\.dat \(offset \d+\) is damaged: checksum mismatch/);
        return true;
      });
    }
    store.close();
  }
});

test('a failed write (disk full) rolls back to the last good block; the store stays usable and consistent', () => {
  let failAfter = -1;
  const writeSync: NonNullable<BlockStoreOptions['writeSync']> = (fd, buffer, offset, length, position) => {
    if (failAfter < 0) return fs.writeSync(fd, buffer, offset, length, position);
    // Half the batch reaches the disk, then the disk is full: the worst case for a rollback.
    const n = fs.writeSync(fd, buffer, offset, Math.min(length, failAfter), position);
    failAfter = -1;
    if (n < length) throw enospc();
    return n;
  };
  const { dir, store } = storeWith(10, { writeSync });
  const size = fs.statSync(fileOf(dir)).size;
  failAfter = 1500;
  assert.throws(() => store.append(chain(11, 20)), (err: unknown) => {
    assert.ok(err instanceof BlockStoreError);
    assert.equal(err.code, 'write');
    assert.equal(
      err.message,
      `disk full while writing blocks 11..20 to ${fileOf(dir)}; the store is unchanged at height 10 and still usable; ` +
        'free some space on that disk and the node will store these blocks when it fetches them again',
    );
    return true;
  });
  assert.equal(fs.statSync(fileOf(dir)).size, size);
  assertChain(store, 10);
  assert.deepEqual(store.tip(), makeBlock(10));
  store.append(chain(11, 20));
  assertChain(store, 20);
  store.close();
  const again = BlockStore.open(dir, TEST_GENESIS);
  assert.deepEqual(again.openReport, { height: 20, truncatedBytes: 0 });
  assertChain(again, 20);
  again.close();
});

test('a failed fsync rolls back; when the rollback fails too, appends are refused until a reopen repairs the file', () => {
  let failures = 0;
  const fsyncSync = (fd: number): void => {
    if (failures > 0) {
      failures--;
      throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
    }
    fs.fsyncSync(fd);
  };
  const { dir, store } = storeWith(3, { fsyncSync });
  failures = 1;
  assert.throws(() => store.append(chain(4, 6)), { name: 'BlockStoreError', code: 'write', message: /^I\/O error while writing blocks 4\.\.6 .*SD card may be failing/ });
  assertChain(store, 3);

  failures = 2; // the data fsync and the rollback's fsync
  assert.throws(() => store.append(chain(4, 6)), { name: 'BlockStoreError', code: 'failed', message: /restart the node/ });
  assert.equal(store.height, 3);
  assert.throws(() => store.append(chain(4, 6)), { name: 'BlockStoreError', code: 'failed' });
  assertChain(store, 3);
  store.close();
  assert.throws(() => store.get(1), { name: 'BlockStoreError', code: 'closed' });

  // The ftruncate itself worked here, so the reopened store is at 3; either way the scan decides.
  const again = BlockStore.open(dir, TEST_GENESIS);
  assertChain(again, 3);
  again.append(chain(4, 6));
  assertChain(again, 6);
  again.close();
});

interface WriterRun {
  readyHeight: number;
  lastCommitted: number;
}

/**
 * Runs the writer in `dir` and SIGKILLs it `delayMs` after its first commit
 * in this round: timed from there, so a slow or busy machine's start-up does
 * not eat the window and every round kills a writer that is really writing.
 */
function runWriterAndKill(dir: string, delayMs: number): Promise<WriterRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let pending = '';
    let stderr = '';
    let readyHeight = -1;
    let lastCommitted = 0;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      // Only newline-terminated lines: a half-printed height was not reported yet.
      pending = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('ready ')) {
          readyHeight = Number(line.slice(6));
          lastCommitted = readyHeight;
        } else {
          if (lastCommitted === readyHeight) setTimeout(() => child.kill('SIGKILL'), delayMs);
          lastCommitted = Number(line);
        }
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL' || readyHeight < 0) {
        reject(new Error(`the writer ended with code ${code} signal ${signal} before being killed: ${stderr}`));
      } else {
        resolve({ readyHeight, lastCommitted });
      }
    });
  });
}

test('kill -9 at any moment: the reopened store holds every committed block, intact', async (t) => {
  const dir = tempDir();
  const expected: Block[] = [];
  let previous = 0;
  for (let round = 1; round <= 5; round++) {
    const delayMs = 50 + Math.floor(Math.random() * 351);
    const run = await runWriterAndKill(dir, delayMs);
    assert.equal(run.readyHeight, previous, 'the writer resumes where the last reopen ended');
    const store = BlockStore.open(dir, TEST_GENESIS);
    t.diagnostic(
      `round ${round}: killed after ${delayMs} ms, last committed ${run.lastCommitted}, ` +
        `reopened at ${store.height}, dropped ${store.openReport.truncatedBytes} bytes`,
    );
    assert.ok(store.height >= run.lastCommitted, `height ${store.height} is below the committed ${run.lastCommitted}`);
    assert.ok(store.height > previous, `round ${round} stored nothing in ${delayMs} ms`);
    while (expected.length < store.height) expected.push(makeBlock(expected.length + 1));
    for (let from = 1; from <= store.height; from += 500) {
      const got = store.getRange(from, from + 499, Infinity);
      assert.equal(got.length, Math.min(500, store.height - from + 1));
      got.forEach((block, i) => assert.deepEqual(block, expected[from - 1 + i], `block ${from + i}`));
    }
    previous = store.height;
    store.close();
  }
});
