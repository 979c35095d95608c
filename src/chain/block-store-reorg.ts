// The on-disk step of a reorg (PROTOCOL.md §5 Fork choice): the blocks above
// a common ancestor are replaced by a branch so that `kill -9` or a power cut
// at any moment leaves the old chain or the new one, never a mix or a hole.
//
// 1. Stage. The branch's records go to DATA/blocks.branch as they validate,
//    range by range, so a long branch waits on disk, not in memory. The file
//    is "TNBR" || u32be version || genesis hash || u64be ancestor height,
//    then records in the format of block-record.ts.
// 2. Commit. blocks.branch is fsynced and renamed to blocks.reorg, and the
//    folder fsynced. The rename is the commit point: open() deletes a
//    blocks.branch it finds (the old chain stays) and replays a blocks.reorg.
// 3. Apply. blocks.dat is truncated after the ancestor, the journal's records
//    are copied after it and fsynced, then blocks.reorg is deleted. Applying
//    twice gives the same file, so a crash during this step is repaired by
//    the replay at the next open, which ends on the new chain.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { syncDirectory } from '../base/atomic-file';
import { blockProblem, recordSize, writeRecord } from './block-record';
import { BlockStoreError, describeIoError, errorCode } from './block-store-errors';
import { fileHeader, readUpTo, scanRecords } from './block-store-scan';
import type { Block } from './types';

export const BRANCH_FILE = 'blocks.branch';
export const JOURNAL_FILE = 'blocks.reorg';
const JOURNAL_MAGIC = Buffer.from('TNBR', 'latin1');
export const JOURNAL_HEADER_BYTES = JOURNAL_MAGIC.length + 4 + 32 + 8;
/** Bytes copied from the journal into blocks.dat per read/write. */
const COPY_CHUNK_BYTES = 1 << 20;

export type WriteFn = (fd: number, buffer: Buffer, offset: number, length: number, position: number) => number;

/** A branch being staged in blocks.branch: blocks ancestor + 1, + 2, … */
export class BranchStage {
  private count = 0;
  private end = JOURNAL_HEADER_BYTES;
  private closed = false;

  private constructor(
    readonly file: string,
    private fd: number,
    readonly ancestor: number,
    private readonly writeSync: WriteFn,
  ) {}

  /** Starts (replacing any earlier, uncommitted one) the staging file of a branch above `ancestor`. */
  static create(dir: string, genesisHash: Buffer, ancestor: number, writeSync: WriteFn = fs.writeSync): BranchStage {
    const file = path.join(dir, BRANCH_FILE);
    let fd: number;
    try {
      fd = fs.openSync(file, 'w+');
    } catch (err) {
      throw new BlockStoreError('io', `cannot create the branch file ${file}: ${describeIoError(err)}`, { cause: err });
    }
    const stage = new BranchStage(file, fd, ancestor, writeSync);
    const header = Buffer.concat([fileHeader(JOURNAL_MAGIC, genesisHash), u64(ancestor)]);
    stage.write(header, 0);
    return stage;
  }

  /** Height of the last staged block (the ancestor while none is). */
  get height(): number {
    return this.ancestor + this.count;
  }

  get blocks(): number {
    return this.count;
  }

  /** Stages `blocks`, which must continue the branch; not yet durable (commit fsyncs once). */
  append(blocks: readonly Block[]): void {
    if (this.closed) throw new BlockStoreError('closed', `the branch file ${this.file} was used after commit or abandon`);
    let total = 0;
    for (let i = 0; i < blocks.length; i++) {
      const block = blocks[i]!;
      if (block.height !== this.height + 1 + i) {
        throw new BlockStoreError('height', `cannot stage block ${block.height}: the branch is at height ${this.height + i}`);
      }
      const problem = blockProblem(block);
      if (problem !== undefined) throw new BlockStoreError('invalid', `cannot stage block ${block.height}: ${problem}`);
      total += recordSize(block);
    }
    const buf = Buffer.allocUnsafe(total);
    let at = 0;
    for (const block of blocks) at = writeRecord(block, buf, at);
    this.write(buf, this.end);
    this.end += total;
    this.count += blocks.length;
  }

  /** Drops the branch: nothing of it reaches blocks.dat. */
  abandon(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
    fs.rmSync(this.file, { force: true });
  }

  /**
   * Makes the branch durable and renames it to the journal: the commit point.
   * Returns the journal's path; its records span JOURNAL_HEADER_BYTES..end.
   */
  commit(): { journal: string; end: number } {
    if (this.closed) throw new BlockStoreError('closed', `the branch file ${this.file} was used after commit or abandon`);
    this.closed = true;
    const journal = path.join(path.dirname(this.file), JOURNAL_FILE);
    try {
      fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
      fs.renameSync(this.file, journal);
    } catch (err) {
      fs.rmSync(this.file, { force: true });
      throw new BlockStoreError('write', `cannot commit the branch above height ${this.ancestor}: ${describeIoError(err)}; the store keeps its chain`, { cause: err });
    }
    syncDirectory(path.dirname(this.file));
    return { journal, end: this.end };
  }

  private write(buf: Buffer, position: number): void {
    let done = 0;
    try {
      while (done < buf.length) {
        const n = this.writeSync(this.fd, buf, done, buf.length - done, position + done);
        if (n <= 0) throw new Error(`write returned ${n} with ${buf.length - done} bytes left`);
        done += n;
      }
    } catch (err) {
      this.abandon();
      throw new BlockStoreError('write', `cannot stage the branch above height ${this.ancestor} in ${this.file}: ${describeIoError(err)}; the store keeps its chain`, { cause: err });
    }
  }
}

/**
 * Step 3: truncates blocks.dat (`storeFd`) at `at`, the offset after the
 * ancestor, and copies the journal's records [JOURNAL_HEADER_BYTES, end)
 * there, fsynced. Returns the new end of blocks.dat. Idempotent.
 */
export function applyJournal(journal: string, end: number, storeFd: number, at: number, writeSync: WriteFn = fs.writeSync): number {
  const jfd = fs.openSync(journal, 'r');
  try {
    fs.ftruncateSync(storeFd, at);
    const buf = Buffer.allocUnsafe(Math.min(COPY_CHUNK_BYTES, Math.max(0, end - JOURNAL_HEADER_BYTES)));
    let position = at;
    for (let from = JOURNAL_HEADER_BYTES; from < end; ) {
      const n = readUpTo(jfd, buf, Math.min(buf.length, end - from), from);
      if (n === 0) throw new Error(`the journal ${journal} ended at ${from}, short of ${end}`);
      let done = 0;
      while (done < n) {
        const w = writeSync(storeFd, buf, done, n - done, position + done);
        if (w <= 0) throw new Error(`write returned ${w} with ${n - done} bytes left`);
        done += w;
      }
      from += n;
      position += n;
    }
    fs.fsyncSync(storeFd);
    return position;
  } finally {
    fs.closeSync(jfd);
  }
}

/** Deletes the applied journal; from here on open() has nothing to replay. */
export function retireJournal(journal: string): void {
  fs.rmSync(journal, { force: true });
  syncDirectory(path.dirname(journal));
}

/** A committed journal found at open, checked whole, ready to replay. */
export interface FoundJournal {
  journal: string;
  ancestor: number;
  blocks: number;
  end: number;
}

/**
 * Open-time: deletes an uncommitted blocks.branch, and reads a committed
 * blocks.reorg. A journal that fails its check (it was fsynced before the
 * rename, so only disk damage does that) is reported and removed.
 */
export function findJournal(dir: string, genesisHash: Buffer): { found?: FoundJournal; problem?: string } {
  fs.rmSync(path.join(dir, BRANCH_FILE), { force: true });
  const journal = path.join(dir, JOURNAL_FILE);
  let fd: number;
  try {
    fd = fs.openSync(journal, 'r');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return {};
    throw new BlockStoreError('io', `cannot open the reorg journal ${journal}: ${describeIoError(err)}`, { cause: err });
  }
  let problem: string | undefined;
  let found: FoundJournal | undefined;
  try {
    const size = fs.fstatSync(fd).size;
    const header = Buffer.alloc(JOURNAL_HEADER_BYTES);
    const n = readUpTo(fd, header, JOURNAL_HEADER_BYTES, 0);
    const expected = fileHeader(JOURNAL_MAGIC, genesisHash);
    if (n < JOURNAL_HEADER_BYTES || !header.subarray(0, expected.length).equals(expected)) {
      problem = `the reorg journal ${journal} has no valid header for this network`;
    } else {
      const ancestor = Number(header.readBigUInt64BE(expected.length));
      const scan = scanRecords(fd, size, JOURNAL_HEADER_BYTES, ancestor + 1);
      if (scan.reason !== undefined) problem = `the reorg journal ${journal} is damaged: ${scan.reason}`;
      else if (scan.count === 0) problem = `the reorg journal ${journal} holds no blocks`;
      else found = { journal, ancestor, blocks: scan.count, end: scan.end };
    }
  } finally {
    fs.closeSync(fd);
  }
  if (problem !== undefined) retireJournal(journal);
  return found ? { found } : problem !== undefined ? { problem } : {};
}

function u64(n: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(BigInt(n));
  return out;
}
