// Settings described once, read from four places: each entry of a table
// (name, type, parse/validation, default, help, env name) drives the flags,
// the TIMENODE_* environment, the TOML file, `--help`, `config --print` and
// `config --example`. Precedence: flags > environment > file > defaults.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseToml } from 'smol-toml';
import { CliError } from './args';

/** The TOML type a setting takes in the file (and how `config --print` writes it). */
export type SettingType = 'string' | 'integer' | 'boolean';

export interface Setting<T> {
  type: SettingType;
  /** Repeatable on the command line, an array in the file, comma-separated in the environment. */
  multiple?: boolean;
  /** What the value looks like in --help ("IP:PORT", "MB"); booleans take none. */
  placeholder?: string;
  /** One or two sentences for --help and `config --example`. */
  help: string;
  /** Text to value; throws SettingError with the reason ("must be a positive integer, got \"0\""). */
  parse(text: string): T;
  /** Used when no source gives a value; undefined = not set (the command decides, see defaultText). */
  default?: T | readonly T[];
  /** What --help says the default is when it is computed at start ("one per core beyond the first"). */
  defaultText?: string;
  /** A default computed from the other values (after they are resolved); shown by `config --print` as "computed". */
  computed?: (values: Record<string, unknown>) => T;
  required?: boolean;
  /** A path: relative values in the file are taken from the file's folder. */
  path?: boolean;
  /** Not settable from the file (the file's own location). */
  flagOnly?: boolean;
  /** The value `config --example` shows (commented out unless required). */
  example?: string;
}

export type SettingTable = Record<string, Setting<unknown>>;
export type Value<S> = S extends Setting<infer T> ? (S extends { multiple: true } ? T[] : T) : never;
export type Values<S extends SettingTable> = { [K in keyof S]: Value<S[K]> | undefined };

/** Where a value came from, for `config --print` and for error lines. */
export type Source = { kind: 'flag' } | { kind: 'env'; name: string } | { kind: 'file'; file: string } | { kind: 'default' } | { kind: 'computed'; how: string };

export interface Resolved<S extends SettingTable> {
  values: Values<S>;
  sources: Record<keyof S, Source>;
  /** The file read, if any. */
  file: string | undefined;
}

/** A bad value; the resolver prefixes where it came from (`--max-peers`, `TIMENODE_MAX_PEERS`, `FILE: max-peers`). */
export class SettingError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'SettingError';
  }
}

export const CONFIG_FILE_NAME = 'timenode.toml';

export function envName(key: string): string {
  return `TIMENODE_${key.toUpperCase().replace(/-/g, '_')}`;
}

/** The flag options node:util's parseArgs takes for a table, plus --config and --help. */
function flagOptions(table: SettingTable, extra: Record<string, { type: 'boolean' | 'string' }>): NonNullable<Parameters<typeof parseArgs>[0]>['options'] {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = { config: { type: 'string' }, help: { type: 'boolean', short: 'h' }, ...extra };
  for (const [key, s] of Object.entries(table)) options[key] = { type: s.type === 'boolean' ? 'boolean' : 'string', ...(s.multiple && { multiple: true }) };
  return options;
}

export interface ParsedArgs {
  flags: Record<string, string | boolean | (string | boolean)[] | undefined>;
  help: boolean;
}

/** Strict flag parsing against the table; an unknown or malformed flag is a CliError naming it. */
export function parseSettingFlags(table: SettingTable, argv: string[], extra: Record<string, { type: 'boolean' | 'string' }> = {}): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: flagOptions(table, extra), strict: true, allowPositionals: true });
    if (positionals.length > 0) throw new CliError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    const flags = values as ParsedArgs['flags'];
    return { flags, help: flags.help === true };
  } catch (err) {
    if (err instanceof CliError) throw err;
    // node:util's messages name the flag ("Unknown option '--nope'"); keep them, drop the stack.
    throw new CliError((err as Error).message.split(/\.\s/)[0] ?? String(err));
  }
}

/**
 * Every setting from flags, environment, file and defaults. The file is
 * --config FILE (or TIMENODE_CONFIG), else DIR/timenode.toml when the data
 * folder (flag or environment) has one. Throws CliError naming the source.
 */
export function resolveSettings<S extends SettingTable>(table: S, args: ParsedArgs, env: NodeJS.ProcessEnv = process.env, allowMissing = false): Resolved<S> {
  const values: Record<string, unknown> = {};
  const sources: Record<string, Source> = {};
  const configFlag = typeof args.flags.config === 'string' ? args.flags.config : undefined;
  const configPath = configFlag ?? env.TIMENODE_CONFIG;
  let file: string | undefined;
  if (configPath !== undefined) {
    file = resolve(configPath);
    if (!existsSync(file)) throw new CliError(`${configFlag !== undefined ? '--config' : 'TIMENODE_CONFIG'}: ${file} does not exist`);
  } else {
    const data = args.flags.data ?? env.TIMENODE_DATA;
    if (typeof data === 'string' && existsSync(join(data, CONFIG_FILE_NAME))) file = resolve(data, CONFIG_FILE_NAME);
  }
  const fromFile = file === undefined ? {} : readConfigFile(table, file);

  for (const [key, s] of Object.entries(table)) {
    const flag = args.flags[key];
    const envText = env[envName(key)];
    if (flag !== undefined) {
      values[key] = fromFlag(s, flag, `--${key}`);
      sources[key] = { kind: 'flag' };
    } else if (envText !== undefined && envText !== '') {
      values[key] = fromEnv(s, envText, envName(key));
      sources[key] = { kind: 'env', name: envName(key) };
    } else if (key in fromFile && file !== undefined) {
      values[key] = fromFile[key];
      sources[key] = { kind: 'file', file };
    } else {
      if (s.required && !allowMissing) throw new CliError(`missing required flag --${key}${s.flagOnly ? '' : ` (or ${envName(key)}, or ${key} in ${CONFIG_FILE_NAME})`}`);
      values[key] = s.default;
      sources[key] = { kind: 'default' };
    }
  }
  for (const [key, s] of Object.entries(table)) {
    if (sources[key]?.kind !== 'default' || s.computed === undefined) continue;
    values[key] = s.computed(values);
    sources[key] = { kind: 'computed', how: s.defaultText ?? 'from the other settings' };
  }
  return { values: values as Values<S>, sources: sources as Record<keyof S, Source>, file };
}

function parseNamed<T>(s: Setting<T>, text: string, where: string): T {
  try {
    return s.parse(text);
  } catch (err) {
    if (err instanceof SettingError) throw new CliError(`${where}${err.message.startsWith(':') ? '' : ' '}${err.message}`);
    throw err;
  }
}

function fromFlag(s: Setting<unknown>, flag: string | boolean | (string | boolean)[], where: string): unknown {
  if (s.type === 'boolean') return flag === true;
  if (Array.isArray(flag)) return flag.map((f) => parseNamed(s, String(f), where));
  return parseNamed(s, String(flag), where);
}

function fromEnv(s: Setting<unknown>, text: string, name: string): unknown {
  if (s.type === 'boolean') {
    if (/^(1|true|yes)$/i.test(text)) return true;
    if (/^(0|false|no)$/i.test(text)) return false;
    throw new CliError(`${name} must be 1, true, 0 or false, got ${JSON.stringify(text)}`);
  }
  if (s.multiple) return text.split(',').map((part) => parseNamed(s, part.trim(), name));
  return parseNamed(s, text, name);
}

/** The file's settings, each parsed; an unknown key, a wrong type or a bad value is one line naming the key and the file. */
function readConfigFile(table: SettingTable, file: string): Record<string, unknown> {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(readFileSync(file, 'utf8'));
  } catch (err) {
    const first = ((err as Error).message.split('\n')[0] ?? '').trim();
    throw new CliError(`${file}: not valid TOML: ${first}`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(doc)) {
    const s = table[key];
    if (s === undefined || s.flagOnly) throw new CliError(`${file}: unknown key "${key}" (\`timenode config --example\` lists every key)`);
    const where = `${file}: ${key}`;
    const items = s.multiple ? (Array.isArray(raw) ? raw : undefined) : [raw];
    if (items === undefined) throw new CliError(`${where} must be an array of ${s.type}s, got ${describeToml(raw)}`);
    const parsed = items.map((item) => {
      if (!matchesType(s.type, item)) throw new CliError(`${where} must be ${s.multiple ? `an array of ${s.type}s` : s.type === 'integer' ? 'an integer' : `a ${s.type}`}, got ${describeToml(item)}`);
      if (s.type === 'boolean') return item;
      const text = s.path && typeof item === 'string' && !isAbsolute(item) ? join(dirname(file), item) : String(item);
      return parseNamed(s, text, where);
    });
    out[key] = s.multiple ? parsed : parsed[0];
  }
  return out;
}

function matchesType(type: SettingType, v: unknown): boolean {
  if (type === 'boolean') return typeof v === 'boolean';
  if (type === 'integer') return typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v));
  return typeof v === 'string';
}

function describeToml(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  if (typeof v === 'object' && v !== null) return 'a table';
  return `${typeof v === 'bigint' ? 'integer' : typeof v} ${String(v)}`;
}

/** One value as TOML (the form `config --print` and `config --example` write). */
export function tomlValue(s: Setting<unknown>, v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => tomlValue({ ...s, multiple: false }, x)).join(', ')}]`;
  if (s.type === 'string') return JSON.stringify(typeof v === 'string' ? v : String(v));
  return String(v);
}

export function describeSource(src: Source): string {
  switch (src.kind) {
    case 'flag':
      return 'flag';
    case 'env':
      return `env ${src.name}`;
    case 'file':
      return `file ${src.file}`;
    case 'default':
      return 'default';
    case 'computed':
      return `default: ${src.how}`;
  }
}

function flagSyntax(key: string, s: Setting<unknown>): string {
  return s.type === 'boolean' ? `--${key}` : `--${key} ${s.placeholder ?? 'VALUE'}`;
}

/** The usage line (wrapped between items) and one paragraph per setting: what --help prints. */
export function settingsHelp(command: string, table: SettingTable, intro: string): string {
  const items = ['[--config FILE]'];
  for (const [key, s] of Object.entries(table)) {
    const syntax = flagSyntax(key, s);
    items.push(s.required ? syntax : `[${syntax}]${s.multiple ? '...' : ''}`);
  }
  const head = `Usage: timenode ${command} `;
  const lines: string[] = [];
  let line = head;
  for (const item of items) {
    if (line.length + item.length > 100 && line.trim() !== head.trim()) {
      lines.push(line.trimEnd());
      line = ' '.repeat(head.length);
    }
    line += `${item} `;
  }
  lines.push(line.trimEnd());
  const out = [lines.join('\n'), '', intro.trim(), '', 'Settings (flag, then environment, then file, then default):', ''];
  out.push(`  --config FILE`, `      The settings file (TOML; TIMENODE_CONFIG). Without it, DIR/${CONFIG_FILE_NAME} is read if present.`);
  for (const [key, s] of Object.entries(table)) {
    const def = s.defaultText ?? (s.default === undefined || (Array.isArray(s.default) && s.default.length === 0) ? undefined : tomlValue(s, s.default));
    out.push(`  ${flagSyntax(key, s)}${s.flagOnly ? '' : `   (${envName(key)}${def === undefined ? '' : `, default ${def}`})`}`);
    out.push(...wrap(s.help, 92).map((l) => `      ${l}`));
  }
  return out.join('\n') + '\n';
}

/** An annotated TOML file with every key: required ones set to their example, the rest commented out at their default. */
export function exampleFile(table: SettingTable, title: string): string {
  const out = [`# ${title}`, `# Precedence: command-line flags > TIMENODE_* environment > this file > defaults.`, ''];
  for (const [key, s] of Object.entries(table)) {
    if (s.flagOnly) continue;
    out.push(...wrap(s.help, 78).map((l) => `# ${l}`));
    out.push(`# env ${envName(key)}${s.defaultText ? `; default ${s.defaultText}` : ''}`);
    const example = s.example ?? (s.default !== undefined ? tomlValue(s, s.default) : undefined);
    if (s.required) out.push(`${key} = ${example ?? '""'}`);
    else out.push(`# ${key} = ${example ?? (s.multiple ? '[]' : '""')}`);
    out.push('');
  }
  return out.join('\n');
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}
