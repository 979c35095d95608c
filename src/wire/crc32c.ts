// CRC-32C (Castagnoli), the checksum of a serial frame (PROTOCOL.md §1),
// chosen once at load (choose-backend.ts): js/crc32c.ts or native/crc32c.ts.
//
// MEASURED
import { chooseBackend } from './choose-backend';
import { crc32c as jsCrc32c } from './js/crc32c';
import { nativeCrc32c } from './native/crc32c';

export const crc32c: (data: Uint8Array) => number = chooseBackend('crc32c', jsCrc32c, nativeCrc32c, {
  winner: 'native',
  why: 'TBD',
});
