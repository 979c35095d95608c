// The first call of bin/timenode and of the single-file entry: for `start`,
// the --max-memory the node will run with (flag, TIMENODE_MAX_MEMORY or
// timenode.toml, as `start` resolves it) handed to the process setup, which
// restarts the process with the settings that budget needs. A process that
// restarts throws away all it loaded, so this module loads only what the
// decision needs: the settings table loads only when the quick reading
// (./start-max-memory.ts) cannot tell.
import { DEFAULT_MAX_MEMORY_MB } from '../base/budget';
import { Relaunch, Setup, setUpProcess } from '../node/process-setup';
import { quickMaxMemory } from './start-max-memory';

export function launch(argv: string[], relaunch: Relaunch): Setup {
  if (argv[0] !== 'start') return { run: true };
  const args = argv.slice(1);
  return setUpProcess(argv, relaunch, quickMaxMemory(args, process.env) ?? resolvedMaxMemory(args, process.env));
}

/** undefined when the settings do not resolve: `start` then says what is wrong, in one line. */
export function resolvedMaxMemory(args: string[], env: NodeJS.ProcessEnv): number | undefined {
  const { parseSettingFlags, resolveSettings } = require('./settings') as typeof import('./settings');
  const { START_SETTINGS } = require('./start-settings') as typeof import('./start-settings');
  try {
    const parsed = parseSettingFlags(START_SETTINGS, args);
    if (parsed.help) return undefined;
    return resolveSettings(START_SETTINGS, parsed, env, true).values['max-memory'] ?? DEFAULT_MAX_MEMORY_MB;
  } catch {
    return undefined;
  }
}
