// Node processes under test: `timenode start`, exactly as a user runs it
// (default profile, default limits), forked with an IPC channel, through the entry point that runs
// the bench (support/children.ts). The first status report comes
// right after the node listens, so it marks "listening" for the start figure.
import type { ChildProcess } from 'node:child_process';
import type { NodeStatus } from '../../src/node/status';
import { now, within } from '../measure';
import { lastLine, rssOf, Rss, spawnTracked, stopChild, timenodeCommand } from './children';

export interface NodeSpec {
  ip: string;
  port: number;
  dataDir: string;
  genesisFile: string;
  peers?: string[];
  maxMemoryMb?: number;
  /** `--allow-plaintext`: the node also serves peers that offer no kx (the encryption cost is measured against them). */
  allowPlaintext?: boolean;
  env?: NodeJS.ProcessEnv;
  /** More `start` flags, as given (e.g. ['--verify-threads', '0']). */
  extraArgs?: string[];
}

type Report = { kind: 'status'; status: NodeStatus };

export class BenchNode {
  readonly child: ChildProcess;
  readonly spawnedAt = now();
  /** ms from fork to the first status report, i.e. to listening. */
  listeningAfterMs: number | undefined;
  log = '';
  private latest: NodeStatus | undefined;
  private waiters: ((s: NodeStatus) => void)[] = [];
  private readonly listening: Promise<void>;
  private readonly exited: Promise<number | null>;

  constructor(readonly spec: NodeSpec) {
    const args = ['--data', spec.dataDir, '--genesis', spec.genesisFile, '--listen', `${spec.ip}:${spec.port}`];
    for (const peer of spec.peers ?? []) args.push('--peer', peer);
    if (spec.maxMemoryMb !== undefined) args.push('--max-memory', String(spec.maxMemoryMb));
    if (spec.allowPlaintext) args.push('--allow-plaintext');
    args.push(...(spec.extraArgs ?? []));
    // Nodes run as a user runs them: `start` sets up its own process (src/node/process-setup.ts).
    const env = { ...process.env, ...spec.env };
    this.child = spawnTracked(timenodeCommand(['start', ...args]), { env });
    this.child.stderr?.setEncoding('utf8');
    this.child.stdout?.setEncoding('utf8');
    this.child.stderr?.on('data', (s: string) => (this.log += s));
    this.child.stdout?.on('data', (s: string) => (this.log += s));
    let listened: () => void = () => undefined;
    this.listening = new Promise((resolve) => (listened = resolve));
    this.child.on('message', (msg: Report) => {
      if (typeof msg !== 'object' || msg === null || msg.kind !== 'status') return;
      if (this.listeningAfterMs === undefined) {
        this.listeningAfterMs = now() - this.spawnedAt;
        listened();
      }
      this.latest = msg.status;
      const waiting = this.waiters;
      this.waiters = [];
      for (const w of waiting) w(msg.status);
    });
    // 'close' comes after the last of stderr: a node that dies at start says why.
    this.exited = new Promise((resolve) => this.child.once('close', (code) => resolve(code)));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get endpoint(): string {
    return `${this.spec.ip}:${this.spec.port}`;
  }

  /** Resolves once the node listens; fails with its log if it exits or takes longer than `ms`. */
  async waitListening(ms = 20_000): Promise<void> {
    const died = this.exited.then((code) => {
      throw new Error(`node ${this.endpoint} exited (code ${code}) before listening: ${lastLine(this.log)}\n${this.log}`);
    });
    await within(Promise.race([this.listening, died]), ms, `node ${this.endpoint} to listen; log:\n${this.log}`);
  }

  /** A fresh status, asked for over IPC. */
  status(ms = 5000): Promise<NodeStatus> {
    const next = new Promise<NodeStatus>((resolve) => this.waiters.push(resolve));
    if (this.child.connected) this.child.send('status');
    return within(next, ms, `status of node ${this.endpoint}`);
  }

  get lastStatus(): NodeStatus | undefined {
    return this.latest;
  }

  /** Resident set from /proc, or the node's own report where /proc is missing. */
  async rss(): Promise<Rss> {
    const fromProc = rssOf(this.pid);
    if (fromProc && Number.isFinite(fromProc.rss)) return fromProc;
    const s = await this.status();
    return { rss: s.rssBytes, peak: s.rssBytes };
  }

  /** First log line matching `re`, waiting up to `ms` for it. */
  async waitForLog(re: RegExp, ms: number): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const line = this.log.split('\n').find((l) => re.test(l));
      if (line) return line;
      if (Date.now() > deadline) throw new Error(`node ${this.endpoint}: no log line matching ${re} within ${ms} ms; log:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  stop(): Promise<void> {
    return stopChild(this.child);
  }
}

/** Attempts when the port is still held (a node of the previous run still closing its listener). */
const PORT_BUSY_RETRIES = 5;

export async function startNode(spec: NodeSpec): Promise<BenchNode> {
  for (let attempt = 1; ; attempt++) {
    const node = new BenchNode(spec);
    try {
      await node.waitListening();
      return node;
    } catch (err) {
      await node.stop();
      if (attempt >= PORT_BUSY_RETRIES || !/address already in use/.test(String(err))) throw err;
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
}
