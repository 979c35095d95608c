// `start`'s --max-memory as the settings resolve it (flag, then
// TIMENODE_MAX_MEMORY, then timenode.toml, then the default), read without
// the settings table. The process restarts itself with settings sized from
// it before anything else loads (src/node/process-setup.ts), and the table
// (src/cli/start-settings.ts with smol-toml and the config, net and
// peer-cap modules it pulls in) cost ~20 ms here in the process the restart
// then threw away. undefined whenever this reading is not sure it agrees
// with the full one (--help, a value that is not a positive integer, a file
// it cannot read): the caller then resolves the settings in full, which
// names what is wrong. test/cli/start-max-memory.test.ts holds it to the
// full resolution.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_MAX_MEMORY_MB } from '../base/budget';
// The names src/cli/settings.ts gives them (envName, CONFIG_FILE_NAME); importing it would load smol-toml.
const ENV = { maxMemory: 'TIMENODE_MAX_MEMORY', config: 'TIMENODE_CONFIG', data: 'TIMENODE_DATA' };
const FILE_NAME = 'timenode.toml';
const FILE_KEY = 'max-memory';

/** The flags this reading needs; every other one is skipped (its value, if any, never starts with "-": parseArgs refuses that). */
const READ_FLAGS = new Set(['max-memory', 'config', 'data']);

export function quickMaxMemory(args: readonly string[], env: NodeJS.ProcessEnv): number | undefined {
  const flags = readFlags(args);
  if (flags === undefined) return undefined;
  const flag = flags.get('max-memory');
  if (flag !== undefined) return positive(flag);
  const fromEnv = env[ENV.maxMemory];
  if (fromEnv !== undefined && fromEnv !== '') return positive(fromEnv);
  const file = settingsFile(flags, env);
  if (file === null) return DEFAULT_MAX_MEMORY_MB;
  if (file === undefined) return undefined;
  const doc = readToml(file);
  if (doc === undefined) return undefined;
  const value = doc[FILE_KEY];
  if (value === undefined) return DEFAULT_MAX_MEMORY_MB;
  // The file takes integers only (a string "64" is refused there), read as their decimal text.
  return typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value)) ? positive(String(value)) : undefined;
}

/** The last value of each flag read (parseArgs keeps the last); undefined for --help, "--" or a flag without its value. */
function readFlags(args: readonly string[]): Map<string, string> | undefined {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--' || arg === '--help' || arg === '-h') return undefined;
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (!READ_FLAGS.has(name)) continue;
    const value = eq < 0 ? args[++i] : arg.slice(eq + 1);
    if (value === undefined || (eq < 0 && value.startsWith('-'))) return undefined;
    flags.set(name, value);
  }
  return flags;
}

/** What the setting's parse accepts (src/cli/start-settings.ts, `positive`). */
function positive(text: string): number | undefined {
  const n = Number(text);
  return /^\d+$/.test(text) && Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** The file the settings would read, as resolveSettings finds it: null for none, undefined when --config names one that is not there. */
function settingsFile(flags: Map<string, string>, env: NodeJS.ProcessEnv): string | null | undefined {
  const configPath = flags.get('config') ?? env[ENV.config];
  if (configPath !== undefined) return existsSync(resolve(configPath)) ? resolve(configPath) : undefined;
  const data = flags.get('data') ?? env[ENV.data];
  return data !== undefined && existsSync(join(data, FILE_NAME)) ? resolve(data, FILE_NAME) : null;
}

/** The file's top-level table; undefined when it cannot be read or is not TOML. */
function readToml(file: string): Record<string, unknown> | undefined {
  try {
    // Loaded only when a file applies: smol-toml costs ~2.5 ms here.
    const { parse } = require('smol-toml') as typeof import('smol-toml');
    return parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}
