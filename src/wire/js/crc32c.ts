// CRC-32C (Castagnoli, reflected polynomial 0x82f63b78), the checksum of a
// serial frame (PROTOCOL.md §1): the pure-TS backend (native twin:
// native/src/crc32c.c). Slicing-by-8: eight table lookups per 8 bytes
// instead of one per byte, which matters on a small board's CPU.

const POLY = 0x82f63b78;
const TABLE = buildTable();

function buildTable(): Uint32Array {
  const t = new Uint32Array(8 * 256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[i] = c;
  }
  // Table k advances a byte through k further zero bytes.
  for (let i = 0; i < 256; i++) {
    for (let k = 1; k < 8; k++) {
      const prev = t[(k - 1) * 256 + i];
      t[k * 256 + i] = (prev >>> 8) ^ t[prev & 0xff];
    }
  }
  return t;
}

export function crc32c(data: Uint8Array): number {
  const t = TABLE;
  const n = data.length;
  let crc = 0xffffffff;
  let i = 0;
  for (const end = n - (n % 8); i < end; i += 8) {
    const lo = crc ^ (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24));
    crc =
      t[1792 + (lo & 0xff)] ^
      t[1536 + ((lo >>> 8) & 0xff)] ^
      t[1280 + ((lo >>> 16) & 0xff)] ^
      t[1024 + (lo >>> 24)] ^
      t[768 + data[i + 4]] ^
      t[512 + data[i + 5]] ^
      t[256 + data[i + 6]] ^
      t[data[i + 7]];
  }
  for (; i < n; i++) crc = t[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
