// `timenode bench`: the benchmark suite of bench/ on this machine, printed as
// a Markdown report an operator can paste into an issue. The suite is loaded
// only when this command runs, so `start` never pays for it.
import { CliError, Command, parseFlags, positiveInt } from './args';

export const bench: Command = {
  name: 'bench',
  usage: `Usage: timenode bench [--runs N] [--only CASES] [--gate] [--out FILE]

Runs the benchmark suite (RTT, relay, codec, crypto, sync, memory and start)
on this machine and prints a Markdown report: each figure beside a baseline
measured in the same run (raw socket, raw libsodium, JSON lines) and their
ratio. Nodes run as child processes on 127.0.10.x, ports 24701-24710.
Takes about a minute per run on a 2-core x64; several on a Raspberry Pi.

  --runs N      runs of every case; each ratio is the median (default 3)
  --only CASES  comma-separated subset: rtt,relay,codec,crypto,sync,memory
  --gate        only the ratios bench/gate.json gates, and judge them
                (thresholds set on the x64 CI machine: informative here)
  --out FILE    where to write the JSON results (default: bench/results.json
                in a source tree; none from dist/timenode.cjs or a binary)

How to read the report: README, section "Benchmarks".
`,
  async run(argv) {
    const flags = parseFlags(bench, argv, {
      runs: { type: 'string' },
      only: { type: 'string' },
      gate: { type: 'boolean' },
      out: { type: 'string' },
    });
    if (!flags) return 0;
    const suite = require('../../bench/run') as typeof import('../../bench/run');
    const args = ['--markdown'];
    if (flags.gate) args.push('--gate');
    if (flags.runs !== undefined) args.push('--runs', String(positiveInt(flags.runs, '--runs', 1)));
    if (flags.only !== undefined) args.push('--only', flags.only);
    if (flags.out !== undefined) args.push('--out', flags.out);
    let options: ReturnType<typeof suite.parseBenchArgs>;
    try {
      options = suite.parseBenchArgs(args);
    } catch (err) {
      throw new CliError((err as Error).message);
    }
    return suite.runBench(options);
  },
};

/**
 * `timenode bench-worker NAME [ARGS]`: a helper process of `timenode bench`
 * (bench/support/workers.ts: echo-server, frame-pipe,
 * crypto-worker). Not listed in --help: only the bench starts it, through the
 * same entry point it runs from, so the single-file builds need nothing
 * beside them. The single-file builds dispatch it in src/sea/main.ts before
 * the other commands load (the echo server is the bench's bare-process
 * baseline); from bin/timenode it comes here, after them.
 */
export const benchWorker: Command = {
  name: 'bench-worker',
  usage: `Usage: timenode bench-worker NAME [ARGS]

Internal: one helper process of \`timenode bench\` (echo-server, frame-pipe,
crypto-worker), started by the bench itself over IPC.
`,
  async run(argv) {
    if (argv[0] === '--help' || argv[0] === '-h') {
      process.stdout.write(benchWorker.usage);
      return 0;
    }
    const workers = require('../../bench/support/workers') as typeof import('../../bench/support/workers');
    return workers.benchWorkerMain(argv);
  },
};
