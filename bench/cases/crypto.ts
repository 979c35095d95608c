// Crypto: hash, verify and sign through src/crypto with each backend, against
// the same call made straight to sodium-native (raw libsodium) in the same
// process. The backend is chosen when src/crypto loads, from TIMENODE_NATIVE,
// so each runs in its own child (support/crypto-worker.ts): the default
// environment (native where it loads) and TIMENODE_NATIVE=0 (every fallback).
import type { BenchCase, RowInput } from '../case';
import { runWorker } from '../support/children';
import type { CryptoReport } from '../support/crypto-worker';

/** What each child reported, for the machine section of results.json. */
export const lastCryptoReports: { default?: CryptoReport; fallback?: CryptoReport } = {};

export const crypto: BenchCase = {
  names: ['crypto'],
  async run() {
    const rows: RowInput[] = [];
    for (const mode of ['default', 'fallback'] as const) {
      const env = { ...process.env };
      if (mode === 'fallback') env.TIMENODE_NATIVE = '0';
      else delete env.TIMENODE_NATIVE;
      const report = await runWorker<CryptoReport>('crypto-worker', ['60', '9'], env);
      lastCryptoReports[mode] = report;
      for (const op of report.ops) {
        // Named by the backend that actually ran: a default run that fell back reports "<op>_fallback_by_default",
        // which the gate does not know, so a gated "<op>_native" then shows as missing.
        const kind = mode === 'fallback' ? 'fallback' : op.kind === 'native' ? 'native' : `${op.kind}_by_default`;
        rows.push({
          case: 'crypto',
          metric: `${op.op}_${kind}`,
          figure: op.opsPerSec,
          unit: 'ops/s',
          // NaN crosses IPC as null: where raw libsodium did not load (the portable bundle, armv7).
          baseline: op.rawOpsPerSec ?? NaN,
          baselineUnit: 'raw sodium ops/s',
          ratio: op.ratio ?? NaN,
          note: `${op.impl}${op.op === 'verify' ? ', 32 B message, 64 keys in turn' : ', 200 B'}${report.rawError ? `; raw libsodium unavailable: ${report.rawError}` : ''}`,
        });
      }
    }
    return rows;
  },
};
