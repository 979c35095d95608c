// The block store's typed errors and the operator-facing wording of the I/O
// failures behind them (disk full, failing SD card), shared by the store, its
// open-time recovery and its reorg journal.

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

export function errorCode(err: unknown): string | undefined {
  if (err instanceof Error && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

export function describeIoError(err: unknown): string {
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
export function ioHint(err: unknown): string {
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
