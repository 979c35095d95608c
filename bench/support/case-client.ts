// A case's client side as a process of its own (`timenode bench-worker
// case-client CASE DIR [KEY...]`): it starts the node, acts as its peers and
// answers with the rows over IPC. A fresh process each run, so the peers'
// state is the same in every run, not whatever the cases before it left in
// the bench process: RTT measured 1.26–1.41 from the bench process after the
// other cases and 1.13–1.15 from a fresh one (cases/rtt.ts), and relay's
// peers, in the bench process after RTT, codec and crypto, cost the node
// a tenth of its rate (cases/relay.ts).
import type { RowInput } from '../case';

/** A measurement run in the client process: `wanted` says which "case.metric" keys the run asked for. */
type Measure = (dir: string, wanted: (key: string) => boolean) => Promise<RowInput[]>;

const MEASURES: Record<string, () => Measure> = {
  rtt: () => (require('../cases/rtt') as typeof import('../cases/rtt')).measureRtt,
  relay: () => (require('../cases/relay') as typeof import('../cases/relay')).measureRelay,
};

export function main(args: string[]): void {
  const [name, dir, ...keys] = args;
  const measure = name === undefined ? undefined : MEASURES[name];
  if (measure === undefined || dir === undefined) throw new Error(`case-client: usage: case-client ${Object.keys(MEASURES).join('|')} DIR [KEY...]`);
  measure()(dir, (key) => keys.includes(key)).then(
    (rows) => process.send?.(rows, () => process.exit(0)),
    (err: unknown) => {
      // Exiting kills the node and the other helpers too (support/children.ts).
      process.stderr.write(`case-client ${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
