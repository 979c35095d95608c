// `timenode status --data DIR [--json]`: asks the node running on DIR over
// its control socket (DIR/control.sock) and prints what it is doing.
import { askControlSocket, ControlSocketError } from '../node/control-socket';
import type { NodeStatus } from '../node/status';
import { CliError, Command, parseFlags, required } from './args';
import { renderNodeStatus } from './status-view';

/** The status snapshot of the node running on `dataDir`, asked over its control socket; a one-line CliError when there is none. */
export async function statusOfRunningNode(dataDir: string): Promise<NodeStatus> {
  let answer: unknown;
  try {
    answer = await askControlSocket(dataDir, 'status');
  } catch (err) {
    if (err instanceof ControlSocketError) throw new CliError(err.message, 1);
    throw err;
  }
  if (typeof answer !== 'object' || answer === null) throw new CliError(`the node on ${dataDir} did not give its status`, 1);
  if ('error' in answer) throw new CliError(`the node answered: ${String(answer.error)}`, 1);
  return answer as NodeStatus;
}

export const status: Command = {
  name: 'status',
  usage: `Usage: timenode status --data DIR [--json]

Asks the node running on the data folder DIR (over DIR/control.sock, mode
0600: run it as the node's user) for its identity, network, height and tip,
sync progress, each peer (key, direction, transport, encryption, state, RTT,
height, send-queue use, misbehaviour score), message counts by type, drops
and why, memory against the budget and the hot-path backends. --json prints
the same snapshot as one JSON object.
`,
  async run(argv) {
    const flags = parseFlags(status, argv, { data: { type: 'string' }, json: { type: 'boolean' } });
    if (!flags) return 0;
    const s = await statusOfRunningNode(required(flags.data, '--data'));
    process.stdout.write(flags.json ? `${JSON.stringify(s, null, 2)}\n` : renderNodeStatus(s, Date.now()));
    return 0;
  },
};
