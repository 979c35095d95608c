// The block store: one append-only file, DATA/blocks.dat, that survives
// `kill -9` or a power cut at any moment.
//
// Why a flat file with checksums and not an embedded database (LevelDB,
// SQLite, LMDB):
//
// - The workload is the easy case. One writer appends blocks in height order
//   and never rewrites one; readers ask for a height or a run of heights. An
//   offset index in memory answers both with one pread.
// - Durability costs one fsync per append() call, whatever the batch size: a
//   sync batch of 500 blocks is one write and one fsync, which matters on an
//   SD card where every fsync is milliseconds and every write wears flash.
// - Recovery is the whole story of the tail check at open: each record
//   carries its length and a CRC-32 of its body, so open() walks the file,
//   keeps the longest prefix of intact records with consecutive heights, and
//   truncates whatever follows (a torn write, zeros the file system left, or
//   a damaged record). No journal, no compaction, nothing to replay.
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
import { syncDirectory } from '../node/atomic-file';
import type { Block } from './types';
import {
  MAX_RECORD_BYTES,
  RECORD_HEADER_BYTES,
  blockProblem,
  checkRecord,
  decodeRecord,
  recordSize,
  writeRecord,
} from './block-record';

export const BLOCKS_FILE = 'blocks.dat';
export const MAGIC = Buffer.from('TNBS', 'latin1');
export const FORMAT_VERSION = 1;
export const HEADER_BYTES = MAGIC.length + 4 + 32;
/** Decoded blocks kept for tip() and get(); the tip and its recent parents are what peers and the producer ask for. */
export const DEFAULT_CACHE_BLOCKS = 64;
/** Read size of the open-time scan. Must hold the largest record so one read always completes a record. */
export const SCAN_CHUNK_BYTES = Math.max(1 << 20, MAX_RECORD_BYTES);
/** append() encodes at most this much before writing, so a huge batch does not need a huge buffer; still one fsync. */
export const WRITE_CHUNK_BYTES = Math.max(4 << 20, MAX_RECORD_BYTES);
const INITIAL_INDEX_SLOTS = 1024;

export type BlockStoreErrorCode =
  /** The file could not be opened or read. */
  | 'io'
  /** blocks.dat is not a block store this version can read. */
  | 'format'
  /** blocks.dat belongs to another network (another genesis hash). */
  | 'network'
  /** A stored record failed its checksum when read back. */
  | 'corrupt'
  /** append() got a block whose height is not the next one. */
  | 'height'
  /** append() got a block with fields of the wrong size. */
  | 'invalid'
  /** A write or fsync failed; the batch was rolled back and the store is still usable. */
  | 'write'
  /** A write failed and so did the rollback; appends are refused until a restart. */
  | 'failed'
  | 'closed';

export class BlockStoreError extends Error {
  constructor(
    readonly code: BlockStoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BlockStoreError';
  }
}

export interface BlockStoreOptions {
  /** Size of the decoded-block LRU (default DEFAULT_CACHE_BLOCKS; 0 disables it). */
  cacheBlocks?: number;
  /** Replaces fs.writeSync, so tests can fail a write half way (ENOSPC) without filling a disk. */
  writeSync?: (fd: number, buffer: Buffer, offset: number, length: number, position: number) => number;
  /** Replaces fs.fsyncSync, for the same reason. */
  fsyncSync?: (fd: number) => void;
}

/** What open() found, for one log line: "block store: dropped 123 torn bytes after height 456". */
export interface OpenReport {
  readonly height: number;
  /** Bytes cut off the end of the file because they were not whole, intact, consecutive records. */
  readonly truncatedBytes: number;
  /** Why the trusted prefix ended, when truncatedBytes > 0 ("torn record at offset 9120: ..."). */
  readonly reason?: string;
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
    readonly file: string,
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
    const fd = openFile(dir, file, genesisHash);
    try {
      const size = fs.fstatSync(fd).size;
      checkHeader(fd, file, size, genesisHash);
      const scan = scanRecords(fd, size);
      const truncatedBytes = size - scan.end;
      if (truncatedBytes > 0) {
        fs.ftruncateSync(fd, scan.end);
        fs.fsyncSync(fd);
      }
      const report: OpenReport =
        truncatedBytes > 0 ? { height: scan.count, truncatedBytes, reason: scan.reason } : { height: scan.count, truncatedBytes };
      return new BlockStore(
        file,
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

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cache.clear();
    fs.closeSync(this.fd);
  }

  private assertOpen(): void {
    if (this.closed) throw new BlockStoreError('closed', `the block store ${this.file} was used after close()`);
  }

  private recordEnd(height: number): number {
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

interface Scan {
  offsets: Float64Array;
  count: number;
  end: number;
  reason?: string;
}

/** Opens blocks.dat, first creating it with its header if the folder has none. */
function openFile(dir: string, file: string, genesisHash: Buffer): number {
  try {
    return fs.openSync(file, 'r+');
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') {
      throw new BlockStoreError('io', `cannot open the block store ${file}: ${describeIoError(err)}`, { cause: err });
    }
  }
  try {
    fs.mkdirSync(dir, { recursive: true });
    const temp = `${file}.tmp`;
    const header = Buffer.alloc(HEADER_BYTES);
    MAGIC.copy(header, 0);
    header.writeUInt32BE(FORMAT_VERSION, MAGIC.length);
    genesisHash.copy(header, MAGIC.length + 4);
    fs.writeFileSync(temp, header);
    const tfd = fs.openSync(temp, 'r+');
    try {
      fs.fsyncSync(tfd);
    } finally {
      fs.closeSync(tfd);
    }
    fs.renameSync(temp, file);
    syncDirectory(dir);
    return fs.openSync(file, 'r+');
  } catch (err) {
    throw new BlockStoreError('io', `cannot create the block store ${file}: ${describeIoError(err)}`, { cause: err });
  }
}


function checkHeader(fd: number, file: string, size: number, genesisHash: Buffer): void {
  const header = Buffer.alloc(HEADER_BYTES);
  const n = size > 0 ? fs.readSync(fd, header, 0, HEADER_BYTES, 0) : 0;
  if (n < HEADER_BYTES || !header.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new BlockStoreError(
      'format',
      `${file} is not a timenode block store (no "TNBS" header); move it out of the data folder and the node will sync again`,
    );
  }
  const version = header.readUInt32BE(MAGIC.length);
  if (version !== FORMAT_VERSION) {
    throw new BlockStoreError(
      'format',
      `${file} has block store format ${version}, but this timenode reads format ${FORMAT_VERSION}; run a matching timenode or move the file away to sync again`,
    );
  }
  const stored = header.subarray(MAGIC.length + 4, HEADER_BYTES);
  if (!stored.equals(genesisHash)) {
    throw new BlockStoreError(
      'network',
      `${file} holds blocks of the network with genesis ${stored.toString('hex')}, but this node runs genesis ` +
        `${genesisHash.toString('hex')}; use another data folder for this network, or move the file away`,
    );
  }
}

/** Walks the records after the header and returns the longest prefix of intact, consecutive ones. */
function scanRecords(fd: number, size: number): Scan {
  let offsets = new Float64Array(INITIAL_INDEX_SLOTS);
  let count = 0;
  /** File offset of `buf[0]`; the next record starts at chunkStart + at. */
  let chunkStart = HEADER_BYTES;
  let at = 0;
  let reason: string | undefined;
  const buf = Buffer.allocUnsafe(Math.max(0, Math.min(SCAN_CHUNK_BYTES, size - HEADER_BYTES)));
  while (reason === undefined && chunkStart + at < size) {
    chunkStart += at;
    at = 0;
    const read = readUpTo(fd, buf, Math.min(buf.length, size - chunkStart), chunkStart);
    if (read === 0) {
      reason = `the file ended at offset ${chunkStart} while being scanned, short of the ${size} bytes it had at open`;
      break;
    }
    while (at < read) {
      const here = chunkStart + at;
      const check = checkRecord(buf, at, read);
      if (check.status === 'short') {
        // The chunk holds the largest record, so a record cut short at the
        // chunk's start, or at the end of the file, is a write cut off.
        if (at === 0 || chunkStart + read >= size) {
          reason = `torn record at offset ${here}: ${size - here} of its ${check.need} bytes are present`;
        }
        break; // otherwise: read on from this record
      }
      if (check.status === 'bad') {
        reason = `damaged record at offset ${here}: ${check.reason}`;
        break;
      }
      if (check.height !== count + 1) {
        reason = `record at offset ${here} holds height ${check.height}, but height ${count + 1} was next`;
        break;
      }
      if (count === offsets.length) {
        const grown = new Float64Array(offsets.length * 2);
        grown.set(offsets);
        offsets = grown;
      }
      offsets[count++] = here;
      at += check.size;
    }
  }
  const end = chunkStart + at;
  return reason === undefined ? { offsets, count, end } : { offsets, count, end, reason };
}

/** Reads up to `length` bytes at `position`; fewer only if the file ends first. */
function readUpTo(fd: number, buf: Buffer, length: number, position: number): number {
  let read = 0;
  while (read < length) {
    const n = fs.readSync(fd, buf, read, length - read, position + read);
    if (n === 0) break;
    read += n;
  }
  return read;
}

function errorCode(err: unknown): string | undefined {
  if (err instanceof Error && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

function describeIoError(err: unknown): string {
  const code = errorCode(err);
  switch (code) {
    case 'ENOSPC':
      return 'disk full';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'EROFS':
      return 'the file system is read-only';
    case 'EIO':
      return 'I/O error';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code})`;
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

/** What the operator can do about a failed write, by cause. */
function ioHint(err: unknown): string {
  switch (errorCode(err)) {
    case 'ENOSPC':
    case 'EDQUOT':
      return '; free some space on that disk and the node will store these blocks when it fetches them again';
    case 'EIO':
    case 'EROFS':
      // A flaky SD card shows up as EIO and then a read-only remount.
      return '; the SD card may be failing: check `dmesg` and copy the data folder to a new card';
    default:
      return '';
  }
}
