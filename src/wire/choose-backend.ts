// The one rule every wire selector follows. TIMENODE_NATIVE=0: the TS
// backend. TIMENODE_NATIVE=1: the native one, or NativeRequiredError naming
// the path. Unset: whichever bench/hotpath.ts measured faster, with the
// figures in `why`; a native winner whose addon failed to load falls back
// and says why. The addon is loaded only when a path wants it.
import { NativeRequiredError, nativeMode, recordChoice } from '../base/hotpath-selection';
import { Addon, loadAddon } from './native/addon';

export interface Measured {
  /** The default when TIMENODE_NATIVE is unset, from bench/hotpath.ts on the reference machine. */
  winner: 'native' | 'ts';
  /** The figures that decided it: "ts is faster: 2.1M vs 1.4M frames/s on …". */
  why: string;
}

/**
 * `native` builds the native backend from the addon. `byMeasurement` is true
 * when the choice is the measured default (TIMENODE_NATIVE unset) rather than
 * forced by TIMENODE_NATIVE=1: the backend may then keep short inputs on TS,
 * where the call overhead loses (bySize).
 */
export function chooseBackend<T>(path: string, ts: T, native: (addon: Addon, byMeasurement: boolean) => T, measured: Measured): T {
  const mode = nativeMode();
  if (mode === 'off') return useTs('TIMENODE_NATIVE=0');
  if (mode === 'auto' && measured.winner === 'ts') return useTs(measured.why);
  const load = loadAddon();
  if (!load.addon) {
    if (mode === 'required') throw new NativeRequiredError(path, load.error);
    return useTs(`${load.error}; the measured default here is native`, true);
  }
  const impl = path === 'crc32c' ? `timenode addon (${load.addon.crc32cImpl})` : 'timenode addon';
  recordChoice({ path, kind: 'native', impl, why: mode === 'required' ? 'TIMENODE_NATIVE=1' : measured.why });
  return native(load.addon, mode === 'auto');

  function useTs(why: string, failed = false): T {
    recordChoice({ path, kind: 'fallback', impl: 'ts', why, ...(failed && { failed }) });
    return ts;
  }
}

/** Inputs shorter than `from` bytes go to `short`, the rest to `long`. */
export function bySize<R>(from: number, short: (data: Uint8Array) => R, long: (data: Uint8Array) => R): (data: Uint8Array) => R {
  return (data) => (data.length < from ? short(data) : long(data));
}
