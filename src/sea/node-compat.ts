// Fills in the Node APIs the node uses that the armv7 boards' Node lacks
// (20.11.0: the newest armv7 build on npm). The single-file entry loads this
// first; on a Node that has them it changes nothing.
//
//   zlib.crc32 (added in Node 20.15): the block store's record checksum
//   (src/chain/block-record.ts). Without it the first stored block throws.

/** CRC-32 (IEEE 802.3, reflected 0xedb88320) as zlib.crc32 computes it, continuing from `value`. */
export function crc32(data: string | ArrayBufferView, value = 0): number {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  let crc = ~value >>> 0;
  for (let i = 0; i < bytes.length; i++) crc = (TABLE[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return ~crc >>> 0;
}

const TABLE = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  TABLE[i] = c >>> 0;
}

/** The module object itself (not an import namespace copy), so every importer sees what is added. */
const zlib = require('node:zlib') as { crc32?: typeof crc32 };
if (typeof zlib.crc32 !== 'function') zlib.crc32 = crc32;
