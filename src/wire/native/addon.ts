// timenode's addon (native/): the wire hot paths and the process calls
// Node 20 lacks (native/src/process.c). Loaded once, on first need, with node-gyp-build
// from native/prebuilds/<platform>-<arch>/ or native/build/Release/. When it
// cannot load (never built: no compiler; a prebuild for another libc; a
// single-file bundle with no native/ beside it) the reason is kept, and the
// selectors report it with the fallback they took.
import path from 'node:path';

export interface Addon {
  /**
   * Whole frames of chunk[offset..]: writes (payload offset, length) pairs
   * from out[SCAN_HEADER] and returns their count; out[0] is where the scan
   * stopped, out[1] one of the SCAN_ statuses, out[2] the bad length.
   */
  scanFrames(chunk: Uint8Array, offset: number, maxFrame: number, out: Uint32Array): number;
  crc32c(data: Uint8Array): number;
  /** The C slicing-by-8 path even where the CPU has a CRC instruction (for the parity tests). */
  crc32cPortable(data: Uint8Array): number;
  /** What crc32c runs on here: "sse4.2", "armv8-crc" or "slicing-by-8". */
  readonly crc32cImpl: string;
  /** Encodes into out (room for cobsMaxEncodedLength bytes); returns the encoded length. */
  cobsEncode(data: Uint8Array, out: Uint8Array): number;
  /** Decodes into out (room for encoded.length bytes): the length, or a CobsError code < 0. */
  cobsDecode(encoded: Uint8Array, out: Uint8Array): number;
  heapNew(): HeapHandle;
  heapPush(heap: HeapHandle, due: number, seq: number, id: number): void;
  /** The earliest entry's id, removed; -1 when empty. */
  heapPop(heap: HeapHandle): number;
  /** The earliest entry's id, left in place; -1 when empty. */
  heapPeek(heap: HeapHandle): number;
  heapSize(heap: HeapHandle): number;
  heapClear(heap: HeapHandle): void;
  /** execve(2) with FD_CLOEXEC cleared on keepFds first; returns only on failure, with the errno. */
  execve(file: string, argv: string[], env: string[], keepFds: number[]): number;
  /** glibc mallopt: M_MMAP_THRESHOLD and (when > 0) M_ARENA_MAX; 1 when both took, 0 elsewhere. */
  tuneMalloc(mmapThreshold: number, arenaMax: number): number;
  /** flock(fd, LOCK_EX | LOCK_NB): 0, or the errno (EWOULDBLOCK when another process holds it). */
  lockExclusive(fd: number): number;
  readonly EWOULDBLOCK: number;
}

/** An opaque handle to a native heap. */
export type HeapHandle = { readonly __nativeHeap: unique symbol };

export const SCAN_HEADER = 4;
/** scanFrames' statuses (native/src/hotpath.h): every whole frame found; out of room, call again; a bad length at out[0]. */
export const SCAN_END = 0;
export const SCAN_FULL = 1;
export const SCAN_BAD_LENGTH = 2;

/** native/ at the repo root, seen from lib/src/wire/native/. */
export const ADDON_DIR = path.resolve(__dirname, '../../../../native');

export type AddonLoad = { addon: Addon; error?: undefined } | { addon?: undefined; error: string };

let loaded: AddonLoad | undefined;

export function loadAddon(): AddonLoad {
  if (!loaded) loaded = tryLoad();
  return loaded;
}

function tryLoad(): AddonLoad {
  try {
    const nodeGypBuild = require('node-gyp-build') as (dir: string) => unknown;
    return { addon: nodeGypBuild(ADDON_DIR) as Addon };
  } catch (err) {
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0]?.trim();
    return { error: `addon not loaded: ${first}` };
  }
}
