import { loadOrCreateKey } from '../node/keyfile';
import { Command, parseFlags, required } from './args';

export const keygen: Command = {
  name: 'keygen',
  usage: `Usage: timenode keygen --data DIR

Creates DIR/node.key (mode 0600) unless it exists, and prints the node's
public key as 64 lower-case hex characters.
`,
  async run(argv) {
    const flags = parseFlags(keygen, argv, { data: { type: 'string' } });
    if (!flags) return 0;
    const { keys } = loadOrCreateKey(required(flags.data, '--data'));
    process.stdout.write(`${keys.publicKey.toString('hex')}\n`);
    return 0;
  },
};
