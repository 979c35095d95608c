// Small files the node keeps (node.key, peers.json, bans.json) are replaced
// whole: write a temp file, fsync, rename, fsync the folder. A board losing
// power mid-write then has the old file or the new one, never a torn one.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/** Writes `text` to `file` atomically with `mode`; throws on failure, leaving no temp file. */
export function writeFileAtomic(file: string, text: string, mode: number): void {
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const fd = fs.openSync(tmp, 'wx', mode);
    try {
      // The umask can only remove bits; set the mode outright so it never depends on it.
      fs.fchmodSync(fd, mode);
      fs.writeSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // The folder itself may be what is broken; report the original error.
    }
    throw err;
  }
  syncDirectory(path.dirname(file));
}

/** Makes a rename durable. Some file systems refuse to fsync a directory; the rename is still atomic there. */
export function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Best effort, as above.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
