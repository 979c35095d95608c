// The first call of bin/timenode and of the single-file entry: for `start`,
// the --max-memory the node will run with (flag, TIMENODE_MAX_MEMORY or
// timenode.toml, as `start` resolves it) handed to the process setup, which
// restarts the process with the settings that budget needs.
import { DEFAULT_MAX_MEMORY_MB } from '../base/budget';
import { Relaunch, Setup, setUpProcess } from '../node/process-setup';
import { parseSettingFlags, resolveSettings } from './settings';
import { START_SETTINGS } from './start-settings';

export function launch(argv: string[], relaunch: Relaunch): Setup {
  if (argv[0] !== 'start') return { run: true };
  return setUpProcess(argv, relaunch, startMaxMemory(argv.slice(1)));
}

/** undefined when the settings do not resolve: `start` then says what is wrong, in one line. */
function startMaxMemory(args: string[]): number | undefined {
  try {
    const parsed = parseSettingFlags(START_SETTINGS, args);
    if (parsed.help) return undefined;
    return resolveSettings(START_SETTINGS, parsed, process.env, true).values['max-memory'] ?? DEFAULT_MAX_MEMORY_MB;
  } catch {
    return undefined;
  }
}
