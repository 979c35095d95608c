// COBS for the serial link (PROTOCOL.md §1), each direction chosen once at
// load (choose-backend.ts): js/cobs.ts or native/cobs.ts.
//
// The addon is the default from a size up; shorter frames stay on TS, where
// the N-API call costs as much as the TS loop (bench/hotpath.ts, x64,
// Node 20, ops/s, ts vs native, payloads with one zero byte in ten):
//   encode   32 B 1.56M vs 1.75M (1.12×)   96 B 804k vs 974k (1.21×)
//            1 KiB 72k vs 254k (3.5×)      64 KiB 1.2k vs 6.0k (5.2×)
//   decode   32 B 1.79M vs 987k (0.55×)    96 B 603k vs 556k (0.92×)
//            128 B 455k vs 567k (1.25×)    1 KiB 97k vs 166k (1.7×)
import { bySize, chooseBackend } from './choose-backend';
import * as js from './js/cobs';
import { nativeCobsDecode, nativeCobsEncode } from './native/cobs';

export { cobsMaxEncodedLength } from './js/cobs';

const ENCODE_NATIVE_FROM = 96;
const DECODE_NATIVE_FROM = 128;

export const cobsEncode: (data: Uint8Array) => Buffer = chooseBackend(
  'cobs-encode',
  js.cobsEncode,
  (addon, measured) => (measured ? bySize(ENCODE_NATIVE_FROM, js.cobsEncode, nativeCobsEncode(addon)) : nativeCobsEncode(addon)),
  {
    winner: 'native',
    why: `native is faster from ${ENCODE_NATIVE_FROM} B (1.21× at 96 B, 3.5× at 1 KiB); ts below, about even (bench/hotpath)`,
  },
);

/** Throws WireError on an empty input, a zero byte, or a code that runs past the end. */
export const cobsDecode: (encoded: Uint8Array) => Buffer = chooseBackend(
  'cobs-decode',
  js.cobsDecode,
  (addon, measured) => (measured ? bySize(DECODE_NATIVE_FROM, js.cobsDecode, nativeCobsDecode(addon)) : nativeCobsDecode(addon)),
  {
    winner: 'native',
    why: `native is faster from ${DECODE_NATIVE_FROM} B (1.25× at 128 B, 1.7× at 1 KiB); ts below, where the call costs more (0.55× at 32 B) (bench/hotpath)`,
  },
);
