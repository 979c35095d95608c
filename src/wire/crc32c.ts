// CRC-32C (Castagnoli), the checksum of a serial frame (PROTOCOL.md §1),
// chosen once at load (choose-backend.ts): js/crc32c.ts or native/crc32c.ts.
//
// The addon is the default from NATIVE_FROM bytes up; shorter inputs stay on
// TS, where the N-API call costs more than the whole TS loop
// (bench/hotpath.ts, x64 with SSE4.2, Node 20, ops/s, ts vs native):
//   16 B     10.3M vs 3.43M  (0.33×)
//   64 B     5.90M vs 5.71M  (0.97×)
//   96 B     3.61M vs 5.28M  (1.46×)
//   256 B    2.62M vs 6.17M  (2.36×)
//   1 KiB    730k  vs 4.30M  (5.9×)
//   1 MiB    438   vs 5.7k   (13×)
// On an ARM board without the CRC extension the addon runs slicing-by-8 in C.
import { bySize, chooseBackend } from './choose-backend';
import { crc32c as jsCrc32c } from './js/crc32c';
import { nativeCrc32c } from './native/crc32c';

const NATIVE_FROM = 96;

export const crc32c: (data: Uint8Array) => number = chooseBackend(
  'crc32c',
  jsCrc32c,
  (addon, measured) => (measured ? bySize(NATIVE_FROM, jsCrc32c, nativeCrc32c(addon)) : nativeCrc32c(addon)),
  {
    winner: 'native',
    why: `native is faster from ${NATIVE_FROM} B (1.46× at 96 B, 5.9× at 1 KiB); ts below, where the call costs more (0.33× at 16 B) (bench/hotpath)`,
  },
);
