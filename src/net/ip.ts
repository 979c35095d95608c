// Peer identity is the IP address alone (PROTOCOL.md §2). Every key in the
// node goes through normaliseIp so that "::ffff:127.0.0.2" and "127.0.0.2"
// are one peer, and ports never take part.
import { isIPv4, isIPv6 } from 'node:net';

/** Returns the canonical text key of an address, or throws a RangeError naming it. */
export function normaliseIp(address: string): string {
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) throw new RangeError(`not an IP address: ${JSON.stringify(address)}`);
  const bytes = ipv6Bytes(address);
  // Any spelling of an IPv4-mapped address (::ffff:a.b.c.d, ::ffff:7f00:2, 0:0:0:0:0:ffff:…) is that IPv4 address.
  const isMapped = bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return isMapped ? [...bytes.subarray(12)].join('.') : formatIpv6(bytes);
}

function ipv4Bytes(ip: string): Buffer {
  return Buffer.from(ip.split('.').map(Number));
}

function ipv6Bytes(ip: string): Buffer {
  const [head = '', tail] = ip.split('::') as [string, string | undefined];
  const parse = (part: string): number[] => {
    if (part === '') return [];
    return part.split(':').flatMap((group) => {
      if (group.includes('.')) {
        const v4 = ipv4Bytes(group);
        return [v4.readUInt16BE(0), v4.readUInt16BE(2)];
      }
      return [parseInt(group, 16)];
    });
  };
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const groups = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** Eight uncompressed groups: one spelling per address, so it can be a map key. */
function formatIpv6(bytes: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return groups.join(':');
}

/** The address as bytes: 4 for IPv4, 16 for IPv6. Expects a normalised key. */
export function ipBytes(ip: string): Buffer {
  return isIPv4(ip) ? ipv4Bytes(ip) : ipv6Bytes(ip);
}

/**
 * Orders addresses as §2 demands for the dial-race rule: IPv4 before IPv6,
 * then the address bytes as an unsigned big-endian integer (never as text:
 * "127.0.0.10" is above "127.0.0.9").
 */
export function compareIps(a: string, b: string): number {
  const x = ipBytes(a);
  const y = ipBytes(b);
  if (x.length !== y.length) return x.length - y.length;
  return Buffer.compare(x, y);
}

/** "ip:port", with brackets for IPv6, for logs and `--peer`-style text. */
export function formatEndpoint(ip: string, port: number): string {
  return isIPv6(ip) ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Parses "IP:PORT" or "[IPv6]:PORT". Throws a RangeError naming the text. */
export function parseEndpoint(text: string): { ip: string; port: number } {
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  if (!match) throw new RangeError(`expected IP:PORT, got ${JSON.stringify(text)}`);
  const port = Number(match[2]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`port out of range in ${JSON.stringify(text)}`);
  let ip: string;
  try {
    ip = normaliseIp(match[1] as string);
  } catch {
    throw new RangeError(`not an IP address in ${JSON.stringify(text)} (use an address, not a host name)`);
  }
  return { ip, port };
}

/**
 * The group one host could fill the inbound slots from: its /24 (IPv4) or
 * /48 (IPv6). Loopback, private and link-local addresses have none, so
 * tests and devnets on 127.0.0.x and LANs are never capped this way.
 */
export function subnetKey(ip: string): string | undefined {
  const b = ipBytes(ip);
  if (b.length === 4) {
    const [a = 0, c = 0] = b;
    const private4 = a === 10 || a === 127 || (a === 172 && c >= 16 && c <= 31) || (a === 192 && c === 168) || (a === 169 && c === 254) || (a === 100 && c >= 64 && c <= 127);
    return private4 ? undefined : `${b[0]}.${b[1]}.${b[2]}.0/24`;
  }
  const first = b.readUInt16BE(0);
  const isLoopback = b.subarray(0, 15).every((x) => x === 0) && b[15] === 1;
  const isLocal = (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80;
  if (isLoopback || isLocal) return undefined;
  return `${b.subarray(0, 6).toString('hex')}::/48`;
}
