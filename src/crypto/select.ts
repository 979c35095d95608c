// Picks the backend of one crypto path at load time and says why, through
// the hot-path registry (src/base/hotpath-selection.ts).
import { type BackendKind, nativeMode, NativeRequiredError, recordChoice } from '../base/hotpath-selection';

/** Every native crypto path is libsodium through this addon. */
const NATIVE_ADDON = 'sodium-native';

export interface PathChoice<T extends { readonly impl: string }> {
  /** "hash", "sign", "verify", "verify-batch", "random". */
  path: string;
  /** Loads the native backend; throws when the addon is missing or broken. */
  native: () => T;
  /** Loads the fallback; never needs an addon. */
  fallback: () => T;
  /** What bench/crypto.ts measured, native vs fallback ("2.2M/s vs 0.4M/s"): the default follows it. */
  bench: { nativeWins: boolean; figures: string };
}

export function choose<T extends { readonly impl: string }>(choice: PathChoice<T>): T {
  const mode = nativeMode();
  const take = (kind: BackendKind, backend: T, why: string, failed = false): T => {
    recordChoice({ path: choice.path, kind, impl: backend.impl, why, ...(failed && { failed }) });
    return backend;
  };
  if (mode === 'off') return take('fallback', choice.fallback(), 'TIMENODE_NATIVE=0');
  let native: T;
  try {
    native = choice.native();
  } catch (err) {
    const reason = `${NATIVE_ADDON} did not load (${firstLine(err)})`;
    if (mode === 'required') throw new NativeRequiredError(choice.path, reason);
    return take('fallback', choice.fallback(), reason, true);
  }
  if (mode === 'required') return take('native', native, 'TIMENODE_NATIVE=1');
  if (choice.bench.nativeWins) return take('native', native, `native is faster (bench: ${choice.bench.figures})`);
  return take('fallback', choice.fallback(), `fallback is faster (bench: ${choice.bench.figures})`);
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]!;
}
