// A data folder has one owner (issue 10 point 5). In the unit suite, so it
// runs in both passes: the native one locks with the addon's flock plus the
// folder's abstract socket, the TIMENODE_NATIVE=0 one with the socket alone.
// Real `bin/timenode start` processes on 127.10.2.x: a second start on the
// folder is refused at once in one line naming the folder and the holder's
// PID; after kill -9 of the holder a new start gets the folder.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataLockError, LOCK_FILE_NAME, lockDataFolder } from '../../src/node/data-lock';
import { freePort, removeDir, tempDir, testKey } from '../support/harness';
import { TIMENODE_BIN, waitUntil, writeGenesis, writeKeyFile } from '../support/processes';

const dirs: string[] = [];
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) removeDir(d);
});

function folder(): { dir: string; dataDir: string; genesisFile: string } {
  const dir = tempDir('timenode-lock-');
  dirs.push(dir);
  const keys = testKey(0x71);
  writeKeyFile(join(dir, 'node'), keys);
  const { file } = writeGenesis(dir, [keys], { interval: 2000, time: Date.now(), network: 'locktest' });
  return { dir, dataDir: join(dir, 'node'), genesisFile: file };
}

test('lockDataFolder: a second lock on the folder is refused naming it and the holder; released, it can be taken again', async () => {
  const { dataDir } = folder();
  const first = await lockDataFolder(dataDir);
  assert.equal(readFileSync(join(dataDir, LOCK_FILE_NAME), 'utf8'), `${process.pid}\n`);
  assert.match(first.how, process.env.TIMENODE_NATIVE === '0' ? /^socket$/ : /socket/);
  await assert.rejects(lockDataFolder(dataDir), (err: unknown) => {
    assert.ok(err instanceof DataLockError);
    assert.equal(err.holder, process.pid);
    assert.equal(err.message, `data folder ${dataDir} is in use by process ${process.pid} (${join(dataDir, LOCK_FILE_NAME)} is locked); stop that node first, or give this one another --data`);
    return true;
  });
  // The folder seen through another path (a symlink, a trailing slash) is the same folder.
  await assert.rejects(lockDataFolder(`${dataDir}/`), DataLockError);
  first.release();
  (await lockDataFolder(dataDir)).release();
});

interface Run {
  child: ChildProcess;
  log: () => string;
  exited: Promise<number | null>;
}

function start(dataDir: string, genesisFile: string, ip: string, env: NodeJS.ProcessEnv = process.env): Run {
  const child = spawn(TIMENODE_BIN, ['start', '--data', dataDir, '--genesis', genesisFile, '--listen', `${ip}:${freePort()}`, '--profile', 'devnet'], { stdio: ['ignore', 'pipe', 'pipe'], env });
  children.push(child);
  let log = '';
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (log += c));
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (log += c));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, log: () => log, exited };
}

async function listening(run: Run): Promise<void> {
  await waitUntil('the node listens', () => /listening on /.test(run.log()) || (run.child.exitCode !== null && Promise.reject(new Error(`exited ${run.child.exitCode}:\n${run.log()}`))), {
    timeoutMs: 20_000,
    everyMs: 20,
    describe: () => run.log(),
  });
}

test('two `timenode start` on one --data: the second exits 1 at once with one line naming the folder and the first one\'s PID; after kill -9 of the first, a new start runs', async () => {
  const { dataDir, genesisFile } = folder();
  const first = start(dataDir, genesisFile, '127.10.2.1');
  await listening(first);
  const began = Date.now();
  const second = start(dataDir, genesisFile, '127.10.2.2');
  const code = await second.exited;
  const tookMs = Date.now() - began;
  assert.equal(code, 1, second.log());
  assert.equal(second.log(), `timenode start: data folder ${dataDir} is in use by process ${first.child.pid} (${join(dataDir, LOCK_FILE_NAME)} is locked); stop that node first, or give this one another --data\n`);
  assert.ok(tookMs < 5000, `refused after ${tookMs} ms`);

  first.child.kill('SIGKILL');
  await first.exited;
  const third = start(dataDir, genesisFile, '127.10.2.3');
  await listening(third);
  assert.equal(readFileSync(join(dataDir, LOCK_FILE_NAME), 'utf8'), `${third.child.pid}\n`);
  third.child.kill('SIGTERM');
  assert.equal(await third.exited, 0);
});

test('the lock holds across backends: a node without the addon is refused a folder a native node holds, and the other way round', async () => {
  const { dataDir, genesisFile } = folder();
  const native = { ...process.env };
  delete native.TIMENODE_NATIVE;
  const fallback = { ...process.env, TIMENODE_NATIVE: '0' };
  for (const [holderEnv, contenderEnv] of [[native, fallback], [fallback, native]] as const) {
    const holder = start(dataDir, genesisFile, '127.10.2.4', holderEnv);
    await listening(holder);
    const contender = start(dataDir, genesisFile, '127.10.2.5', contenderEnv);
    assert.equal(await contender.exited, 1, contender.log());
    assert.match(contender.log(), new RegExp(`in use by process ${holder.child.pid} `));
    holder.child.kill('SIGKILL');
    await holder.exited;
  }
});
