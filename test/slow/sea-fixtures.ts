// What test/slow/sea.test.ts needs around the single-file builds: the tools
// (qemu-user-static, the cross compilers), dist/ built from this tree
// (build/sea/build.mjs --if-stale), the pinned armv7 Node, and a node process
// started from any command line (a binary, qemu + binary, qemu + node +
// bundle) that answers status requests over IPC like test/support's
// NodeProcess does for bin/timenode.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeCommand, NodeReport } from '../../src/cli/devnet';
import type { Tx } from '../../src/chain/types';
import type { NodeStatus } from '../../src/node/status';
import { encodeMessage } from '../../src/wire/messages';
import { REPO_ROOT } from '../support/processes';

/** Debian's qemu-user-static, with the cross toolchains' sysroots for the dynamic loader and libstdc++. */
export const QEMU = {
  'linux-arm64': ['qemu-aarch64-static', '-L', '/usr/aarch64-linux-gnu'],
  'linux-arm': ['qemu-arm-static', '-L', '/usr/arm-linux-gnueabihf'],
} as const;

/** Each tool and the Debian package that brings it (.ci/run installs them). */
export const TOOLS: Record<string, string> = {
  'qemu-aarch64-static': 'qemu-user-static',
  'qemu-arm-static': 'qemu-user-static',
  'x86_64-linux-gnu-gcc': 'gcc',
  'aarch64-linux-gnu-gcc': 'g++-aarch64-linux-gnu',
  'aarch64-linux-gnu-strip': 'binutils-aarch64-linux-gnu',
  'arm-linux-gnueabihf-gcc': 'g++-arm-linux-gnueabihf',
};

/** The tools this machine lacks, as "tool (Debian package)"; empty when all are there. */
export function missingTools(): string[] {
  const inSysroot = (dir: string): boolean => spawnSync('test', ['-d', dir]).status === 0;
  const missing = Object.entries(TOOLS)
    .filter(([tool]) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0)
    .map(([tool, pkg]) => `${tool} (${pkg})`);
  for (const dir of ['/usr/aarch64-linux-gnu/lib', '/usr/arm-linux-gnueabihf/lib']) if (!inSysroot(dir)) missing.push(`${dir} (the cross compiler's libc)`);
  return missing;
}

export interface Manifest {
  version: string;
  bundle: { file: string; bytes: number; sha256: string; addons: string[] };
  binaries: { file: string; target: string; bytes: number; sha256: string; addons: Record<string, { bytes: number }> }[];
  checkOnlyAddons: Record<string, Record<string, string>>;
}

/** dist/ for this tree: builds it when missing or built from other inputs (about 30 s, plus the first download of the Node packages). */
export function buildArtefacts(): Manifest {
  const run = spawnSync(process.execPath, [join(REPO_ROOT, 'build', 'sea', 'build.mjs'), '--if-stale'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`build/sea/build.mjs --if-stale failed (exit ${run.status ?? run.signal}):\n${run.stdout}${run.stderr}`);
  process.stdout.write(run.stdout);
  return JSON.parse(readFileSync(join(REPO_ROOT, 'dist', 'manifest.json'), 'utf8')) as Manifest;
}

/** bin/node of the pinned Node for `target` (fetched and checked by build/sea/node-runtimes.mjs). */
export function pinnedNode(target: 'linux-arm64' | 'linux-arm'): string {
  const run = spawnSync(process.execPath, [join(REPO_ROOT, 'build', 'sea', 'node-runtimes.mjs'), target], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`node-runtimes.mjs ${target} failed:\n${run.stderr}`);
  return (JSON.parse(run.stdout) as Record<string, string>)[target] as string;
}

export interface CommandNodeOptions {
  name: string;
  /** The command line up to (not including) `start`: [binary] or [qemu, -L, sysroot, binary] or [...qemu, node, bundle]. */
  command: string[];
  ip: string;
  port: number;
  dataDir: string;
  genesisFile: string;
  peers?: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** `… start` from an arbitrary command line, with IPC: status on request, tx submission, kill. */
export class CommandNode {
  readonly child: ChildProcess;
  log = '';
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly exited: Promise<void>;
  private waiters: ((s: NodeStatus) => void)[] = [];

  constructor(readonly options: CommandNodeOptions) {
    const [file, ...prefix] = options.command;
    const args = [...prefix, 'start', '--data', options.dataDir, '--genesis', options.genesisFile, '--listen', `${options.ip}:${options.port}`, '--profile', 'devnet'];
    for (const peer of options.peers ?? []) args.push('--peer', peer);
    this.child = spawn(file as string, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: options.env ?? process.env, cwd: options.cwd ?? '/' });
    this.child.stdout?.setEncoding('utf8').on('data', (c: string) => (this.log += c));
    this.child.stderr?.setEncoding('utf8').on('data', (c: string) => (this.log += c));
    this.child.on('message', (msg: NodeReport) => {
      if (typeof msg !== 'object' || msg === null || msg.kind !== 'status') return;
      const waiting = this.waiters;
      this.waiters = [];
      for (const w of waiting) w(msg.status);
    });
    this.child.on('error', () => undefined);
    this.exited = new Promise((done) => this.child.once('exit', (code, signal) => ((this.exit = { code, signal }), done())));
  }

  get name(): string {
    return this.options.name;
  }

  /** The next status report (asked for now; a node under qemu may take seconds to answer). */
  status(timeoutMs = 15_000): Promise<NodeStatus> {
    if (this.exit || !this.child.connected) return Promise.reject(new Error(`${this.name} is not running (exit ${JSON.stringify(this.exit)})\n${this.log}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`${this.name} did not report its status within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (s: NodeStatus): void => {
        clearTimeout(timer);
        resolve(s);
      };
      this.waiters.push(waiter);
      this.send('status');
    });
  }

  submit(tx: Tx): void {
    this.send({ kind: 'submit', payload: encodeMessage({ type: 'tx', tx }).toString('hex') });
  }

  async stop(graceMs = 20_000): Promise<void> {
    if (this.exit) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  async kill9(): Promise<void> {
    if (this.exit) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  private send(msg: NodeCommand): void {
    if (this.child.connected) this.child.send(msg);
  }
}
