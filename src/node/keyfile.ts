// The node's identity on disk (PROTOCOL.md §7): DIR/node.key, JSON
// {"public", "seed"}, mode 0600, created on first start. A file that does not
// hold a consistent key is refused rather than replaced: silently minting a
// new identity would drop a masternode out of M without anyone noticing.
import fs from 'node:fs';
import path from 'node:path';
import { generateKeyPair, keyPairFromSeed, type KeyPair } from '../crypto';
import { writeFileAtomic } from '../base/atomic-file';

export const KEY_FILE_NAME = 'node.key';
/** Owner read/write only: the seed is the node's whole identity. */
export const KEY_FILE_MODE = 0o600;
const HEX_32 = /^[0-9a-fA-F]{64}$/;

export type KeyFileProblem = 'missing' | 'unreadable' | 'json' | 'field' | 'hex' | 'mismatch' | 'write';

export class KeyFileError extends Error {
  constructor(
    readonly file: string,
    readonly problem: KeyFileProblem,
    message: string,
  ) {
    super(message);
    this.name = 'KeyFileError';
  }
}

export function keyFilePath(dataDir: string): string {
  return path.join(dataDir, KEY_FILE_NAME);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The first hex digits of a key: enough for an operator to tell two keys apart in a message. */
function prefix(hex: string): string {
  return `${hex.slice(0, 8)}…`;
}

/** Reads and checks DIR/node.key; never creates it. */
export function readKey(dataDir: string): KeyPair {
  const file = keyFilePath(dataDir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new KeyFileError(file, 'missing', `no key file at ${file}; start the node once with this data folder to create one`);
    }
    throw new KeyFileError(file, 'unreadable', `cannot read key file ${file}: ${errorText(err)}`);
  }
  return parseKeyFile(file, text);
}

function parseKeyFile(file: string, text: string): KeyPair {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new KeyFileError(file, 'json', `key file ${file} is not valid JSON (${errorText(err)}); it should be {"public": "<64 hex>", "seed": "<64 hex>"}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new KeyFileError(file, 'json', `key file ${file} must hold a JSON object {"public": "<64 hex>", "seed": "<64 hex>"}`);
  }
  const record = doc as Record<string, unknown>;
  const hexField = (name: 'public' | 'seed'): string => {
    const value = record[name];
    if (value === undefined) throw new KeyFileError(file, 'field', `key file ${file} lacks the field "${name}"`);
    if (typeof value !== 'string' || !HEX_32.test(value)) {
      throw new KeyFileError(file, 'hex', `field "${name}" in ${file} must be 64 hex characters (32 bytes)`);
    }
    return value.toLowerCase();
  };
  const publicHex = hexField('public');
  const seedHex = hexField('seed');
  const keys = keyPairFromSeed(Buffer.from(seedHex, 'hex'));
  const derivedHex = keys.publicKey.toString('hex');
  if (derivedHex !== publicHex) {
    throw new KeyFileError(
      file,
      'mismatch',
      `public key in ${file} does not match its seed: file says ${prefix(publicHex)}, seed gives ${prefix(derivedHex)}`,
    );
  }
  return keys;
}

/** A warning naming the mode when DIR/node.key can be read or written by others than its owner (the seed is the node's identity). */
export function keyFileModeWarning(dataDir: string): string | undefined {
  const file = keyFilePath(dataDir);
  let mode: number;
  try {
    mode = fs.statSync(file).mode & 0o777;
  } catch {
    return undefined;
  }
  if ((mode & 0o077) === 0) return undefined;
  return `key file ${file} has mode ${mode.toString(8).padStart(4, '0')}: others can read the node's secret seed; run chmod 600 ${file}`;
}

/** Loads DIR/node.key, creating DIR and a fresh key when the file is absent. */
export function loadOrCreateKey(dataDir: string): { keys: KeyPair; created: boolean } {
  try {
    return { keys: readKey(dataDir), created: false };
  } catch (err) {
    if (!(err instanceof KeyFileError && err.problem === 'missing')) throw err;
  }
  const file = keyFilePath(dataDir);
  const keys = generateKeyPair();
  const text = `${JSON.stringify({ public: keys.publicKey.toString('hex'), seed: keys.seed.toString('hex') }, null, 2)}\n`;
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    writeFileAtomic(file, text, KEY_FILE_MODE);
  } catch (err) {
    throw new KeyFileError(file, 'write', `cannot create key file ${file}: ${errorText(err)}`);
  }
  return { keys, created: true };
}


