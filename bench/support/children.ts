// Every process the bench starts goes through here, so a failing case or a
// Ctrl-C never leaves a node running behind it.
//
// Children start through the entry point that is running, so the suite needs
// nothing beside a single-file build: `timenode start …` for nodes and
// `timenode bench-worker NAME …` for the helpers (support/workers.ts).
//   sources      bin/timenode start …; helpers: lib/bench/support/workers.js NAME …
//   bundle       node dist/timenode.cjs start … / bench-worker NAME …
//   SEA binary   the binary itself (process.execPath) start … / bench-worker NAME …
import { ChildProcess, fork, ForkOptions, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { packaging } from '../../src/sea/runtime';

/** bin/timenode, from lib/bench/support/. */
export const TIMENODE_BIN = resolve(__dirname, '../../../bin/timenode');

/** What to fork: a script (run by this process's Node) and the arguments before the command's own. */
export interface Launch {
  script: string;
  args: string[];
}

/**
 * `timenode <command> …` through the entry point of this process. A SEA
 * binary is forked as itself: the child sees its own path as the first
 * argument, which src/sea/main.ts drops (process.argv[1] would be the name it
 * was called by, e.g. a bare "timenode" found on PATH). The bundle forks the
 * file this code is in.
 */
export function timenodeCommand(args: string[]): Launch {
  switch (packaging()) {
    case 'sea':
      return { script: process.execPath, args };
    case 'bundle':
      return { script: __filename, args };
    default:
      return { script: TIMENODE_BIN, args };
  }
}

/** Helper process `name` (support/workers.ts): `timenode bench-worker NAME …`, or from the sources workers.js itself. */
export function helperCommand(name: string, args: string[]): Launch {
  if (packaging() === 'source') return { script: resolve(__dirname, 'workers.js'), args: [name, ...args] };
  return timenodeCommand(['bench-worker', name, ...args]);
}

const live = new Set<ChildProcess>();

export function spawnTracked(launch: Launch, options: ForkOptions = {}): ChildProcess {
  const stdio: ForkOptions['stdio'] = ['ignore', 'pipe', 'pipe', 'ipc'];
  // bin/timenode runs as a program, as a user runs it (its launcher applies the process settings); scripts are forked.
  const child = launch.script === TIMENODE_BIN ? spawn(TIMENODE_BIN, launch.args, { stdio, ...options }) : fork(launch.script, launch.args, { stdio, ...options });
  live.add(child);
  child.once('exit', () => live.delete(child));
  // An IPC send racing the exit fails with EPIPE; the exit itself is what matters.
  child.on('error', () => undefined);
  return child;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child has exited. */
export function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGTERM');
  });
}

export function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

process.once('exit', killAll);

export interface Rss {
  /** Resident set now. */
  rss: number;
  /** Peak resident set since the process started (VmHWM). */
  peak: number;
}

/** From /proc (Linux, the target boards); undefined elsewhere. */
export function rssOf(pid: number | undefined): Rss | undefined {
  if (pid === undefined) return undefined;
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

export interface Helper {
  child: ChildProcess;
  /** ms from fork to its {kind:'listening'} message. */
  listeningAfterMs: number;
}

/** Starts helper `name` (support/workers.ts) and waits for it to report {kind:'listening'}. */
export function startHelper(name: string, args: string[], timeoutMs = 20_000): Promise<Helper> {
  const started = process.hrtime.bigint();
  const child = spawnTracked(helperCommand(name, args));
  let log = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (s: string) => (log += s));
  return new Promise((resolveHelper, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not listen within ${timeoutMs} ms: ${log}`));
    }, timeoutMs);
    child.on('message', (msg: { kind?: string }) => {
      if (msg?.kind !== 'listening') return;
      clearTimeout(timer);
      resolveHelper({ child, listeningAfterMs: Number(process.hrtime.bigint() - started) / 1e6 });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (code ${code}) before listening: ${lastLine(log)}\n${log}`));
    });
  });
}

/** Forks a worker that answers with one IPC message and exits; resolves with that message. */
export function runWorker<T>(name: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<T> {
  const child = spawnTracked(helperCommand(name, args), { env });
  let log = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (s: string) => (log += s));
  return new Promise((resolveWorker, reject) => {
    let answer: T | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not finish within ${timeoutMs} ms: ${log}`));
    }, timeoutMs);
    child.on('message', (msg: T) => (answer = msg));
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (answer !== undefined) resolveWorker(answer);
      else reject(new Error(`${name} exited (code ${code}) without an answer: ${lastLine(log)}\n${log}`));
    });
  });
}

/** The last line of a log that says something (for one-line failure messages). */
export function lastLine(log: string): string {
  const lines = log.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('at ') && l !== '^' && !/^Node\.js v/.test(l));
  return lines[lines.length - 1] ?? '(no output)';
}
