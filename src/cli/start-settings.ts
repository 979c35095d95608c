// Every setting of `timenode start`, once: flag name (= file key), type,
// validation, default, help and (derived) TIMENODE_* name. A new flag is one
// entry here; --help, the environment, timenode.toml, `config --print` and
// `config --example` follow from it (src/cli/settings.ts).
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { DEFAULT_MAX_MEMORY_MB, verifyThreadsFor } from '../base/budget';
import { DEFAULT_LIMITS, MAX_VERIFY_THREADS, Profile } from '../base/config';
import type { Level, LogFormat } from '../base/log';
import { parseEndpoint } from '../net/ip';
import { DEFAULT_BAUD, parseSerialSpec, SerialSpec } from '../net/serial-spec';
import { Setting, SettingError, SettingTable, Values } from './settings';
import { MAX_PEERS_LIMIT } from './peer-caps';

function text(help: string, extra: Partial<Setting<string>> = {}): Setting<string> {
  return {
    type: 'string',
    help,
    parse: (v) => {
      if (v === '') throw new SettingError('must not be empty');
      return v;
    },
    ...extra,
  };
}

function endpoint(help: string, extra: Partial<Setting<string>> = {}): Setting<string> {
  return {
    type: 'string',
    placeholder: 'IP:PORT',
    help,
    parse: (v) => {
      try {
        parseEndpoint(v);
      } catch (err) {
        throw new SettingError(`must be IP:PORT: ${(err as Error).message}`);
      }
      return v;
    },
    ...extra,
  };
}

function positive(help: string, max: number | undefined, extra: Partial<Setting<number>> = {}): Setting<number> {
  return {
    type: 'integer',
    placeholder: 'N',
    help,
    parse: (v) => {
      const n = Number(v);
      if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n <= 0) throw new SettingError(`must be a positive integer, got ${JSON.stringify(v)}`);
      if (max !== undefined && n > max) throw new SettingError(`must be at most ${max}, got ${n}`);
      return n;
    },
    ...extra,
  };
}

function oneOf<T extends string>(choices: readonly T[], help: string, def: T): Setting<T> {
  return {
    type: 'string',
    placeholder: choices.join('|'),
    help,
    default: def,
    parse: (v) => {
      if (!(choices as readonly string[]).includes(v)) throw new SettingError(`must be ${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}, got ${JSON.stringify(v)}`);
      return v as T;
    },
  };
}

export const START_SETTINGS = {
  data: text('The data folder: node.key (created if absent), blocks.dat, peers.json, bans.json, the control socket, node.lock (one node per folder: a second start on it is refused), and timenode.toml if you keep the settings there.', {
    placeholder: 'DIR',
    required: true,
    path: true,
    example: '"/var/lib/timenode"',
  }),
  genesis: text('The genesis file; every node of a network must use the same one (README, "Run it on a Pi").', {
    placeholder: 'FILE',
    required: true,
    path: true,
    example: '"/etc/timenode/genesis.json"',
  }),
  listen: endpoint('Address and port to accept peers on (0.0.0.0 for every interface).', { required: true, example: '"0.0.0.0:24100"' }),
  peer: { ...endpoint('A peer to keep connected, dialed at once whatever its IP (PROTOCOL.md §2); repeat for more.', { default: [], example: '["192.0.2.10:24100"]' }), multiple: true as const },
  serial: {
    type: 'string',
    multiple: true as const,
    placeholder: 'PATH[:BAUD]',
    help: `A peer link over a serial port (a UART, a USB-serial adapter: README, "Serial links") at BAUD (default ${DEFAULT_BAUD}, 8N1, no flow control); the port is reopened with backoff when it vanishes. A device that does not exist at start is a typo, not a port to wait for.`,
    default: [],
    example: '["/dev/ttyUSB0:115200"]',
    parse: (v) => {
      let spec: SerialSpec;
      try {
        spec = parseSerialSpec(v);
      } catch (err) {
        throw new SettingError(`: ${(err as Error).message}`);
      }
      if (!existsSync(spec.path)) throw new SettingError(`: ${spec.path} does not exist (is the adapter plugged in? ls /dev/serial/by-id)`);
      return spec;
    },
  } satisfies Setting<SerialSpec>,
  profile: oneOf<Profile>(['default', 'devnet'], 'Timings: devnet uses the right-hand column of PROTOCOL.md §6 (ping every 1 s, pong deadline 2 s).', 'default'),
  'max-memory': positive(
    "The memory budget in MB, on top of the Node runtime's own ~50 MB, split across send queues, inbound frames, the tx pool, the seen cache, sync answers and the address book; the split is logged at start.",
    undefined,
    { placeholder: 'MB', default: DEFAULT_MAX_MEMORY_MB },
  ),
  'max-peers': positive(`Connection cap (at most ${MAX_PEERS_LIMIT}); each peer's send queue is its share of the budget, so more peers means smaller queues.`, MAX_PEERS_LIMIT, {
    default: DEFAULT_LIMITS.maxPeers,
  }),
  'max-inbound': positive('Of --max-peers, how many may be inbound; at most --max-peers.', undefined, {
    defaultText: `${DEFAULT_LIMITS.maxInbound}, or --max-peers if smaller`,
    computed: (v) => Math.min(DEFAULT_LIMITS.maxInbound, v['max-peers'] as number),
    example: String(DEFAULT_LIMITS.maxInbound),
  }),
  'verify-threads': {
    type: 'integer',
    placeholder: 'N',
    help: 'Signature checks on N worker threads (0 = on the main thread), started at the first batch of 16 signatures or more; each counts 18 MB inside --max-memory.',
    defaultText: 'one per core beyond the main thread, as many as fit in a quarter of --max-memory; 0 (inline) on one core',
    computed: (v) => verifyThreadsFor(availableParallelism(), (v['max-memory'] as number | undefined) ?? DEFAULT_MAX_MEMORY_MB),
    example: '1',
    parse: (v) => {
      const n = Number(v);
      if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n > MAX_VERIFY_THREADS) throw new SettingError(`must be a whole number from 0 to ${MAX_VERIFY_THREADS}, got ${JSON.stringify(v)}`);
      return n;
    },
  } satisfies Setting<number>,
  'log-level': oneOf<Level>(['debug', 'info', 'warn', 'error'], 'The least severe level written; SIGHUP re-reads it from the file and environment.', 'info'),
  'log-format': oneOf<LogFormat>(
    ['text', 'json'],
    'One line per event on stderr: text (time, level, [component], sentence, key=value) or one JSON object per line. Under systemd (JOURNAL_STREAM names stderr) a line has no time of its own and starts with its syslog priority <N>, so journalctl -p warning works.',
    'text',
  ),
  metrics: {
    type: 'string',
    placeholder: 'IP:PORT',
    help: 'Serve Prometheus metrics on http://IP:PORT/metrics and the status page on http://IP:PORT/ (off by default). A bare PORT listens on 127.0.0.1 only: tunnel it over SSH rather than opening it.',
    example: '"127.0.0.1:9324"',
    parse: (v) => {
      const text = /^\d+$/.test(v) ? `127.0.0.1:${v}` : v;
      try {
        parseEndpoint(text);
      } catch (err) {
        throw new SettingError(`must be IP:PORT or PORT: ${(err as Error).message}`);
      }
      return text;
    },
  } satisfies Setting<string>,
  'require-native': {
    type: 'boolean',
    help: 'Refuse to start unless every hot path runs native (TIMENODE_NATIVE=1 does the same; TIMENODE_NATIVE=0 forces the no-addon fallbacks).',
    default: false,
    parse: () => true,
  } satisfies Setting<boolean>,
  'allow-plaintext': {
    type: 'boolean',
    help: 'Let in peers that offer no key exchange and talk to them in clear (test tools, debugging). Without it every link is encrypted (PROTOCOL.md §8: X25519 per connection, ChaCha20-Poly1305 frames) and such a peer is refused with `encryption`.',
    default: false,
    parse: () => true,
  } satisfies Setting<boolean>,
} satisfies SettingTable;

export type StartSettings = Values<typeof START_SETTINGS>;
