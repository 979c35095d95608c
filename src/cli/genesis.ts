import { formatGenesis, MIN_INTERVAL_MS, parseGenesis } from '../chain/genesis';
import { CliError, Command, parseFlags, required } from './args';

/** PROTOCOL.md §6: what `genesis` writes when no --interval is given. */
export const DEFAULT_INTERVAL_MS = 600_000;

export const genesis: Command = {
  name: 'genesis',
  usage: `Usage: timenode genesis --network NAME --interval MS --masternode HEX [--masternode HEX]... [--time MS]

Prints a genesis file (PROTOCOL.md §7) on stdout. --interval defaults to
${DEFAULT_INTERVAL_MS} ms; --time to now.
`,
  async run(argv) {
    const flags = parseFlags(genesis, argv, {
      network: { type: 'string' },
      interval: { type: 'string' },
      masternode: { type: 'string', multiple: true },
      time: { type: 'string' },
    });
    if (!flags) return 0;
    const network = required(flags.network, '--network');
    const interval = flags.interval === undefined ? DEFAULT_INTERVAL_MS : Number(flags.interval);
    if (!Number.isSafeInteger(interval) || interval < MIN_INTERVAL_MS) {
      throw new CliError(`--interval must be an integer of at least ${MIN_INTERVAL_MS} ms, got ${JSON.stringify(flags.interval)}`);
    }
    const time = flags.time === undefined ? Date.now() : Number(flags.time);
    if (!Number.isSafeInteger(time) || time < 0) throw new CliError(`--time must be Unix time in ms, got ${JSON.stringify(flags.time)}`);
    const keys = flags.masternode ?? [];
    if (keys.length === 0) throw new CliError('at least one --masternode HEX is required');
    const seen = new Set<string>();
    const masternodes = keys.map((hex, i) => {
      if (!/^[0-9a-f]{64}$/.test(hex)) throw new CliError(`--masternode #${i + 1} must be 64 lower-case hex characters, got ${JSON.stringify(hex)}`);
      if (seen.has(hex)) throw new CliError(`--masternode ${hex} is given twice`);
      seen.add(hex);
      return Buffer.from(hex, 'hex');
    });
    const text = formatGenesis({ network, time, interval, masternodes });
    parseGenesis(text, 'the genesis these flags describe'); // refuses what a node would refuse, e.g. a network name over 32 bytes
    process.stdout.write(text);
    return 0;
  },
};
