// `timenode info`: what this copy of the node is and where its hot paths
// run: version, packaging (single executable, portable bundle or sources),
// platform, Node, the addons unpacked from a single executable, how links
// are encrypted, and every backend choice with its reason. The first thing
// to run on a new board.
import { getHeapStatistics } from 'node:v8';
import { BackendChoice, backendChoices, nativeMode } from '../base/hotpath-selection';
import { AddonLoad, embeddedAddons } from '../sea/addon-loader';
import { Packaging, packaging, version } from '../sea/runtime';
import { Command, parseFlags } from './args';
import { statusOfRunningNode } from './status';
import type { NodeStatus } from '../node/status';
import { readdirSync } from 'node:fs';
import { loadSerialPort } from '../net/serial-transport';
// The serial link's hot paths (COBS, CRC-32C) load only with serial framing; load them so info reports every path.
import '../wire/serial-frame';
import { cryptoBackends } from '../crypto';

export interface Info {
  version: string;
  packaging: Packaging;
  sea: boolean;
  platform: string;
  arch: string;
  node: string;
  /** V8's heap limit of this `info` process (a node's own settings are in its start line: src/node/process-setup.ts). */
  heapLimitMiB: number;
  nodeOptions: string | undefined;
  addons: AddonLoad[];
  /** PROTOCOL.md §8: what every link runs, on which backends. */
  links: { cipher: string; kx: string; aead: string; plaintextPeers: string };
  hotPaths: BackendChoice[];
  serial: SerialInfo;
}

export interface SerialInfo {
  /** Whether `--serial` can work here: the serialport addon loads. */
  ok: boolean;
  detail: string;
  /** Serial devices present now (USB adapters, a board's UART). */
  devices: string[];
  /** With --data DIR: the serial links of the node running there, from its control socket. */
  links?: SerialLinkLine[];
}

export interface SerialLinkLine {
  path: string;
  baud: number;
  state: string;
  bytesPerSecIn: number;
  bytesPerSecOut: number;
  crcDrops: number;
  rttMs: number | undefined;
}

/** The running node's serial links: established peers with their figures, and ports not (yet) linked. */
export function serialLinksOf(s: NodeStatus): SerialLinkLine[] {
  const lines: SerialLinkLine[] = [];
  for (const p of s.peers) {
    const l = p.serial;
    if (l) lines.push({ path: l.path, baud: l.baud, state: p.state, bytesPerSecIn: l.bytesPerSecIn, bytesPerSecOut: l.bytesPerSecOut, crcDrops: l.crcDrops, rttMs: p.rttMs });
  }
  for (const link of s.serialLinks) {
    if (lines.some((l) => l.path === link.path)) continue;
    lines.push({ path: link.path, baud: link.baud, state: link.open ? 'handshaking' : 'port closed, reopening', bytesPerSecIn: 0, bytesPerSecOut: 0, crcDrops: 0, rttMs: undefined });
  }
  return lines;
}

/** Names a board's UARTs and USB-serial adapters take; ttyS* is left out (every PC lists 32 of them). */
const SERIAL_DEVICE = /^(ttyUSB\d+|ttyACM\d+|ttyAMA\d+|ttyTHS\d+|serial\d+)$/;

function serialInfo(): SerialInfo {
  let ok = true;
  let detail = 'serialport addon loads: --serial PATH[:BAUD] works here';
  if (nativeMode() === 'off') {
    // TIMENODE_NATIVE=0 promises that nothing native is loaded; a node started with --serial still loads it.
    ok = false;
    detail = 'not checked: TIMENODE_NATIVE=0 loads no addon';
  } else {
    try {
      loadSerialPort();
    } catch (err) {
      ok = false;
      detail = (err as Error).message;
    }
  }
  const devices: string[] = [];
  const list = (dir: string, match: (n: string) => boolean): void => {
    try {
      for (const n of readdirSync(dir).sort()) if (match(n)) devices.push(`${dir}/${n}`);
    } catch {
      // no such folder on this board
    }
  };
  list('/dev/serial/by-id', () => true);
  list('/dev', (n) => SERIAL_DEVICE.test(n));
  return { ok, detail, devices };
}

export function collectInfo(): Info {
  const kind = packaging();
  // First: loading serialport unpacks a single executable's serialport addon, which `addons` then lists with the others.
  const serial = serialInfo();
  return {
    version: version(),
    packaging: kind,
    sea: kind === 'sea',
    platform: process.platform,
    arch: process.arch,
    node: process.version,
    heapLimitMiB: Math.round(getHeapStatistics().heap_size_limit / 1048576),
    nodeOptions: process.env.NODE_OPTIONS,
    addons: embeddedAddons(),
    links: linkInfo(),
    hotPaths: backendChoices(),
    serial,
  };
}

function linkInfo(): Info['links'] {
  const implOf = (path: string): string => cryptoBackends().find((c) => c.path === path)?.impl ?? 'not loaded';
  return {
    cipher: 'X25519 crypto_kx per connection, ChaCha20-Poly1305-IETF frames (PROTOCOL.md §8)',
    kx: implOf('kx'),
    aead: implOf('aead'),
    plaintextPeers: 'refused with `encryption` unless `start --allow-plaintext`',
  };
}

const PACKAGING: Record<Packaging, string> = {
  sea: 'single executable (Node and addons inside)',
  bundle: 'portable bundle on this Node (no addon inside)',
  source: 'sources (lib/, addons from node_modules and native/)',
};

export function formatInfo(info: Info): string {
  const lines = [
    `timenode ${info.version}`,
    `packaging  ${PACKAGING[info.packaging]}`,
    `platform   ${info.platform}-${info.arch}`,
    `node       ${info.node}`,
    `sea        ${info.sea ? 'yes' : 'no'}`,
    `heap limit ${info.heapLimitMiB} MiB (NODE_OPTIONS ${info.nodeOptions === undefined ? 'unset' : JSON.stringify(info.nodeOptions)})`,
  ];
  if (info.addons.length > 0) {
    lines.push('addons');
    for (const a of info.addons) lines.push(`  ${a.name.padEnd(14)} ${a.ok ? 'loaded' : 'not loaded'}: ${a.detail}`);
  }
  lines.push(`links      encrypted: ${info.links.cipher}; kx on ${info.links.kx}, frames on ${info.links.aead}`);
  lines.push(`           plaintext peers ${info.links.plaintextPeers}`);
  const native = info.hotPaths.filter((c) => c.kind === 'native').length;
  lines.push(`hot paths  ${native} of ${info.hotPaths.length} native`);
  for (const c of info.hotPaths) lines.push(`  ${c.path.padEnd(14)} ${c.kind.padEnd(8)} ${c.impl.padEnd(30)} ${c.why}`);
  lines.push(`serial     ${info.serial.ok ? 'yes' : 'no'}: ${info.serial.detail}`);
  lines.push(`  devices  ${info.serial.devices.length === 0 ? 'none found' : info.serial.devices.join('  ')}`);
  const links = info.serial.links;
  if (links === undefined) lines.push('  links    give --data DIR for the serial links of the node running there');
  else if (links.length === 0) lines.push('  links    none (the node runs without --serial)');
  for (const l of links ?? []) {
    const rtt = l.rttMs === undefined ? '-' : `${Math.round(l.rttMs)} ms`;
    lines.push(`  link     ${l.path} ${l.baud} baud  ${l.state}  in ${l.bytesPerSecIn} B/s  out ${l.bytesPerSecOut} B/s  crc drops ${l.crcDrops}  rtt ${rtt}`);
  }
  return `${lines.join('\n')}\n`;
}

async function liveLinks(dataDir: string): Promise<SerialLinkLine[]> {
  return serialLinksOf(await statusOfRunningNode(dataDir));
}

export const info: Command = {
  name: 'info',
  usage: `Usage: timenode info [--json] [--data DIR]

Prints the version, how this copy is packaged (single executable, portable
bundle or sources), platform, Node version, V8's heap limit of this process
(\`start\` sets its own from --max-memory and logs it), the native addons a
single executable unpacked, how links are encrypted, which backend each hot
path runs on and why, and whether serial
links work here (the serialport addon) with the serial devices present.
With --data DIR it also lists the serial links of the node running on DIR
(path, baud, state, bytes/s, CRC drops, RTT), asked over DIR/control.sock.
`,
  async run(argv) {
    const flags = parseFlags(info, argv, { json: { type: 'boolean' }, data: { type: 'string' } });
    if (!flags) return 0;
    const collected = collectInfo();
    if (flags.data !== undefined) collected.serial.links = await liveLinks(flags.data);
    process.stdout.write(flags.json ? `${JSON.stringify(collected, null, 2)}\n` : formatInfo(collected));
    return 0;
  },
};
