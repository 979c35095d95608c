// CRC-32C (Castagnoli), the checksum of a serial frame (PROTOCOL.md §1),
// chosen once at load (choose-backend.ts): js/crc32c.ts or native/crc32c.ts.
//
// The addon is the default from NATIVE_FROM bytes up; shorter inputs stay on
// TS, where the N-API call costs more than the whole TS loop
// (bench/hotpath.ts, x64 with SSE4.2, Node 20, ops/s, ts vs native):
//   16 B     11.1M vs 5.43M  (0.49×)
//   64 B     4.35M vs 4.36M  (1.00×)
//   96 B     2.05M vs 2.91M  (1.42×)
//   256 B    1.05M vs 3.54M  (3.4×)
//   1 KiB    268k  vs 2.43M  (9.1×)
//   1 MiB    330   vs 3.3k   (10×)
// On an ARM board without the CRC extension the addon runs slicing-by-8 in C.
import { bySize, chooseBackend } from './choose-backend';
import { crc32c as jsCrc32c } from './js/crc32c';
import { nativeCrc32c } from './native/crc32c';

const NATIVE_FROM = 96;

export const crc32c: (data: Uint8Array) => number = chooseBackend(
  'crc32c',
  jsCrc32c,
  (addon, byMeasurement) => (byMeasurement ? bySize(NATIVE_FROM, jsCrc32c, nativeCrc32c(addon)) : nativeCrc32c(addon)),
  {
    winner: 'native',
    why: `native is faster from ${NATIVE_FROM} B (1.42× at 96 B, 9.1× at 1 KiB); ts below, where the call costs more (0.49× at 16 B) (bench/hotpath)`,
  },
);
