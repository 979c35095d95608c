// COBS for the serial link (PROTOCOL.md §1), each direction chosen once at
// load (choose-backend.ts): js/cobs.ts or native/cobs.ts.
//
// The addon is the default from a size up; shorter frames stay on TS, where
// the N-API call costs as much as the TS loop (bench/hotpath.ts, x64,
// Node 20, ops/s, ts vs native, payloads with one zero byte in ten):
//   encode   32 B    4.30M vs 3.60M  (0.84×)    96 B    1.41M vs 1.64M  (1.16×)
//            128 B   660k  vs 1.47M  (2.2×)     1 KiB   116k  vs 370k   (3.2×)
//   decode   32 B    3.21M vs 2.12M  (0.66×)    64 B    1.30M vs 1.06M  (0.81×)
//            128 B   709k  vs 1.09M  (1.53×)    1 KiB   122k  vs 199k   (1.6×)
import { bySize, chooseBackend } from './choose-backend';
import * as js from './js/cobs';
import { nativeCobsDecode, nativeCobsEncode } from './native/cobs';

export { cobsMaxEncodedLength } from './js/cobs';

const ENCODE_NATIVE_FROM = 96;
const DECODE_NATIVE_FROM = 128;

export const cobsEncode: (data: Uint8Array) => Buffer = chooseBackend(
  'cobs-encode',
  js.cobsEncode,
  (addon, byMeasurement) => (byMeasurement ? bySize(ENCODE_NATIVE_FROM, js.cobsEncode, nativeCobsEncode(addon)) : nativeCobsEncode(addon)),
  {
    winner: 'native',
    why: `native is faster from ${ENCODE_NATIVE_FROM} B (1.16× at 96 B, 3.2× at 1 KiB); ts below, where the call costs more (0.84× at 32 B) (bench/hotpath)`,
  },
);

/** Throws WireError on an empty input, a zero byte, or a code that runs past the end. */
export const cobsDecode: (encoded: Uint8Array) => Buffer = chooseBackend(
  'cobs-decode',
  js.cobsDecode,
  (addon, byMeasurement) => (byMeasurement ? bySize(DECODE_NATIVE_FROM, js.cobsDecode, nativeCobsDecode(addon)) : nativeCobsDecode(addon)),
  {
    winner: 'native',
    why: `native is faster from ${DECODE_NATIVE_FROM} B (1.53× at 128 B, 1.6× at 1 KiB); ts below, where the call costs more (0.66× at 32 B) (bench/hotpath)`,
  },
);
