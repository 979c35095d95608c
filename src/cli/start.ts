// `timenode start`: one node in this process. Every way it can fail to start
// (bad flag, unreadable genesis or key, port in use) ends in one line naming
// the problem and a non-zero exit.
import { existsSync, readFileSync } from 'node:fs';
import { parseGenesis } from '../chain/genesis';
import { availableParallelism } from 'node:os';
import { configFor, MAX_VERIFY_THREADS, Profile } from '../node/config';
import { loadOrCreateKey } from '../node/keyfile';
import { createLogger, Level } from '../node/log';
import { Node } from '../node/node';
import { parseEndpoint } from '../net/ip';
import { DEFAULT_BAUD, parseSerialSpec, SerialSpec } from '../net/serial-spec';
import { loadSerialPort } from '../net/serial-transport';
import { decodeMessage } from '../wire/messages';
import { DEFAULT_CHAIN_LIMITS } from '../chain/chain';
import { processSettingsWarnings } from '../node/process-settings';
import { applyBudget, BudgetSplit, DEFAULT_MAX_MEMORY_MB, describeSplit, splitBudget, verifyThreadsFor } from '../node/budget';
import { CliError, Command, parseFlags, positiveInt, required } from './args';
import { peerCaps } from './peer-caps';
import type { NodeCommand } from './devnet';

/** How often a parent process (the devnet runner, tests) gets a status snapshot over IPC. */
export const STATUS_EVERY_MS = 1000;

export const start: Command = {
  name: 'start',
  usage: `Usage: timenode start --data DIR --genesis FILE --listen IP:PORT [--peer IP:PORT]... [--profile devnet]
                      [--serial PATH[:BAUD]]... [--max-memory MB] [--max-peers N] [--max-inbound N] [--verify-threads N]
                      [--require-native] [--log-level debug|info|warn|error]

Runs one node. DIR holds node.key (created if absent), blocks.dat,
peers.json and bans.json. --profile devnet uses the devnet timings of
PROTOCOL.md §6 (ping every 1 s, pong deadline 2 s). --max-memory (default
${DEFAULT_MAX_MEMORY_MB} MB, on top of the Node runtime's own ~50 MB) is split across send
queues, inbound frames, the tx pool, the seen cache, sync answers and the
address book; the split is logged at start. --max-peers (default 32, at
most 1024) caps connections, --max-inbound (default 24, or --max-peers if
smaller) the inbound ones among them; each peer's send queue is its share
of the budget, so more peers means smaller queues. --verify-threads N runs
signature checks on N worker threads (0 = on the main thread); the default
is one per core beyond the first, as many as fit in a quarter of
--max-memory (each counts ~10 MB inside it), so 0 on a one-core board.
--require-native (or
TIMENODE_NATIVE=1) refuses to start unless every hot path runs native;
TIMENODE_NATIVE=0 forces the no-addon fallbacks. --serial keeps a peer
link over a serial port (a UART, a USB-serial adapter: README, "Serial
links"), at BAUD (default ${DEFAULT_BAUD}, 8N1, no flow control); the port is
reopened with backoff when it vanishes.
`,
  async run(argv) {
    const flags = parseFlags(start, argv, {
      data: { type: 'string' },
      genesis: { type: 'string' },
      listen: { type: 'string' },
      peer: { type: 'string', multiple: true },
      serial: { type: 'string', multiple: true },
      profile: { type: 'string' },
      'log-level': { type: 'string' },
      'max-memory': { type: 'string' },
      'max-peers': { type: 'string' },
      'max-inbound': { type: 'string' },
      'verify-threads': { type: 'string' },
      // Acted on by bin/timenode before any module loads (it sets TIMENODE_NATIVE=1); accepted here so --help lists it.
      'require-native': { type: 'boolean' },
    });
    if (!flags) return 0;
    const dataDir = required(flags.data, '--data');
    const genesisFile = required(flags.genesis, '--genesis');
    const listen = required(flags.listen, '--listen');
    const peers = flags.peer ?? [];
    const verifyThreadsFlag = parseVerifyThreads(flags['verify-threads']);
    for (const [flag, value] of [['--listen', listen], ...peers.map((p) => ['--peer', p])] as [string, string][]) {
      try {
        parseEndpoint(value);
      } catch (err) {
        throw new CliError(`${flag}: ${(err as Error).message}`);
      }
    }
    const serial = (flags.serial ?? []).map(serialFlag);
    if (serial.length > 0) {
      try {
        loadSerialPort();
      } catch (err) {
        throw new CliError(`--serial: ${(err as Error).message}`);
      }
    }
    const profile = (flags.profile ?? 'default') as Profile;
    if (profile !== 'default' && profile !== 'devnet') throw new CliError(`--profile must be "default" or "devnet", got ${JSON.stringify(flags.profile)}`);
    const level = (flags['log-level'] ?? 'info') as Level;
    if (!['debug', 'info', 'warn', 'error'].includes(level)) throw new CliError(`--log-level must be debug, info, warn or error, got ${JSON.stringify(level)}`);

    const profileConfig = configFor(profile);
    const caps = peerCaps(flags['max-peers'], flags['max-inbound'], profileConfig.limits);

    let text: string;
    try {
      text = readFileSync(genesisFile, 'utf8');
    } catch (err) {
      throw new CliError(`cannot read genesis file ${genesisFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const genesis = parseGenesis(text, genesisFile);
    const { keys, created } = loadOrCreateKey(dataDir);
    const log = createLogger('node', level);
    if (created) log.info(`created a new node key in ${dataDir}`, { public: keys.publicKey.toString('hex') });

    const maxMemoryMb = positiveInt(flags['max-memory'], '--max-memory', DEFAULT_MAX_MEMORY_MB);
    const verifyThreads = verifyThreadsFlag ?? verifyThreadsFor(availableParallelism(), maxMemoryMb);
    const base = { ...profileConfig, limits: { ...profileConfig.limits, ...caps } };
    let budget: BudgetSplit;
    try {
      budget = splitBudget(maxMemoryMb, base.limits.maxPeers, verifyThreads);
    } catch (err) {
      throw new CliError((err as Error).message);
    }
    const sized = applyBudget(budget, base.limits, DEFAULT_CHAIN_LIMITS);
    log.info(describeSplit(budget, base.limits.maxPeers));
    for (const warning of processSettingsWarnings(maxMemoryMb)) log.warn(warning);
    const node = new Node({ keys, genesis, dataDir, listen, peers, serial, config: { ...base, limits: sized.limits }, chainLimits: sized.chain, log });
    try {
      await node.start();
    } catch (err) {
      await node.stop().catch(() => undefined);
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new CliError(`cannot listen on ${listen}: address already in use (is another node running?)`);
      if (code === 'EADDRNOTAVAIL') throw new CliError(`cannot listen on ${listen}: no such local address`);
      throw new CliError(`cannot listen on ${listen}: ${(err as Error).message}`);
    }
    return waitForShutdown(node);
  },
};

/** --verify-threads N, undefined when not given; a bad value is a one-line error naming the flag. */
function parseVerifyThreads(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n > MAX_VERIFY_THREADS) {
    throw new CliError(`--verify-threads must be a whole number from 0 to ${MAX_VERIFY_THREADS}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** `--serial PATH[:BAUD]`: a device that does not exist now is an error at start (a typo), not a port to wait for. */
function serialFlag(text: string): SerialSpec {
  let spec: SerialSpec;
  try {
    spec = parseSerialSpec(text);
  } catch (err) {
    throw new CliError(`--serial: ${(err as Error).message}`);
  }
  if (!existsSync(spec.path)) throw new CliError(`--serial: ${spec.path} does not exist (is the adapter plugged in? ls /dev/serial/by-id)`);
  return spec;
}

/** A tx handed over by the devnet runner: decoded with the full wire schema, then treated as if a peer sent it. */
function submit(node: Node, payloadHex: string): void {
  const msg = decodeMessage(Buffer.from(payloadHex, 'hex'));
  if (msg.type === 'tx' && !('unknown' in msg)) node.chain.submitTx(msg.tx);
}

/** Runs until SIGINT/SIGTERM (or a "stop" message from a parent), then stops cleanly. */
function waitForShutdown(node: Node): Promise<number> {
  return new Promise((resolve) => {
    const report = (): void => {
      process.send?.({ kind: 'status', status: node.status() });
    };
    const timer = process.send ? setInterval(report, STATUS_EVERY_MS) : undefined;
    if (process.send) report();
    let stopping = false;
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      if (timer) clearInterval(timer);
      const done = (code: number): void => {
        // The IPC channel would keep the process alive after the node has stopped.
        if (process.connected) process.disconnect();
        resolve(code);
      };
      node.stop().then(
        () => done(0),
        () => done(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    process.on('message', (msg: NodeCommand) => {
      if (msg === 'stop') stop();
      else if (msg === 'status') report();
      else if (typeof msg === 'object' && msg.kind === 'submit') submit(node, msg.payload);
    });
    // A parent that dies must not leave us running as an orphan.
    process.once('disconnect', stop);
  });
}
