// Entry point of ./bin/timenode: picks the command, turns every expected
// failure into one line on stderr and an exit code.
import { BlockStoreError } from '../chain/block-store';
import { GenesisError } from '../chain/genesis';
import { ControlSocketError } from '../node/control-socket';
import { KeyFileError } from '../node/keyfile';
import { version } from '../sea/runtime';
import { CliError, Command } from './args';
import { bench, benchWorker } from './bench';
import { config } from './config-command';
import { devnet } from './devnet';
import { genesis } from './genesis';
import { info } from './info';
import { keygen } from './keygen';
import { start } from './start';
import { status } from './status';

const COMMANDS: Command[] = [keygen, genesis, start, status, config, devnet, info, bench, benchWorker];

const USAGE = `Usage: timenode <command> [flags]

Commands:
  keygen    create DIR/node.key and print the public key
  genesis   print a genesis file
  start     run one node
  status    what the node running on a data folder is doing (--json for machines)
  config    the settings start would use and where each came from (--print), or an annotated file (--example)
  devnet    run a local devnet of N nodes with a live status view
  info      version, packaging, platform and which hot paths run native
  bench     measure RTT, relay, sync, codec, crypto and memory; print a Markdown report

Run \`timenode <command> --help\` for a command's flags, \`timenode --version\` for the version.
`;

export async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    process.exitCode = name === undefined ? 2 : 0;
    return;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`timenode ${version()}\n`);
    return;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`timenode: unknown command ${JSON.stringify(name)} (try --help)\n`);
    process.exitCode = 2;
    return;
  }
  try {
    process.exitCode = await command.run(rest);
  } catch (err) {
    if (err instanceof CliError || err instanceof GenesisError || err instanceof KeyFileError || err instanceof BlockStoreError || err instanceof ControlSocketError) {
      process.stderr.write(`timenode ${name}: ${err.message}\n`);
      process.exitCode = err instanceof CliError ? err.exitCode : 1;
      return;
    }
    throw err;
  }
}
