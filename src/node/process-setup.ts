// `start` gives itself the process settings of ./process-settings.ts before
// anything else loads, whichever way it was started. Those settings are read
// only when a process starts, so a process without them starts again with
// them, by the cheapest route that leaves nothing resident:
//
//   launcher   ./bin/timenode run as a program: its sh half execs node with
//              the flags and the environment (no second start at all)
//   re-exec    our addon's execve(2): the process image is replaced, same
//              pid, nothing left behind; costs one more runtime start-up
//   respawn    no addon (TIMENODE_NATIVE=0, no compiler, the portable
//              bundle): a child with the settings, stdio inherited, this
//              process a thin relay of signals, exit code and IPC (it stays
//              resident: a bare runtime's RSS)
//
// The restarted process carries SETTINGS_MARKER, so it never restarts again,
// even if a setting did not take (the start log then says what it got).
//
// Everything the first process loads is thrown away by a restart, so this
// module (like src/cli/start-launch.ts, which calls it first) imports only
// what the decision and the execve need.
import { isMainThread } from 'node:worker_threads';
import { Addon, loadAddon } from '../wire/native/addon';
import { nativeMode } from '../base/hotpath-selection';
import {
  ALLOCATOR_ENV,
  appliedSettings,
  expectedHeapLimitMb,
  MMAP_THRESHOLD_BYTES,
  nodeV8Flags,
  oldSpaceMb,
  SEMI_SPACE_MB,
  SettingsRoute,
  SETTINGS_MARKER,
  settingsHold,
} from './process-settings';

/** How to start this program again. */
export interface Relaunch {
  /** The executable: this Node, or the single binary. */
  file: string;
  /** What precedes the Node flags: argv[0] (and Node flags the user gave). */
  head: string[];
  /** What follows them and precedes the command: the script, if any. */
  script: string[];
  /** A single binary reads no Node flag from its command line: they go in NODE_OPTIONS. */
  flagsInEnv: boolean;
}

/**
 * run: go on in this process. Otherwise a child runs the node: exitCode is
 * its exit code, or undefined if it could not be started at all (then the
 * node runs here after all, and its start line says why).
 */
export type Setup = { run: true } | { run: false; exitCode: Promise<number | undefined> };

/** What setUpProcess did, for the start log line. */
let route: SettingsRoute | undefined;
let note: string | undefined;
let malloptThreshold: number | undefined;

const ROUTES: readonly SettingsRoute[] = ['launcher', 're-exec', 'respawn', 'as started'];

/**
 * Call first, with the command line (`start …`) and the --max-memory it
 * resolves to (undefined when malformed: `start` then refuses it in one
 * line, no restart needed). { run: true }: go on in this process;
 * { run: false }: a child runs the node and this process only waits for its
 * exit code. When the image is replaced this never returns.
 */
export function setUpProcess(args: readonly string[], relaunch: Relaunch, maxMemoryMb: number | undefined): Setup {
  // A worker thread (the verify pool) shares the process: never ours to restart.
  if (args[0] !== 'start' || !isMainThread || maxMemoryMb === undefined) return { run: true };
  const marked = process.env[SETTINGS_MARKER];
  if (marked !== undefined) {
    // Ours, from the process we replaced: children must not inherit it.
    delete process.env[SETTINGS_MARKER];
    route = ROUTES.includes(marked as SettingsRoute) ? (marked as SettingsRoute) : 'as started';
    // Tells the relay this is a node, not a shell that could not run a foreign binary (see respawn).
    if (route === 'respawn') process.send?.({ kind: RESPAWNED });
    // The sh launcher reads --max-memory from the flag and TIMENODE_MAX_MEMORY only; one from
    // timenode.toml is set right by one more restart (never a second: the marker says re-exec then).
    if (route !== 'launcher' || settingsHold(maxMemoryMb)) return { run: true };
  }
  const addon = processAddon();
  // Without a heap flag V8 runs with its own default, so nothing is read back (node:v8 costs 3 ms, paid again after the restart).
  const applied = heapFlagGiven() ? appliedSettings() : undefined;
  if (route === undefined && applied !== undefined && applied.heapLimitMb === expectedHeapLimitMb(maxMemoryMb)) {
    route = 'as started';
    // Heap flags given (NODE_OPTIONS of an older unit, say) but no allocator setting: mallopt does it without a restart.
    if (applied.mmapThreshold !== MMAP_THRESHOLD_BYTES && addon?.tuneMalloc(MMAP_THRESHOLD_BYTES, 0) === 1) malloptThreshold = MMAP_THRESHOLD_BYTES;
    if (settingsHold(maxMemoryMb, appliedSettings(malloptThreshold))) return { run: true };
  }
  if (addon) {
    const errno = reExec(addon, relaunch, args, maxMemoryMb);
    // Still here: this executable cannot be run again (qemu-user without binfmt_misc gives ENOEXEC),
    // so neither can a child of it. The node runs as it is, and its start line says why.
    route = 'as started';
    note = `execve ${relaunch.file} failed with errno ${errno}`;
    if (addon.tuneMalloc(MMAP_THRESHOLD_BYTES, 0) === 1) malloptThreshold = MMAP_THRESHOLD_BYTES;
    return { run: true };
  }
  const { argv, env } = restartCommand(relaunch, args, maxMemoryMb);
  env[SETTINGS_MARKER] = 'respawn';
  return { run: false, exitCode: respawn(relaunch.file, argv, env) };
}

/**
 * The re-exec alone, for a first process that has loaded nothing else yet
 * (the single binary's prelude, src/sea/prelude.ts, which runs before the
 * rest of timenode is even compiled): replaces the image where setUpProcess
 * would re-exec a process started plainly. Otherwise, and when execve fails,
 * it returns having changed nothing, and setUpProcess decides as usual.
 */
export function reExecFirst(args: readonly string[], relaunch: Relaunch, maxMemoryMb: number | undefined): void {
  if (args[0] !== 'start' || !isMainThread || maxMemoryMb === undefined || process.env[SETTINGS_MARKER] !== undefined) return;
  // Heap flags already right: setUpProcess pins the mmap threshold with mallopt instead of restarting.
  if (heapFlagGiven() && appliedSettings().heapLimitMb === expectedHeapLimitMb(maxMemoryMb)) return;
  const addon = processAddon();
  if (addon) reExec(addon, relaunch, args, maxMemoryMb);
}

/** Whether this process was started with a V8 heap size flag, on its command line or in NODE_OPTIONS. */
function heapFlagGiven(): boolean {
  const flags = [...process.execArgv, process.env.NODE_OPTIONS ?? ''];
  return flags.some((f) => f.includes('--max-old-space-size') || f.includes('--max-semi-space-size'));
}

/** The command line and environment that start this program again with the settings (no marker yet). */
function restartCommand(relaunch: Relaunch, args: readonly string[], maxMemoryMb: number): { argv: string[]; env: NodeJS.ProcessEnv } {
  const flags = nodeV8Flags(maxMemoryMb);
  const env: NodeJS.ProcessEnv = { ...process.env, ...ALLOCATOR_ENV };
  delete env.NODE_CHANNEL_FD;
  // Node parses this CA bundle at every start, before any JS (30-50 ms on a
  // small board), and the restarted process would parse it a second time.
  // A node opens no TLS connection, so the bundle has nothing to do there.
  delete env.NODE_EXTRA_CA_CERTS;
  if (relaunch.flagsInEnv) env.NODE_OPTIONS = [process.env.NODE_OPTIONS, ...flags].filter((f) => f).join(' ');
  return { argv: [...relaunch.head, ...(relaunch.flagsInEnv ? [] : flags), ...relaunch.script, ...args], env };
}

/** Replaces the process image with the settings, same pid, IPC channel kept; returns only if execve failed, with its errno. */
function reExec(addon: Addon, relaunch: Relaunch, args: readonly string[], maxMemoryMb: number): number {
  const { argv, env } = restartCommand(relaunch, args, maxMemoryMb);
  // The IPC channel a parent forked us with (fd in process.channel) must survive the exec: Node deleted its variable.
  const channelFd = (process.channel as unknown as { fd?: number } | undefined)?.fd;
  if (channelFd !== undefined && channelFd >= 0) env.NODE_CHANNEL_FD = String(channelFd);
  env[SETTINGS_MARKER] = 're-exec';
  // Node marks every fd it inherited close-on-exec at start (uv_disable_stdio_inheritance), stdio included.
  const keep = [0, 1, 2, ...(channelFd !== undefined && channelFd >= 0 ? [channelFd] : [])];
  return addon.execve(relaunch.file, argv, environ(env), keep);
}

/** The addon, if loaded and new enough to have the process calls (one built before native/src/process.c has none). */
export function processAddon(): Addon | undefined {
  if (nativeMode() === 'off') return undefined;
  const addon = loadAddon().addon;
  return typeof addon?.execve === 'function' && typeof addon.tuneMalloc === 'function' && typeof addon.lockExclusive === 'function' ? addon : undefined;
}

function environ(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${v}`);
}

const RELAYED_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];
/** The respawned node's first message to its relay, never passed on. */
const RESPAWNED = 'timenode-respawned';

/**
 * The node as a child with the settings: stdio shared, signals passed on,
 * IPC relayed both ways when we have a parent channel. The child always gets
 * an IPC channel to us, so it stops (on 'disconnect') if we are killed.
 */
function respawn(file: string, argv: string[], env: NodeJS.ProcessEnv): Promise<number | undefined> {
  // Required here: the re-exec route never needs it (~0.8 ms to load).
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  const child = spawn(file, argv.slice(1), { argv0: argv[0], stdio: ['inherit', 'inherit', 'inherit', 'ipc'], env });
  const fromParent = (msg: unknown): void => {
    if (child.connected) child.send(msg as Parameters<typeof child.send>[0]);
  };
  if (process.send) {
    process.on('message', fromParent);
    child.on('message', (msg) => msg !== null && typeof msg === 'object' && (msg as { kind?: unknown }).kind === RESPAWNED ? undefined : process.send?.(msg));
    // Our parent gone: the child sees its channel close and stops, as it would have.
    process.once('disconnect', () => child.connected && child.disconnect());
  }
  const relay = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  for (const s of RELAYED_SIGNALS) process.on(s, relay);
  let greeted = false;
  child.on('message', (msg) => {
    if (msg !== null && typeof msg === 'object' && (msg as { kind?: unknown }).kind === RESPAWNED) greeted = true;
  });
  return new Promise((resolve) => {
    let started = false;
    child.once('spawn', () => (started = true));
    child.once('error', (err) => {
      if (started) return;
      // e.g. ENOEXEC under qemu-user, which cannot start a foreign binary without binfmt_misc.
      for (const s of RELAYED_SIGNALS) process.off(s, relay);
      process.off('message', fromParent);
      route = 'as started';
      note = `respawning ${file} failed: ${err.message}`;
      resolve(undefined);
    });
    child.once('exit', (code, signal) => {
      for (const s of RELAYED_SIGNALS) process.off(s, relay);
      process.off('message', fromParent);
      if (!greeted) {
        // Not our node that ran: execvp handed a binary it could not execute (qemu-user without
        // binfmt_misc: ENOEXEC) to /bin/sh. The node runs here after all.
        route = 'as started';
        note = `respawned ${file} exited (${signal ?? code}) before it started`;
        resolve(undefined);
        return;
      }
      if (process.connected) process.disconnect();
      // Die of the same signal, so our parent sees what it would have seen.
      if (signal) process.kill(process.pid, signal);
      resolve(code ?? 1);
    });
  });
}

/**
 * The start log's one line: what the process runs with, read back from V8
 * and the start environment, and how it got it. ok false: a warning.
 */
export function processSettingsLine(maxMemoryMb: number): { ok: boolean; message: string; fields: Record<string, string | number> } {
  const applied = appliedSettings(malloptThreshold);
  const ok = settingsHold(maxMemoryMb, applied);
  const how = route ?? 'as started';
  const fields = {
    semiSpaceMb: SEMI_SPACE_MB,
    oldSpaceMb: oldSpaceMb(maxMemoryMb),
    heapLimitMb: applied.heapLimitMb,
    mmapThreshold: applied.mmapThreshold ?? 'default',
    route: how,
  };
  if (ok) return { ok, message: `process settings applied (${how}${malloptThreshold ? ', mmap threshold by mallopt' : ''}): V8 young generation ${SEMI_SPACE_MB} MB semi-spaces, old space ${fields.oldSpaceMb} MB, glibc mmap threshold ${MMAP_THRESHOLD_BYTES}`, fields };
  const wanted = `heap limit ${expectedHeapLimitMb(maxMemoryMb)} MB (${nodeV8Flags(maxMemoryMb).join(' ')}) and glibc mmap threshold ${MMAP_THRESHOLD_BYTES}`;
  return { ok, message: `process settings not applied (${how}${note ? `; ${note}` : ''}): runs with heap limit ${applied.heapLimitMb} MB and mmap threshold ${fields.mmapThreshold}, wanted ${wanted}; RSS may exceed the memory budget under load`, fields };
}
