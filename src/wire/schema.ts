// Field checkers for message schemas. Each returns the typed value or throws
// a WireError whose `where` is the path to the field ("inputs[3].index"), so
// a refusal names exactly what the peer got wrong.
import { CborFloat, CborMap, CborValue } from './cbor';
import { WireError } from './errors';

export type Check<T> = (value: CborValue) => T;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

function describe(value: CborValue): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (value instanceof CborFloat) return `a float (${value.value})`;
  if (Buffer.isBuffer(value)) return `a ${value.length}-byte byte string`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'bigint') return `integer ${value}`;
  if (typeof value === 'object') return 'a map';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function fail(expected: string, value: CborValue): never {
  throw new WireError(`expected ${expected}, got ${describe(value)}`);
}

/** Re-throws a nested field's error with its path prefixed. */
function within<T>(path: string, value: CborValue, check: Check<T>): T {
  try {
    return check(value);
  } catch (err) {
    if (err instanceof WireError) throw new WireError(err.reason, err.where ? `${path}${err.where.startsWith('[') ? '' : '.'}${err.where}` : path);
    throw err;
  }
}

/** An unsigned integer within JS's safe range (heights, times, ports never need more). */
export const uint: Check<number> = (v) => {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_SAFE) return v;
  if (typeof v === 'bigint' && v >= 0n) throw new WireError(`integer ${v} exceeds 2^53-1`);
  return fail('an unsigned integer', v);
};

/** An unsigned integer over the whole u64 range (amounts). */
export const u64: Check<bigint> = (v) => {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'bigint' && v >= 0n && v < 1n << 64n) return v;
  return fail('an unsigned 64-bit integer', v);
};

export const bool: Check<boolean> = (v) => (typeof v === 'boolean' ? v : fail('a boolean', v));

export function bytes(size: number): Check<Buffer> {
  return (v) => (Buffer.isBuffer(v) && v.length === size ? v : fail(`a ${size}-byte byte string`, v));
}

/** Text bounded in UTF-8 bytes, as PROTOCOL.md counts it. */
export function text(maxBytes: number): Check<string> {
  return (v) => {
    if (typeof v !== 'string') return fail('text', v);
    // Cheap test first: a string of n UTF-16 units is at most 3n UTF-8 bytes.
    if (v.length * 3 > maxBytes && Buffer.byteLength(v, 'utf8') > maxBytes) {
      throw new WireError(`text of ${Buffer.byteLength(v, 'utf8')} bytes exceeds ${maxBytes}`);
    }
    return v;
  };
}

export function oneOf<T extends string>(values: readonly T[]): Check<T> {
  return (v) => ((values as readonly CborValue[]).includes(v) ? (v as T) : fail(`one of ${values.join(', ')}`, v));
}

export function array<T>(max: number, item: Check<T>): Check<T[]> {
  return (v) => {
    if (!Array.isArray(v)) return fail('an array', v);
    if (v.length > max) throw new WireError(`array of ${v.length} exceeds ${max}`);
    const out = new Array<T>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = within(`[${i}]`, v[i], item);
    return out;
  };
}

/** A field a message may leave out (PROTOCOL.md says "optional"); when present it must pass its check. */
export type OptionalCheck<T> = Check<T | undefined> & { readonly optional: true };

export function optional<T>(check: Check<T>): OptionalCheck<T> {
  return Object.assign((v: CborValue) => (v === undefined ? undefined : check(v)), { optional: true as const });
}

type Shape = Record<string, Check<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends { readonly optional: true } ? K : never }[keyof S];
type Flatten<T> = { [K in keyof T]: T[K] };
export type Shaped<S extends Shape> = Flatten<
  { [K in Exclude<keyof S, OptionalKeys<S>>]: S[K] extends Check<infer T> ? T : never } & {
    [K in OptionalKeys<S>]?: S[K] extends OptionalCheck<infer T> ? T : never;
  }
>;

export function isMap(v: CborValue): v is CborMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v) && !(v instanceof CborFloat) && Object.getPrototypeOf(v) === null;
}

/** A check of a map that names the fields it reads, so a decoder can skip the others. */
export type RecordCheck<T> = Check<T> & { readonly fields: readonly string[] };

/** A map with exactly these known fields; unknown keys are ignored (PROTOCOL.md §1). */
export function record<S extends Shape>(shape: S): RecordCheck<Shaped<S>> {
  const keys = Object.keys(shape);
  const check: Check<Shaped<S>> = (v) => {
    if (!isMap(v)) return fail('a map', v);
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      const value = within(key, v[key], shape[key] as Check<unknown>);
      if (value !== undefined) out[key] = value;
    }
    return out as Shaped<S>;
  };
  return Object.assign(check, { fields: keys as readonly string[] });
}
