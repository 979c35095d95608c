// Open-time recovery of the block store's files: creating blocks.dat with its
// header, checking the header of a file found on disk, and the walk that
// keeps the longest prefix of intact records with consecutive heights. The
// reorg journal (block-store-reorg.ts) is read with the same walk.
import * as fs from 'node:fs';
import { syncDirectory } from '../base/atomic-file';
import { MAX_RECORD_BYTES, checkRecord } from './block-record';
import { BlockStoreError, describeIoError, errorCode } from './block-store-errors';

export const MAGIC = Buffer.from('TNBS', 'latin1');
export const FORMAT_VERSION = 1;
export const HEADER_BYTES = MAGIC.length + 4 + 32;
/** Read size of the open-time scan. Must hold the largest record so one read always completes a record. */
export const SCAN_CHUNK_BYTES = Math.max(1 << 20, MAX_RECORD_BYTES);
const INITIAL_INDEX_SLOTS = 1024;

export interface Scan {
  /** File offset of each record found, by height − firstHeight. */
  offsets: Float64Array;
  count: number;
  /** The byte after the last good record. */
  end: number;
  reason?: string;
}

/** `magic || u32be version || genesis hash`: the start of blocks.dat and of the reorg journal. */
export function fileHeader(magic: Buffer, genesisHash: Buffer): Buffer {
  const header = Buffer.alloc(magic.length + 4 + 32);
  magic.copy(header, 0);
  header.writeUInt32BE(FORMAT_VERSION, magic.length);
  genesisHash.copy(header, magic.length + 4);
  return header;
}

/** Opens blocks.dat, first creating it with its header if the folder has none. */
export function openStoreFile(dir: string, file: string, genesisHash: Buffer): number {
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
    fs.writeFileSync(temp, fileHeader(MAGIC, genesisHash));
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

export function checkHeader(fd: number, file: string, size: number, genesisHash: Buffer): void {
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

/**
 * Walks the records from `start` to `size` and returns the longest prefix
 * of intact ones whose heights run firstHeight, firstHeight + 1, …
 */
export function scanRecords(fd: number, size: number, start = HEADER_BYTES, firstHeight = 1): Scan {
  let offsets = new Float64Array(INITIAL_INDEX_SLOTS);
  let count = 0;
  /** File offset of `buf[0]`; the next record starts at chunkStart + at. */
  let chunkStart = start;
  let at = 0;
  let reason: string | undefined;
  const buf = Buffer.allocUnsafe(Math.max(0, Math.min(SCAN_CHUNK_BYTES, size - start)));
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
      if (check.height !== firstHeight + count) {
        reason = `record at offset ${here} holds height ${check.height}, but height ${firstHeight + count} was next`;
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
export function readUpTo(fd: number, buf: Buffer, length: number, position: number): number {
  let read = 0;
  while (read < length) {
    const n = fs.readSync(fd, buf, read, length - read, position + read);
    if (n === 0) break;
    read += n;
  }
  return read;
}
