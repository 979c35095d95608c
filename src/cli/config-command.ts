// `timenode config`: --print shows each setting `start` would use with the
// same flags, environment and file, and where the value came from;
// --example prints an annotated timenode.toml with every key.
import { Command, CliError } from './args';
import { describeSource, exampleFile, parseSettingFlags, resolveSettings, SettingTable, tomlValue } from './settings';
import { START_SETTINGS } from './start-settings';

export const config: Command = {
  name: 'config',
  usage: `Usage: timenode config --print [start's flags]
       timenode config --example

--print resolves the settings exactly as \`timenode start\` would (flags >
TIMENODE_* environment > --config FILE or DIR/timenode.toml > defaults) and
prints each as TOML with its source; a bad value or unknown key is the same
one-line error start gives. --example prints an annotated file to start from.
`,
  async run(argv) {
    const args = parseSettingFlags(START_SETTINGS, argv, { print: { type: 'boolean' }, example: { type: 'boolean' } });
    if (args.help) {
      process.stdout.write(config.usage);
      return 0;
    }
    if (args.flags.example === true) {
      process.stdout.write(exampleFile(START_SETTINGS, 'timenode.toml: the settings of `timenode start` (`timenode config --example`)'));
      return 0;
    }
    if (args.flags.print !== true) throw new CliError('say --print or --example');
    const resolved = resolveSettings(START_SETTINGS, args, process.env, true);
    const rows = Object.entries(START_SETTINGS as SettingTable).map(([key, s]) => {
      const value = resolved.values[key as keyof typeof START_SETTINGS];
      const shown = value === undefined ? `# ${key} (not set${s.defaultText ? `: ${s.defaultText}` : ''})` : `${key} = ${tomlValue(s, value)}`;
      return [shown, describeSource(resolved.sources[key as keyof typeof START_SETTINGS])] as const;
    });
    const width = Math.max(...rows.map(([shown]) => shown.length));
    if (resolved.file) process.stdout.write(`# file: ${resolved.file}\n`);
    for (const [shown, source] of rows) process.stdout.write(`${shown.padEnd(width)}  # ${source}\n`);
    return 0;
  },
};
