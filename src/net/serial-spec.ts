// What `--serial PATH[:BAUD]` names, and how a serial link is keyed
// (PROTOCOL.md §2: `serial:<path>`). Kept apart from the transport so that
// the CLI, the gossip and the status can tell a serial key from an IP
// without loading the serialport addon.

export const SERIAL_KEY_PREFIX = 'serial:';
export const DEFAULT_BAUD = 115200;

/** The rates a UART and the termios API agree on; anything else is most likely a typo. */
export const STANDARD_BAUDS: readonly number[] = [
  1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 500000, 576000, 921600, 1000000, 1500000, 2000000, 3000000,
];

export interface SerialSpec {
  path: string;
  baud: number;
}

/** `/dev/ttyUSB0` or `/dev/ttyUSB0:9600`; throws a RangeError naming what is wrong. */
export function parseSerialSpec(text: string): SerialSpec {
  const m = /^(.+?)(?::(\d+))?$/.exec(text);
  const path = m?.[1] ?? '';
  if (!path.startsWith('/')) throw new RangeError(`${JSON.stringify(text)} is not PATH[:BAUD] with an absolute device path (e.g. /dev/ttyUSB0:115200)`);
  const baud = m?.[2] === undefined ? DEFAULT_BAUD : Number(m[2]);
  if (!STANDARD_BAUDS.includes(baud)) throw new RangeError(`baud ${m?.[2]} of ${path} is not a standard rate (${STANDARD_BAUDS.join(', ')})`);
  return { path, baud };
}

export function serialKey(path: string): string {
  return SERIAL_KEY_PREFIX + path;
}

/** True for a connection key that names a serial link rather than an IP. */
export function isSerialKey(key: string): boolean {
  return key.startsWith(SERIAL_KEY_PREFIX);
}
