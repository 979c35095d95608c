// libsodium's randombytes_buf (getrandom(2) on Linux).
import sodium from 'sodium-native';

export const impl = 'sodium-native';

export function randomFill(out: Buffer): Buffer {
  sodium.randombytes_buf(out);
  return out;
}
