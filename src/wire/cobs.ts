// COBS for the serial link (PROTOCOL.md §1), each direction chosen once at
// load (choose-backend.ts): js/cobs.ts or native/cobs.ts.
//
// MEASURED
import { chooseBackend } from './choose-backend';
import * as js from './js/cobs';
import { nativeCobsDecode, nativeCobsEncode } from './native/cobs';

export { cobsMaxEncodedLength } from './js/cobs';

export const cobsEncode: (data: Uint8Array) => Buffer = chooseBackend('cobs-encode', js.cobsEncode, nativeCobsEncode, {
  winner: 'native',
  why: 'TBD',
});

/** Throws WireError on an empty input, a zero byte, or a code that runs past the end. */
export const cobsDecode: (encoded: Uint8Array) => Buffer = chooseBackend('cobs-decode', js.cobsDecode, nativeCobsDecode, {
  winner: 'native',
  why: 'TBD',
});
