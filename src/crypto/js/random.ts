// The operating system's generator through node:crypto (getrandom(2) on Linux).
import { randomFillSync } from 'node:crypto';

export const impl = 'node:crypto';

export function randomFill(out: Buffer): Buffer {
  return randomFillSync(out);
}
