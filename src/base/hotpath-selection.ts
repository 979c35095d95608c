// Which backend each hot path runs on, decided once at load time and
// reported everywhere (start-up log, `timenode info`, status). A node that
// fell back says so: a silent fallback is a silent slowdown.

/** TIMENODE_NATIVE: "0" forces every fallback, "1" refuses to run without the native paths, unset = native where it wins. */
export type NativeMode = 'off' | 'auto' | 'required';

export type BackendKind = 'native' | 'fallback';

export interface BackendChoice {
  /** The hot path: "hash", "verify", "frame-scan", … */
  path: string;
  kind: BackendKind;
  /** The implementation behind it ("sodium-native", "node:crypto", "@noble/hashes", "timenode addon", "ts"). */
  impl: string;
  /** Why this one: "native by default", "TIMENODE_NATIVE=0", "addon not built: …", "ts is faster (bench: …)". */
  why: string;
  /** Native was the choice here and could not be used (addon missing or broken): the one fallback worth a warning. */
  failed?: boolean;
}

export class NativeRequiredError extends Error {
  constructor(readonly path: string, reason: string) {
    super(`native backend required (TIMENODE_NATIVE=1 or --require-native) but ${path} cannot use it: ${reason}`);
    this.name = 'NativeRequiredError';
  }
}

export function nativeMode(env: NodeJS.ProcessEnv = process.env): NativeMode {
  const v = env.TIMENODE_NATIVE;
  if (v === '0') return 'off';
  if (v === '1') return 'required';
  return 'auto';
}

const choices = new Map<string, BackendChoice>();

export function recordChoice(choice: BackendChoice): void {
  choices.set(choice.path, choice);
}

export function backendChoices(): BackendChoice[] {
  return [...choices.values()].sort((a, b) => a.path.localeCompare(b.path));
}
