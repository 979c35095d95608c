// `timenode info`: what this copy of the node is and where its hot paths
// run: version, packaging (single executable, portable bundle or sources),
// platform, Node, the addons unpacked from a single executable, and every
// backend choice with its reason. The first thing to run on a new board.
import { getHeapStatistics } from 'node:v8';
import { BackendChoice, backendChoices, nativeMode } from '../hotpath/selection';
import { AddonLoad, embeddedAddons } from '../sea/addon-loader';
import { Packaging, packaging, version } from '../sea/runtime';
import { Command, parseFlags } from './args';
import { readdirSync } from 'node:fs';
import { loadSerialPort } from '../net/serial-transport';
// The serial link's hot paths (COBS, CRC-32C) load only with serial framing; load them so info reports every path.
import '../wire/serial-frame';

export interface Info {
  version: string;
  packaging: Packaging;
  sea: boolean;
  platform: string;
  arch: string;
  node: string;
  /** V8's heap limit: shows whether NODE_OPTIONS=--max-old-space-size (the systemd unit's) took effect. */
  heapLimitMiB: number;
  nodeOptions: string | undefined;
  addons: AddonLoad[];
  hotPaths: BackendChoice[];
  serial: SerialInfo;
}

export interface SerialInfo {
  /** Whether `--serial` can work here: the serialport addon loads. */
  ok: boolean;
  detail: string;
  /** Serial devices present now (USB adapters, a board's UART). */
  devices: string[];
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
    hotPaths: backendChoices(),
    serial,
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
  const native = info.hotPaths.filter((c) => c.kind === 'native').length;
  lines.push(`hot paths  ${native} of ${info.hotPaths.length} native`);
  for (const c of info.hotPaths) lines.push(`  ${c.path.padEnd(14)} ${c.kind.padEnd(8)} ${c.impl.padEnd(30)} ${c.why}`);
  lines.push(`serial     ${info.serial.ok ? 'yes' : 'no'}: ${info.serial.detail}`);
  lines.push(`  devices  ${info.serial.devices.length === 0 ? 'none found' : info.serial.devices.join('  ')}`);
  lines.push('  live serial peers (path, baud, bytes/s, CRC drops, RTT): the devnet status view, and a log line per link every 60 s');
  return `${lines.join('\n')}\n`;
}

export const info: Command = {
  name: 'info',
  usage: `Usage: timenode info [--json]

Prints the version, how this copy is packaged (single executable, portable
bundle or sources), platform, Node version, V8's heap limit (set it with
NODE_OPTIONS=--max-old-space-size=MB), the native addons a single executable
unpacked, which backend each hot path runs on and why, and whether serial
links work here (the serialport addon) with the serial devices present.
`,
  async run(argv) {
    const flags = parseFlags(info, argv, { json: { type: 'boolean' } });
    if (!flags) return 0;
    const collected = collectInfo();
    process.stdout.write(flags.json ? `${JSON.stringify(collected, null, 2)}\n` : formatInfo(collected));
    return 0;
  },
};
