// `timenode devnet` (what `npm start` runs): N nodes as separate processes
// on 127.0.0.1, 127.0.0.2, …, each told only of the first, a demo wallet
// submitting a signed tx every second, and a live status view. Ctrl-C stops
// every node and waits for each to exit.
import { ChildProcess, fork, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { formatGenesis, parseGenesis } from '../chain/genesis';
import { signTx } from '../chain/signing';
import { generateKeyPair, randomBytes } from '../crypto';
import { loadOrCreateKey } from '../node/keyfile';
import type { NodeStatus } from '../node/status';
import { isSea, packaging } from '../sea/runtime';
import { encodeMessage } from '../wire/messages';
import { Command, parseFlags, positiveInt } from './args';
import { renderStatus, ViewedNode } from './status-view';

export const DEVNET_PORT = 24100;
export const DEVNET_INTERVAL_MS = 2000;
const STOP_GRACE_MS = 5000;

/** Messages a node process sends its parent over IPC. */
export type NodeReport = { kind: 'status'; status: NodeStatus };
/** Messages a parent sends a node process. */
export type NodeCommand = 'stop' | 'status' | { kind: 'submit'; payload: string };

export const devnet: Command = {
  name: 'devnet',
  usage: `Usage: timenode devnet [--nodes N] [--dir DIR] [--tx-every MS] [--duration S]

Starts N (default 3) nodes on 127.0.0.1..127.0.0.N port ${DEVNET_PORT} with devnet
timings and a ${DEVNET_INTERVAL_MS} ms block interval, all N as masternodes. Each node
gets only the first as --peer and finds the others through get_peers.
A demo wallet submits a signed tx every --tx-every ms (default 1000, 0 = none).
DIR (default: a new folder under the system temp dir) keeps genesis.json and
one data folder and log per node; run again with the same --dir to resume.
Ctrl-C (or --duration seconds) stops every node cleanly.
`,
  async run(argv) {
    const flags = parseFlags(devnet, argv, {
      nodes: { type: 'string' },
      dir: { type: 'string' },
      'tx-every': { type: 'string' },
      duration: { type: 'string' },
    });
    if (!flags) return 0;
    const count = positiveInt(flags.nodes, '--nodes', 3);
    const txEvery = flags['tx-every'] === '0' ? 0 : positiveInt(flags['tx-every'], '--tx-every', 1000);
    const duration = flags.duration === undefined ? 0 : positiveInt(flags.duration, '--duration', 0);
    const dir = resolve(flags.dir ?? mkdtempSync(join(tmpdir(), 'timenode-devnet-')));
    mkdirSync(dir, { recursive: true });

    const genesisFile = prepareGenesis(dir, count);
    const nodes = Array.from({ length: count }, (_, i) => launch(dir, genesisFile, i));
    const tty = process.stdout.isTTY === true;
    const header = (): string => `timenode devnet: ${count} nodes, data in ${dir}  (Ctrl-C stops)`;
    const draw = (): void => {
      const text = renderStatus(nodes.map((n) => n.view), Date.now(), header());
      process.stdout.write(tty ? `\x1b[H\x1b[2J${text}\n` : `${text}\n---\n`);
    };
    const viewTimer = setInterval(draw, 1000);
    const wallet = generateKeyPair();
    let next = 0;
    const txTimer = txEvery > 0 ? setInterval(() => {
      const tx = signTx(wallet, { inputs: [{ txid: randomBytes(32), index: 0 }], outputs: [{ to: randomBytes(32), amount: 1000n }], time: Date.now() });
      const target = nodes[next++ % nodes.length] as LaunchedNode;
      const command: NodeCommand = { kind: 'submit', payload: encodeMessage({ type: 'tx', tx }).toString('hex') };
      if (target.child.connected) target.child.send(command);
    }, txEvery) : undefined;

    await new Promise<void>((done) => {
      const stop = (): void => done();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      if (duration > 0) setTimeout(stop, duration * 1000);
    });
    clearInterval(viewTimer);
    if (txTimer) clearInterval(txTimer);
    draw();
    await Promise.all(nodes.map((n) => stopNode(n)));
    process.stdout.write(`devnet stopped; data and logs kept in ${dir}\n`);
    return 0;
  },
};

interface LaunchedNode {
  child: ChildProcess;
  view: ViewedNode;
}

function prepareGenesis(dir: string, count: number): string {
  const file = join(dir, 'genesis.json');
  const keys = Array.from({ length: count }, (_, i) => loadOrCreateKey(join(dir, `node${i + 1}`)).keys.publicKey);
  if (existsSync(file)) {
    const existing = parseGenesis(readFileSync(file, 'utf8'), file);
    if (existing.masternodes.length === count) return file;
  }
  writeFileSync(file, formatGenesis({ network: 'devnet', time: Date.now(), interval: DEVNET_INTERVAL_MS, masternodes: keys }));
  return file;
}

function launch(dir: string, genesisFile: string, i: number): LaunchedNode {
  const data = join(dir, `node${i + 1}`);
  const listen = `127.0.0.${i + 1}:${DEVNET_PORT}`;
  const args = ['start', '--data', data, '--genesis', genesisFile, '--listen', listen, '--profile', 'devnet'];
  if (i > 0) args.push('--peer', `127.0.0.1:${DEVNET_PORT}`);
  const log = openSync(join(data, 'node.log'), 'a');
  // Whatever started us starts the nodes, as a user would: bin/timenode as a program, the portable
  // bundle, or the single binary itself; each `start` sets up its own process (src/node/process-setup.ts).
  const entry = isSea() ? process.execPath : (process.argv[1] ?? resolve(__dirname, '../../../bin/timenode'));
  const stdio: ['ignore', number, number, 'ipc'] = ['ignore', log, log, 'ipc'];
  const child = packaging() === 'source' ? spawn(resolve(__dirname, '../../../bin/timenode'), args, { stdio }) : fork(entry, args, { stdio });
  const view: ViewedNode = { name: `node${i + 1}`, listen, pid: child.pid, status: undefined, exited: undefined };
  child.on('message', (msg: NodeReport) => {
    if (msg.kind === 'status') view.status = msg.status;
  });
  child.on('exit', (code, signal) => {
    view.exited = `exit ${signal ?? code} (see ${join(data, 'node.log')})`;
  });
  return { child, view };
}

function stopNode(node: LaunchedNode): Promise<void> {
  const child = node.child;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(kill);
      done();
    });
    child.kill('SIGTERM');
  });
}
