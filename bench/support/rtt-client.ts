// The RTT case's client as a process of its own (`timenode bench-worker
// rtt-client DIR`): it starts the node and the echo, pins itself and them
// (support/cpu-placement.ts), pings both and answers with the rows over IPC.
// A fresh process each run, so the client's state is the same in every run,
// not whatever the cases before it left in the bench process (cases/rtt.ts
// says what that did to the ratio).
import { measureRtt } from '../cases/rtt';

export function main(args: string[]): void {
  const dir = args[0];
  if (dir === undefined) throw new Error('rtt-client: usage: rtt-client DIR');
  measureRtt(dir).then(
    (rows) => process.send?.(rows, () => process.exit(0)),
    (err: unknown) => {
      // Exiting kills the node and the echo too (support/children.ts).
      process.stderr.write(`rtt-client: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
