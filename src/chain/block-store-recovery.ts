// What open() does before the store serves a block: check the header, finish
// a reorg that was committed before a crash (block-store-reorg.ts), and cut
// off a torn or damaged tail, reporting each for the start-up log.
import * as fs from 'node:fs';
import { applyJournal, findJournal, retireJournal } from './block-store-reorg';
import { HEADER_BYTES, type Scan, checkHeader, scanRecords } from './block-store-scan';

/** What open() found, for one log line: "block store: dropped 123 torn bytes after height 456". */
export interface OpenReport {
  readonly height: number;
  /** Bytes cut off the end of the file because they were not whole, intact, consecutive records. */
  readonly truncatedBytes: number;
  /** Why the trusted prefix ended, when truncatedBytes > 0 ("torn record at offset 9120: ..."). */
  readonly reason?: string;
  /** A reorg committed before a crash and finished at this open: its ancestor height and blocks written. */
  readonly replayed?: { readonly ancestor: number; readonly blocks: number };
  /** A reorg journal found damaged and dropped (only disk damage does that). */
  readonly journalProblem?: string;
}

/** Brings blocks.dat (open as `fd`) to its last good block and says what it took. */
export function recover(dir: string, fd: number, file: string, genesisHash: Buffer): { scan: Scan; report: OpenReport } {
  let size = fs.fstatSync(fd).size;
  checkHeader(fd, file, size, genesisHash);
  const { found, problem } = findJournal(dir, genesisHash);
  let scan = scanRecords(fd, size);
  let replayed: OpenReport['replayed'];
  if (found && found.ancestor <= scan.count) {
    // A reorg committed before the crash: finish it, then read the file as it now is.
    const at = found.ancestor === 0 ? HEADER_BYTES : found.ancestor < scan.count ? scan.offsets[found.ancestor]! : scan.end;
    applyJournal(found.journal, found.end, fd, at);
    retireJournal(found.journal);
    size = fs.fstatSync(fd).size;
    scan = scanRecords(fd, size);
    replayed = { ancestor: found.ancestor, blocks: found.blocks };
  } else if (found) {
    retireJournal(found.journal);
  }
  const truncatedBytes = size - scan.end;
  if (truncatedBytes > 0) {
    fs.ftruncateSync(fd, scan.end);
    fs.fsyncSync(fd);
  }
  const journalProblem =
    problem ?? (found && !replayed ? `the reorg journal's ancestor ${found.ancestor} is above the ${scan.count} intact blocks; it was dropped` : undefined);
  const report: OpenReport = {
    height: scan.count,
    truncatedBytes,
    ...(truncatedBytes > 0 && scan.reason !== undefined ? { reason: scan.reason } : {}),
    ...(replayed ? { replayed } : {}),
    ...(journalProblem !== undefined ? { journalProblem } : {}),
  };
  return { scan, report };
}
