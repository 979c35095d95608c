// CRC-32C through the addon: SSE4.2 or the ARMv8 CRC instruction where the
// CPU has it, C slicing-by-8 elsewhere (native/src/crc32c.c). The addon's
// function is returned as is: a wrapper would add a JS call to every checksum.
import type { Addon } from './addon';

export function nativeCrc32c(addon: Addon): (data: Uint8Array) => number {
  return addon.crc32c;
}
