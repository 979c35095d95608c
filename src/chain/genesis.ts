// The genesis file (PROTOCOL.md §5, §7) and the rules that follow from it
// alone: the network's identity hash, the quorum, and whose turn it is to
// produce a block. Reading the file refuses every problem with the field it
// is in, because the operator fixing it has nothing else to go on.
import { hash } from '../crypto';
import { str } from './layouts';

const TAG_GENESIS = Buffer.from('TNP1-genesis', 'utf8');
const NETWORK_MAX_BYTES = 32;
/** Below this a block interval is a typo (seconds for milliseconds), not a network anyone runs. */
export const MIN_INTERVAL_MS = 100;
const KEY_HEX = /^[0-9a-f]{64}$/;

export interface Genesis {
  network: string;
  time: number;
  interval: number;
  /** The masternode keys in file order (shown to operators as written). */
  masternodes: Buffer[];
  /** The keys sorted bytewise: the set S of §5 that block producers take turns from. */
  schedule: Buffer[];
  hash: Buffer;
  /** floor(2n/3) + 1 accept votes finalize a tx. */
  quorum: number;
}

/** The fields a genesis file holds; everything else in `Genesis` derives from them. */
export interface GenesisFields {
  network: string;
  time: number;
  interval: number;
  masternodes: Buffer[];
}

export class GenesisError extends Error {
  constructor(
    /** The field at fault (`masternodes[2]` for one key); null when the file as a whole is unusable. */
    readonly field: string | null,
    message: string,
  ) {
    super(message);
    this.name = 'GenesisError';
  }
}

/** A value as it appeared in the file, short enough for one log line. */
function shown(value: unknown): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseGenesis(text: string, source = 'genesis file'): Genesis {
  const refuse = (field: string | null, problem: string): GenesisError =>
    new GenesisError(field, `${source}: ${problem}`);

  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw refuse(null, `is not valid JSON (${(err as Error).message})`);
  }
  if (!isRecord(doc)) throw refuse(null, `must be a JSON object with network, time, interval and masternodes, got ${shown(doc)}`);
  const record = doc;

  const field = (name: string): unknown => {
    if (!Object.prototype.hasOwnProperty.call(record, name)) throw refuse(name, `field "${name}" is missing`);
    return record[name];
  };

  const network = field('network');
  if (typeof network !== 'string') throw refuse('network', `field "network" must be text, got ${shown(network)}`);
  const networkBytes = Buffer.byteLength(network, 'utf8');
  if (networkBytes === 0 || networkBytes > NETWORK_MAX_BYTES) {
    throw refuse('network', `field "network" must be 1..${NETWORK_MAX_BYTES} UTF-8 bytes, got ${networkBytes} (${shown(network)})`);
  }

  const time = field('time');
  if (typeof time !== 'number' || !Number.isSafeInteger(time) || time < 0) {
    throw refuse('time', `field "time" must be a non-negative integer of Unix milliseconds, got ${shown(time)}`);
  }

  const interval = field('interval');
  if (typeof interval !== 'number' || !Number.isSafeInteger(interval) || interval < MIN_INTERVAL_MS) {
    throw refuse('interval', `field "interval" must be an integer number of milliseconds ≥ ${MIN_INTERVAL_MS}, got ${shown(interval)}`);
  }

  const list = field('masternodes');
  if (!Array.isArray(list)) throw refuse('masternodes', `field "masternodes" must be an array of hex public keys, got ${shown(list)}`);
  if (list.length === 0) throw refuse('masternodes', 'field "masternodes" is empty; a network needs at least one masternode to produce blocks');
  const firstIndex = new Map<string, number>();
  const masternodes = list.map((key: unknown, i) => {
    const name = `masternodes[${i}]`;
    if (typeof key !== 'string' || !KEY_HEX.test(key)) {
      throw refuse(name, `${name} must be 64 lower-case hex characters (a 32-byte Ed25519 public key), got ${shown(key)}`);
    }
    const earlier = firstIndex.get(key);
    if (earlier !== undefined) {
      throw refuse(name, `${name} repeats masternodes[${earlier}] (${key}); a genesis file that lists a key twice is refused (PROTOCOL.md §5)`);
    }
    firstIndex.set(key, i);
    return Buffer.from(key, 'hex');
  });

  return deriveGenesis({ network, time, interval, masternodes });
}

/** Completes validated fields into a `Genesis`: the schedule, hash and quorum. */
export function deriveGenesis(fields: GenesisFields): Genesis {
  const schedule = sortedKeys(fields.masternodes);
  return {
    network: fields.network,
    time: fields.time,
    interval: fields.interval,
    masternodes: fields.masternodes,
    schedule,
    hash: hashSorted(fields.network, fields.time, fields.interval, schedule),
    quorum: quorumFor(fields.masternodes.length),
  };
}

function sortedKeys(keys: readonly Buffer[]): Buffer[] {
  return [...keys].sort(Buffer.compare);
}

function hashSorted(network: string, time: number, interval: number, sorted: readonly Buffer[]): Buffer {
  const numbers = Buffer.allocUnsafe(16);
  numbers.writeBigUInt64BE(BigInt(time), 0);
  numbers.writeBigUInt64BE(BigInt(interval), 8);
  return hash(TAG_GENESIS, str(network), numbers, ...sorted);
}

/** `H("TNP1-genesis" || str(network) || u64be time || u64be interval || sorted(M) concatenated)`; the order of `masternodes` does not matter. */
export function genesisHash(network: string, time: number, interval: number, masternodes: readonly Buffer[]): Buffer {
  return hashSorted(network, time, interval, sortedKeys(masternodes));
}

/** Accept votes needed to finalize a tx among n masternodes: more than two thirds. */
export function quorumFor(n: number): number {
  return Math.floor((2 * n) / 3) + 1;
}

/** Missed producer turns between a parent and its child: one per whole interval after the first (§5). */
export function skipCount(parentTime: number, blockTime: number, interval: number): number {
  return Math.max(0, Math.floor((blockTime - parentTime) / interval) - 1);
}

/** The key due to produce block `height` after `r` skipped turns: `S[(height + r) mod n]`. */
export function producerFor(genesis: Pick<Genesis, 'schedule'>, height: number, r: number): Buffer {
  const n = genesis.schedule.length;
  return genesis.schedule[(height + r) % n];
}

/** The genesis file as `timenode genesis` writes it (§7): pretty JSON, keys as lower-case hex in the given order. */
export function formatGenesis(g: GenesisFields): string {
  const doc = {
    network: g.network,
    time: g.time,
    interval: g.interval,
    masternodes: g.masternodes.map((k) => k.toString('hex')),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
