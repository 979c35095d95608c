// The node sets up its own process (issue 10 point 1): started plainly, with
// no environment variable and no Node flag, every form runs with a 2 MB V8
// semi-space, an old space sized from --max-memory and glibc's mmap threshold
// pinned. Each case reads the start log's one line (V8's own heap limit,
// v8.getHeapStatistics, is old space + 3 semi-spaces, so it is right only
// when both flags took) and checks the running process from the outside:
// /proc/PID/cmdline for the flags, /proc/PID/environ for the threshold.
// Nodes on 127.10.1.x.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, fork, spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, removeDir, tempDir, testKey } from '../support/harness';
import { REPO_ROOT, TIMENODE_BIN, waitUntil, writeGenesis, writeKeyFile } from '../support/processes';
import { ALLOCATOR_ENV, expectedHeapLimitMb, nodeV8Flags, oldSpaceMb } from '../../src/node/process-settings';
import type { NodeReport } from '../../src/cli/devnet';

const dirs: string[] = [];
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) removeDir(d);
});

interface Started {
  child: ChildProcess;
  log: () => string;
  line: string;
  fields: Record<string, string>;
}

function netFiles(): { dataDir: string; genesisFile: string } {
  const dir = tempDir('timenode-procset-');
  dirs.push(dir);
  const keys = testKey(0x61);
  writeKeyFile(join(dir, 'node'), keys);
  const { file } = writeGenesis(dir, [keys], { interval: 2000, time: Date.now(), network: 'procset' });
  return { dataDir: join(dir, 'node'), genesisFile: file };
}

/** Starts `command… start …` (spawned as a program, or forked as a script), waits for "listening on", returns the settings line. */
async function startNode(how: { exec?: string[]; fork?: string }, extra: string[] = [], env: NodeJS.ProcessEnv = process.env, files = netFiles()): Promise<Started> {
  const { dataDir, genesisFile } = files;
  const args = ['start', '--data', dataDir, '--genesis', genesisFile, '--listen', `127.10.1.1:${freePort()}`, '--profile', 'devnet', ...extra];
  const stdio: ['ignore', 'pipe', 'pipe', 'ipc'] = ['ignore', 'pipe', 'pipe', 'ipc'];
  const child = how.fork ? fork(how.fork, args, { stdio, env }) : spawn((how.exec as string[])[0] as string, [...(how.exec as string[]).slice(1), ...args], { stdio, env });
  children.push(child);
  let log = '';
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (log += c));
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (log += c));
  await waitUntil('the node listens', () => /listening on /.test(log) || (child.exitCode !== null && Promise.reject(new Error(`exited ${child.exitCode}:\n${log}`))), { timeoutMs: 20_000, everyMs: 20, describe: () => log });
  const line = log.split('\n').find((l) => /process settings/.test(l)) ?? '';
  const fields = Object.fromEntries([...line.matchAll(/ (\w+)=(\S+)/g)].map((m) => [m[1] as string, m[2] as string]));
  return { child, log: () => log, line, fields };
}

function procFile(pid: number, name: 'cmdline' | 'environ'): string[] {
  return readFileSync(`/proc/${pid}/${name}`, 'latin1').split('\0');
}

/** The process that runs the node: the child itself, or (respawn) the child's only child. */
function nodePid(child: ChildProcess): number {
  const pid = child.pid as number;
  const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  return kids.length === 1 && procFile(kids[0] as number, 'cmdline').includes('start') ? (kids[0] as number) : pid;
}

function assertApplied(s: Started, route: string, maxMemoryMb: number): void {
  assert.match(s.line, new RegExp(`INFO .*process settings applied \\(${route}\\)`), s.log());
  assert.equal(s.fields.heapLimitMb, String(expectedHeapLimitMb(maxMemoryMb)), s.line);
  assert.equal(s.fields.semiSpaceMb, '2', s.line);
  assert.equal(s.fields.oldSpaceMb, String(oldSpaceMb(maxMemoryMb)), s.line);
  assert.equal(s.fields.mmapThreshold, '65536', s.line);
  const pid = nodePid(s.child);
  const cmdline = procFile(pid, 'cmdline');
  // What the node gave itself, read from outside: its own flags and allocator variable, not ours.
  for (const flag of nodeV8Flags(maxMemoryMb)) assert.ok(cmdline.includes(flag), `${flag} missing from ${cmdline.join(' ')}`);
  const environ = procFile(pid, 'environ');
  for (const [name, value] of Object.entries(ALLOCATOR_ENV)) assert.ok(environ.includes(`${name}=${value}`), `${name} not set by the node itself`);
  assert.equal(s.log().split('\n').filter((l) => /process settings/.test(l)).length, 1, 'one line');
  assert.doesNotMatch(s.log(), /NODE_OPTIONS|set it in the environment/);
}

async function statusOver(child: ChildProcess): Promise<void> {
  const got = new Promise<void>((resolve) => child.on('message', (m: NodeReport) => m.kind === 'status' && resolve()));
  child.send('status');
  await got;
}

async function stop(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  child.kill('SIGTERM');
  return exited;
}

test('bin/timenode start, run as a program with no environment of ours: the sh launcher execs node with the settings (--max-memory 64)', async () => {
  const s = await startNode({ exec: [TIMENODE_BIN] }, ['--max-memory', '64']);
  assertApplied(s, 'launcher', 64);
  assert.equal(nodePid(s.child), s.child.pid, 'no extra process');
  await statusOver(s.child);
  assert.deepEqual(await stop(s.child), { code: 0, signal: null });
});

test('the launcher takes TIMENODE_MAX_MEMORY; max-memory from timenode.toml (which sh cannot read) is corrected by one re-exec', async () => {
  const fromEnv = await startNode({ exec: [TIMENODE_BIN] }, [], { ...process.env, TIMENODE_MAX_MEMORY: '48' });
  assertApplied(fromEnv, 'launcher', 48);
  await stop(fromEnv.child);

  const files = netFiles();
  writeFileSync(join(files.dataDir, 'timenode.toml'), 'max-memory = 40\n');
  const s = await startNode({ exec: [TIMENODE_BIN] }, [], process.env, files);
  assertApplied(s, 're-exec', 40);
  await stop(s.child);
});

test('node bin/timenode start (forked, as devnet and scripts do): the addon execve replaces the process, same pid, IPC kept', async () => {
  const s = await startNode({ fork: TIMENODE_BIN });
  assertApplied(s, 're-exec', 96);
  assert.equal(nodePid(s.child), s.child.pid, 'the image was replaced, not a child started');
  await statusOver(s.child);
  assert.deepEqual(await stop(s.child), { code: 0, signal: null });
});

test('node --cpu-prof bin/timenode start: the profiler\'s SIGPROF pending at the execve does not kill the restarted node', async () => {
  // At 100 µs sampling about one start in two was killed ("Profiling timer expired") before the addon
  // disarmed the timer and ignored the signal across execve: five starts in a row leave that no chance.
  const profiles = tempDir('timenode-cpuprof-');
  dirs.push(profiles);
  for (let i = 0; i < 5; i++) {
    const s = await startNode({ exec: [process.execPath, '--cpu-prof', '--cpu-prof-interval', '100', `--cpu-prof-dir=${profiles}`, TIMENODE_BIN] });
    assertApplied(s, 're-exec', 96);
    assert.deepEqual(await stop(s.child), { code: 0, signal: null }, `start ${i + 1}`);
  }
});

test('no addon (TIMENODE_NATIVE=0), forked: a respawned child with the settings; the relay passes on IPC and SIGTERM, and a kill -9 of the relay stops the node', async () => {
  const env = { ...process.env, TIMENODE_NATIVE: '0' };
  const s = await startNode({ fork: TIMENODE_BIN }, [], env);
  assertApplied(s, 'respawn', 96);
  const inner = nodePid(s.child);
  assert.notEqual(inner, s.child.pid);
  await statusOver(s.child);
  assert.deepEqual(await stop(s.child), { code: 0, signal: null });
  await waitUntil('the respawned node gone after the relay exited', () => !processAlive(inner), { timeoutMs: 10_000 });

  const k = await startNode({ fork: TIMENODE_BIN }, [], env);
  const orphan = nodePid(k.child);
  k.child.kill('SIGKILL');
  await waitUntil('the respawned node stops once its relay is killed', () => !processAlive(orphan), { timeoutMs: 10_000 });
});

test('node dist/timenode.cjs start (the portable bundle, no addon): respawned with the settings', async () => {
  const dir = tempDir('timenode-procset-bundle-');
  dirs.push(dir);
  const outfile = join(dir, 'timenode.cjs');
  const script = `import { bundle } from ${JSON.stringify(join(REPO_ROOT, 'build', 'sea', 'bundle.mjs'))}; await bundle({ root: ${JSON.stringify(REPO_ROOT)}, outfile: ${JSON.stringify(outfile)} });`;
  const built = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  const s = await startNode({ exec: [process.execPath, outfile] });
  assertApplied(s, 'respawn', 96);
  await statusOver(s.child);
  assert.deepEqual(await stop(s.child), { code: 0, signal: null });
});

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}
