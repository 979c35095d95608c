// The block store: one append-only file, DATA/blocks.dat, that survives
// `kill -9` or a power cut at any moment, with its in-memory offset index.
// The record format is block-record.ts, open-time recovery
// block-store-scan.ts, and the crash-safe replacement of the blocks above a
// fork's common ancestor block-store-reorg.ts.
//
// Why a flat file with checksums and not an embedded database (LevelDB,
// SQLite, LMDB):
//
// - The workload is the easy case. One writer appends blocks in height order
//   and rewrites only the few above a fork's common ancestor; readers ask for a height or a run of heights. An
//   offset index in memory answers both with one pread.
// - Durability costs one fsync per append() call, whatever the batch size: a
//   sync batch of 500 blocks is one write and one fsync, which matters on an
//   SD card where every fsync is milliseconds and every write wears flash.
// - Recovery is the whole story of the tail check at open: each record
//   carries its length and a CRC-32 of its body, so open() walks the file,
//   keeps the longest prefix of intact records with consecutive heights, and
//   truncates whatever follows (a torn write, zeros the file system left, or
//   a damaged record). No compaction; the only journal is that of a reorg,
//   which replaces the blocks above a common ancestor (block-store-reorg.ts).
// - It is a few hundred lines of TypeScript, readable in one sitting, with no
//   native dependency to build for ARM and no second on-disk format to migrate.
//
// File layout:   header = "TNBS" || u32be FORMAT_VERSION || genesis hash (32)
//                then records, see block-record.ts.
// The header is written to a temporary file, fsynced and renamed into place,
// so blocks.dat never exists without a whole header. The genesis hash in it
// makes a data folder from another network refuse to open.
//
// The store checks framing (length, CRC, consecutive heights), not consensus:
// that prev links and signatures hold is the chain's job before append().
//
// Memory: 8 bytes per stored block (a Float64Array of record offsets, which
// holds exact offsets up to 2^53) plus an LRU of recently decoded blocks. At
// one block every 5 s that is ~50 MB of index per year of chain (twice that
// for a moment while the array doubles).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Block } from './types';
import { MAX_RECORD_BYTES, RECORD_HEADER_BYTES, blockProblem, checkRecord, decodeRecord, recordSize, writeRecord } from './block-record';
import { BlockStoreError, describeIoError, ioHint } from './block-store-errors';
import { recover, type OpenReport } from './block-store-recovery';
import { BranchStage, applyJournal, retireJournal } from './block-store-reorg';
import { HEADER_BYTES, type Scan, openStoreFile, readUpTo, scanRecords } from './block-store-scan';

export { BlockStoreError, type BlockStoreErrorCode } from './block-store-errors';
export { FORMAT_VERSION, HEADER_BYTES, MAGIC, SCAN_CHUNK_BYTES } from './block-store-scan';
export { BranchStage } from './block-store-reorg';
export type { OpenReport } from './block-store-recovery';

export const BLOCKS_FILE = 'blocks.dat';
/** Decoded blocks kept for tip() and get(); the tip and its recent parents are what peers and the producer ask for. */
export const DEFAULT_CACHE_BLOCKS = 64;
/** append() encodes at most this much before writing, so a huge batch does not need a huge buffer; still one fsync. */
export const WRITE_CHUNK_BYTES = Math.max(4 << 20, MAX_RECORD_BYTES);

export interface BlockStoreOptions {
  /** Size of the decoded-block LRU (default DEFAULT_CACHE_BLOCKS; 0 disables it). */
  cacheBlocks?: number;
  /** Replaces fs.writeSync, so tests can fail a write half way (ENOSPC) without filling a disk. */
  writeSync?: (fd: number, buffer: Buffer, offset: number, length: number, position: number) => number;
  /** Replaces fs.fsyncSync, for the same reason. */
  fsyncSync?: (fd: number) => void;
}

export class BlockStore {
  private offsets: Float64Array;
  private count: number;
  /** Logical end of the file: the byte after the last good record. Writes go here, never to fstat's size. */
  private end: number;
  private readonly cache = new Map<number, Block>();
  private closed = false;
  /** Set when a rollback failed: the bytes past `end` are unknown, so appending could revive stale records. */
  private failure: string | undefined;

  private constructor(
    readonly dir: string,
    readonly file: string,
    private readonly genesisHash: Buffer,
    private readonly fd: number,
    scan: Scan,
    readonly openReport: OpenReport,
    private readonly cacheBlocks: number,
    private readonly writeSync: NonNullable<BlockStoreOptions['writeSync']>,
    private readonly fsyncSync: NonNullable<BlockStoreOptions['fsyncSync']>,
  ) {
    this.offsets = scan.offsets;
    this.count = scan.count;
    this.end = scan.end;
  }

  /**
   * Opens (or creates) DIR/blocks.dat for the network of `genesisHash`, drops
   * any damaged tail (see openReport) and returns the store at its last good block.
   */
  static open(dir: string, genesisHash: Buffer, options: BlockStoreOptions = {}): BlockStore {
    const cacheBlocks = options.cacheBlocks ?? DEFAULT_CACHE_BLOCKS;
    if (!Number.isSafeInteger(cacheBlocks) || cacheBlocks < 0) {
      throw new BlockStoreError('invalid', `cacheBlocks must be a non-negative integer, got ${cacheBlocks}`);
    }
    if (genesisHash.length !== 32) {
      throw new BlockStoreError('invalid', `the genesis hash must be 32 bytes, got ${genesisHash.length}`);
    }
    const file = path.join(dir, BLOCKS_FILE);
    const fd = openStoreFile(dir, file, genesisHash);
    try {
      const { scan, report } = recover(dir, fd, file, genesisHash);
      return new BlockStore(
        dir,
        file,
        genesisHash,
        fd,
        scan,
        report,
        cacheBlocks,
        options.writeSync ?? fs.writeSync,
        options.fsyncSync ?? fs.fsyncSync,
      );
    } catch (err) {
      fs.closeSync(fd);
      if (err instanceof BlockStoreError) throw err;
      throw new BlockStoreError('io', `cannot open the block store ${file}: ${describeIoError(err)}`, { cause: err });
    }
  }

  /** Height of the last stored block; 0 when empty (block 0, the genesis, is implied and never stored). */
  get height(): number {
    return this.count;
  }

  tip(): Block | undefined {
    return this.get(this.count);
  }

  /**
   * The block at `height`, or undefined if it is not stored. Returned blocks
   * may be shared with the cache: treat them as read-only.
   */
  get(height: number): Block | undefined {
    this.assertOpen();
    if (!Number.isInteger(height) || height < 1 || height > this.count) return undefined;
    const hit = this.cache.get(height);
    if (hit !== undefined) {
      this.cache.delete(height);
      this.cache.set(height, hit);
      return hit;
    }
    const start = this.offsets[height - 1]!;
    const buf = this.readAt(start, this.recordEnd(height) - start);
    const block = this.decodeChecked(buf, 0, buf.length, height, start);
    this.remember(block);
    return block;
  }

  /**
   * Consecutive blocks from `from` up to `to` (inclusive) or the store's
   * height, stopping before the one whose body would take the total over
   * `maxBytes` (the encoding of block-record.ts, within a few dozen bytes of
   * its CBOR). Empty when `from` is not stored. Pass a maxBytes of at least
   * MAX_BODY_BYTES to be sure of getting one block. Read with one pread and
   * not added to the cache, so serving old ranges to a syncing peer does not
   * evict the tip.
   */
  getRange(from: number, to: number, maxBytes: number): Block[] {
    this.assertOpen();
    const last = Math.min(Math.floor(to), this.count);
    if (!Number.isInteger(from) || from < 1 || !(from <= last) || !(maxBytes > 0)) return [];
    let budget = maxBytes;
    let stop = from;
    for (; stop <= last; stop++) {
      const body = this.recordEnd(stop) - this.offsets[stop - 1]! - RECORD_HEADER_BYTES;
      if (body > budget) break;
      budget -= body;
    }
    if (stop === from) return [];
    const base = this.offsets[from - 1]!;
    const buf = this.readAt(base, this.recordEnd(stop - 1) - base);
    const blocks: Block[] = [];
    for (let h = from; h < stop; h++) {
      const at = this.offsets[h - 1]! - base;
      blocks.push(this.cache.get(h) ?? this.decodeChecked(buf, at, this.recordEnd(h) - base, h, base + at));
    }
    return blocks;
  }

  /**
   * Stores `blocks`, which must continue the store (heights height+1, +2, …),
   * durably: when append returns, they survive a power cut. All or nothing:
   * on any error no block of the batch is stored and nothing stored before is lost.
   */
  append(blocks: readonly Block[]): void {
    this.assertOpen();
    if (this.failure !== undefined) throw new BlockStoreError('failed', this.failure);
    if (blocks.length === 0) return;
    const first = this.count + 1;
    let total = 0;
    for (let i = 0; i < blocks.length; i++) {
      const block = blocks[i]!;
      if (block.height !== first + i) {
        throw new BlockStoreError(
          'height',
          `cannot append block ${block.height} (entry ${i} of the batch): the store is at height ${this.count} and needs ${first + i} next; nothing was written`,
        );
      }
      const problem = blockProblem(block);
      if (problem !== undefined) {
        throw new BlockStoreError('invalid', `cannot append block ${block.height}: ${problem}; nothing was written`);
      }
      total += recordSize(block);
    }

    const last = first + blocks.length - 1;
    const starts = new Float64Array(blocks.length);
    const chunk = Buffer.allocUnsafe(Math.min(total, WRITE_CHUNK_BYTES));
    let used = 0;
    let position = this.end;
    try {
      for (let i = 0; i < blocks.length; i++) {
        const block = blocks[i]!;
        if (used + recordSize(block) > chunk.length) {
          this.writeAll(chunk, used, position);
          position += used;
          used = 0;
        }
        starts[i] = position + used;
        used = writeRecord(block, chunk, used);
      }
      this.writeAll(chunk, used, position);
      this.fsyncSync(this.fd);
    } catch (err) {
      this.rollBack(err, first, last);
    }

    this.ensureIndexRoom(this.count + blocks.length);
    this.offsets.set(starts, this.count);
    this.count = last;
    this.end += total;
    // Cache copies of the newest blocks, not the caller's objects, which it may still change.
    for (let i = Math.max(0, blocks.length - this.cacheBlocks); i < blocks.length; i++) {
      const block = blocks[i]!;
      const record = Buffer.allocUnsafe(recordSize(block));
      writeRecord(block, record, 0);
      this.remember(decodeRecord(record, 0, record.length));
    }
  }

  /**
   * Starts staging a branch that forks off after block `ancestor` (≤ height).
   * Stage its blocks as they validate; then replaceWith() or abandon().
   */
  beginBranch(ancestor: number): BranchStage {
    this.assertOpen();
    if (!Number.isSafeInteger(ancestor) || ancestor < 0 || ancestor > this.count) {
      throw new BlockStoreError('height', `cannot fork off after block ${ancestor}: the store is at height ${this.count}`);
    }
    return BranchStage.create(this.dir, this.genesisHash, ancestor, this.writeSync);
  }

  /**
   * Replaces the blocks above the branch's ancestor with the staged branch,
   * durably and atomically with respect to a crash (block-store-reorg.ts).
   * Before the commit point a failure leaves the old chain ('write'); after
   * it the new chain is what a reopen finds, and appends are refused until
   * then ('failed').
   */
  replaceWith(stage: BranchStage): void {
    this.assertOpen();
    if (this.failure !== undefined) throw new BlockStoreError('failed', this.failure);
    if (stage.ancestor > this.count) {
      stage.abandon();
      throw new BlockStoreError('height', `the branch forks off after block ${stage.ancestor}, above the store's height ${this.count}`);
    }
    if (stage.blocks === 0) {
      stage.abandon();
      throw new BlockStoreError('invalid', `the branch above block ${stage.ancestor} holds no blocks`);
    }
    const { journal, end } = stage.commit();
    const at = this.recordEnd(stage.ancestor);
    let newEnd: number;
    try {
      newEnd = applyJournal(journal, end, this.fd, at, this.writeSync);
      this.fsyncSync(this.fd);
    } catch (err) {
      this.failure =
        `${describeIoError(err)} while replacing the blocks above ${stage.ancestor} in ${this.file}; the reorg is committed ` +
        'in its journal: restart the node and the open will finish it';
      throw new BlockStoreError('failed', this.failure, { cause: err });
    }
    // The journal's records sit in blocks.dat in the same order and sizes: walk them for the index.
    const scan = scanRecords(this.fd, newEnd, at, stage.ancestor + 1);
    this.count = stage.ancestor;
    this.ensureIndexRoom(stage.ancestor + scan.count);
    this.offsets.set(scan.offsets.subarray(0, scan.count), this.count);
    this.count += scan.count;
    this.end = scan.end;
    for (const height of [...this.cache.keys()]) if (height > stage.ancestor) this.cache.delete(height);
    retireJournal(journal);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cache.clear();
    fs.closeSync(this.fd);
  }

  private assertOpen(): void {
    if (this.closed) throw new BlockStoreError('closed', `the block store ${this.file} was used after close()`);
  }

  /** The byte after block `height`'s record (the header's end for 0). */
  private recordEnd(height: number): number {
    if (height === 0) return this.count > 0 ? this.offsets[0]! : HEADER_BYTES;
    return height < this.count ? this.offsets[height]! : this.end;
  }

  private remember(block: Block): void {
    if (this.cacheBlocks === 0) return;
    this.cache.delete(block.height);
    this.cache.set(block.height, block);
    if (this.cache.size > this.cacheBlocks) this.cache.delete(this.cache.keys().next().value!);
  }

  private readAt(position: number, length: number): Buffer {
    const buf = Buffer.allocUnsafe(length);
    let done: number;
    try {
      done = readUpTo(this.fd, buf, length, position);
    } catch (err) {
      throw new BlockStoreError('io', `cannot read ${this.file} at offset ${position}: ${describeIoError(err)}`, { cause: err });
    }
    if (done < length) {
      throw new BlockStoreError(
        'corrupt',
        `${this.file} ends at offset ${position + done}, before the records it held at open; something else truncated it — restart the node so the open-time check can repair it`,
      );
    }
    return buf;
  }

  /** Decodes the record at buf[at..end) that the index says is `height`, refusing to serve it if it was damaged since open. */
  private decodeChecked(buf: Buffer, at: number, end: number, height: number, fileOffset: number): Block {
    const check = checkRecord(buf, at, end);
    let problem: string | undefined;
    if (check.status === 'bad') problem = check.reason;
    else if (check.status === 'short') problem = 'record is shorter than its length says';
    else if (check.size !== end - at) problem = 'record length changed since open';
    else if (check.height !== height) problem = `record holds height ${check.height}`;
    if (problem !== undefined) {
      throw new BlockStoreError(
        'corrupt',
        `block ${height} in ${this.file} (offset ${fileOffset}) is damaged: ${problem}. ` +
          'Restart the node: the open-time check will drop it and the blocks after it, and sync will fetch them again',
      );
    }
    return decodeRecord(buf, at, end - at);
  }

  private writeAll(buf: Buffer, length: number, position: number): void {
    let done = 0;
    while (done < length) {
      const n = this.writeSync(this.fd, buf, done, length - done, position + done);
      if (n <= 0) throw new Error(`write returned ${n} with ${length - done} bytes left`);
      done += n;
    }
  }

  /** Undoes a failed batch by truncating to the last good record, then throws. */
  private rollBack(cause: unknown, first: number, last: number): never {
    const what = `${describeIoError(cause)} while writing blocks ${first}..${last} to ${this.file}`;
    try {
      fs.ftruncateSync(this.fd, this.end);
      this.fsyncSync(this.fd);
    } catch (undo) {
      // Whole records of this batch may remain past `end`. A later, shorter
      // batch would leave some of them after its own, and the next open would
      // accept them as the following heights. Only the open-time scan, which
      // truncates the file as it finds it, can be trusted to sort this out.
      this.failure =
        `${what}, and truncating back to height ${this.count} failed too (${describeIoError(undo)}); ` +
        'appends are refused: restart the node so the open-time check can repair the file';
      throw new BlockStoreError('failed', this.failure, { cause });
    }
    throw new BlockStoreError(
      'write',
      `${what}; the store is unchanged at height ${this.count} and still usable${ioHint(cause)}`,
      { cause },
    );
  }

  private ensureIndexRoom(slots: number): void {
    if (slots <= this.offsets.length) return;
    let size = this.offsets.length;
    while (size < slots) size *= 2;
    const grown = new Float64Array(size);
    grown.set(this.offsets.subarray(0, this.count));
    this.offsets = grown;
  }
}
