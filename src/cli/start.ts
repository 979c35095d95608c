// `timenode start`: one node in this process. Every way it can fail to start
// (bad flag, unreadable genesis or key, port in use) ends in one line naming
// the problem and a non-zero exit.
import { readFileSync } from 'node:fs';
import { parseGenesis } from '../chain/genesis';
import { configFor } from '../base/config';
import { keyFileModeWarning, loadOrCreateKey } from '../node/keyfile';
import { DataLockError, lockDataFolder } from '../node/data-lock';
import { createLogger, DEFAULT_RATE_LIMIT, Logger, RootLogger, stderrIsJournal } from '../base/log';
import { ControlSocketError } from '../node/control-socket';
import { MetricsListenError } from '../node/metrics-server';
import { Node } from '../node/node';
import { loadSerialPort } from '../net/serial-transport';
import { decodeMessage } from '../wire/messages';
import { DEFAULT_CHAIN_LIMITS } from '../chain/chain';
import { processSettingsLine } from '../node/process-setup';
import { applyBudget } from '../node/apply-budget';
import { BudgetSplit, DEFAULT_MAX_MEMORY_MB, describeSplit, splitBudget } from '../base/budget';
import { backendChoices } from '../base/hotpath-selection';
import { CliError, Command } from './args';
import { parseSettingFlags, resolveSettings, settingsHelp } from './settings';
import { START_SETTINGS, StartSettings } from './start-settings';
import { peerCaps } from './peer-caps';
import type { NodeCommand } from './devnet';

/** A clean stop (peers closed, store and address book flushed) takes well under a second; past this the process exits anyway. */
const STOP_DEADLINE_MS = 5000;

/** How often a parent process (the devnet runner, tests) gets a status snapshot over IPC. */
export const STATUS_EVERY_MS = 1000;

const START_INTRO = `Runs one node. Every setting below can also come from the environment
(TIMENODE_*) or a TOML file (--config FILE, or DIR/timenode.toml);
\`timenode config --print\` shows the effective values and where each came from,
\`timenode config --example\` an annotated file.`;

export const start: Command = {
  name: 'start',
  usage: settingsHelp('start', START_SETTINGS, START_INTRO),
  async run(argv) {
    const args = parseSettingFlags(START_SETTINGS, argv);
    if (args.help) {
      process.stdout.write(start.usage);
      return 0;
    }
    const settings = resolveSettings(START_SETTINGS, args).values;
    const dataDir = settings.data as string;
    const genesisFile = settings.genesis as string;
    const listen = settings.listen as string;
    const peers = settings.peer ?? [];
    const profile = settings.profile ?? 'default';
    const level = settings['log-level'] ?? 'info';
    if (settings['require-native']) requireNative();
    const serial = settings.serial ?? [];
    if (serial.length > 0) {
      try {
        loadSerialPort();
      } catch (err) {
        throw new CliError(`--serial: ${(err as Error).message}`);
      }
    }

    const profileConfig = configFor(profile);
    const caps = peerCaps(settings['max-peers']?.toString(), settings['max-inbound']?.toString(), profileConfig.limits);

    let text: string;
    try {
      text = readFileSync(genesisFile, 'utf8');
    } catch (err) {
      throw new CliError(`cannot read genesis file ${genesisFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const genesis = parseGenesis(text, genesisFile);
    // Held for the life of the process; the kernel drops it at exit, however we exit.
    await lockDataFolder(dataDir).catch((err: unknown) => {
      throw err instanceof DataLockError ? new CliError(err.message, 1) : err;
    });
    const { keys, created } = loadOrCreateKey(dataDir);
    const log = createLogger('node', level, undefined, { format: settings['log-format'] ?? 'text', journald: stderrIsJournal(), rateLimit: DEFAULT_RATE_LIMIT });
    process.on('SIGHUP', () => reload(argv, settings, log));
    if (created) log.info(`created a new node key in ${dataDir}`, { public: keys.publicKey.toString('hex') });
    const keyWarning = keyFileModeWarning(dataDir);
    if (keyWarning) log.warn(keyWarning);

    const maxMemoryMb = settings['max-memory'] ?? DEFAULT_MAX_MEMORY_MB;
    // Never undefined: the settings table computes the default from the cores and --max-memory (verifyThreadsFor).
    const verifyThreads = settings['verify-threads'] as number;
    const base = { ...profileConfig, limits: { ...profileConfig.limits, ...caps }, links: { allowPlaintext: settings['allow-plaintext'] ?? false } };
    let budget: BudgetSplit;
    try {
      budget = splitBudget(maxMemoryMb, base.limits.maxPeers, verifyThreads);
    } catch (err) {
      throw new CliError((err as Error).message);
    }
    const sized = applyBudget(budget, base.limits, DEFAULT_CHAIN_LIMITS);
    log.info(describeSplit(budget, base.limits.maxPeers));
    const settingsLine = processSettingsLine(maxMemoryMb);
    (settingsLine.ok ? log.info : log.warn)(settingsLine.message, settingsLine.fields);
    const node = new Node({ keys, genesis, dataDir, listen, peers, serial, config: { ...base, limits: sized.limits }, chainLimits: sized.chain, log, budgetBytes: budget.totalBytes, metrics: settings.metrics });
    // Installed before the node starts and never removed: a signal that arrives while a
    // handler is swapped is lost by libuv, and one during start-up still means a clean stop.
    const shutdown = new Shutdown(log);
    try {
      await node.start();
    } catch (err) {
      await node.stop().catch(() => undefined);
      if (err instanceof ControlSocketError) throw new CliError(err.message);
      const code = (err as NodeJS.ErrnoException).code;
      if (err instanceof MetricsListenError) throw new CliError(err.message);
      if (code === 'EADDRINUSE') throw new CliError(`cannot listen on ${listen}: address already in use (is another node running?)`);
      if (code === 'EADDRNOTAVAIL') throw new CliError(`cannot listen on ${listen}: no such local address`);
      throw new CliError(`cannot listen on ${listen}: ${(err as Error).message}`);
    }
    return shutdown.serve(node);
  },
};

/**
 * SIGHUP: the settings are read again (flags, environment, file). The log
 * level takes effect at once; logs go to stderr, which systemd or the
 * shell owns, so there is no file to reopen; any other change is named as
 * needing a restart. A bad file is logged and the running settings kept.
 */
function reload(argv: string[], running: StartSettings, log: RootLogger): void {
  let next: ReturnType<typeof resolveSettings<typeof START_SETTINGS>>;
  try {
    next = resolveSettings(START_SETTINGS, parseSettingFlags(START_SETTINGS, argv));
  } catch (err) {
    log.warn(`SIGHUP: settings not reloaded: ${(err as Error).message}`);
    return;
  }
  const level = next.values['log-level'] ?? 'info';
  log.setLevel(level);
  const changed = Object.keys(START_SETTINGS).filter((k) => k !== 'log-level' && JSON.stringify(next.values[k as keyof typeof START_SETTINGS]) !== JSON.stringify(running[k as keyof StartSettings]));
  log.info(`SIGHUP: settings re-read${next.file ? ` from ${next.file}` : ''}; log level ${level}${changed.length > 0 ? `; needs a restart to apply: ${changed.join(', ')}` : ''}`);
}

/** --require-native from the environment or the file (the flag itself is acted on by bin/timenode before any module loads). */
function requireNative(): void {
  const fallback = backendChoices().filter((c) => c.kind !== 'native');
  if (fallback.length > 0) throw new CliError(`native backends required (require-native) but ${fallback.map((c) => `${c.path} runs ${c.impl}: ${c.why}`).join('; ')}`, 1);
}

/** A tx handed over by the devnet runner: decoded with the full wire schema, then treated as if a peer sent it. */
function submit(node: Node, payloadHex: string): void {
  const msg = decodeMessage(Buffer.from(payloadHex, 'hex'));
  if (msg.type === 'tx' && !('unknown' in msg)) node.chain.submitTx(msg.tx);
}

/**
 * Runs until SIGINT/SIGTERM (or a "stop" message from a parent, or the
 * parent's death), then stops cleanly and logs "stopped"; a second signal
 * exits at once.
 */
class Shutdown {
  private node: Node | undefined;
  private requested = false;
  private finish: ((code: number) => void) | undefined;

  constructor(private readonly log: Logger) {
    const onSignal = (signal: NodeJS.Signals): void => {
      if (this.requested) {
        this.log.warn(`${signal} again: exiting without a clean stop`);
        process.exit(1);
      }
      this.log.info(`${signal}: stopping`);
      this.request();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }

  serve(node: Node): Promise<number> {
    this.node = node;
    const report = (): void => {
      process.send?.({ kind: 'status', status: node.status() });
    };
    const timer = process.send ? setInterval(report, STATUS_EVERY_MS) : undefined;
    if (process.send) report();
    process.on('message', (msg: NodeCommand) => {
      if (msg === 'stop') this.request();
      else if (msg === 'status') report();
      else if (typeof msg === 'object' && msg.kind === 'submit') submit(node, msg.payload);
    });
    // A parent that dies must not leave us running as an orphan.
    process.once('disconnect', () => this.request());
    return new Promise<number>((resolve) => {
      this.finish = (code) => {
        if (timer) clearInterval(timer);
        resolve(code);
      };
      if (this.requested) this.stopNode();
    });
  }

  private request(): void {
    if (this.requested) return;
    this.requested = true;
    if (this.finish) this.stopNode();
  }

  private stopNode(): void {
    const node = this.node as Node;
    const finish = this.finish as (code: number) => void;
    // A stop that hangs (a peer socket, a disk) must not keep a service manager waiting for its kill timeout.
    const deadline = setTimeout(() => {
      this.log.error(`stop did not finish within ${STOP_DEADLINE_MS} ms: exiting without it`);
      process.exit(1);
    }, STOP_DEADLINE_MS);
    const done = (code: number): void => {
      clearTimeout(deadline);
      // The IPC channel would keep the process alive after the node has stopped.
      if (process.connected) process.disconnect();
      finish(code);
    };
    node.stop().then(
      () => {
        this.log.info('stopped');
        done(0);
      },
      (err: unknown) => {
        this.log.error(`stop failed: ${(err as Error).message}`);
        done(1);
      },
    );
  }
}
