// The small parts of running a node by hand: --version, a clone that was
// never built, and a node.key that others can read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { chmodSync, copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeDir, tempDir, testKey } from '../support/harness';
import { portFreeOn, REPO_ROOT, TIMENODE_BIN, writeGenesis, writeKeyFile } from '../support/processes';

test('timenode --version prints the package version', () => {
  const r = spawnSync(process.execPath, [TIMENODE_BIN, '--version'], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.equal(r.stdout, `timenode ${pkg.version}\n`);
});

test('./bin/timenode in a clone without lib/ says how to build, exit 1, no stack trace', () => {
  const dir = tempDir('timenode-unbuilt-');
  try {
    mkdirSync(join(dir, 'bin'));
    copyFileSync(TIMENODE_BIN, join(dir, 'bin', 'timenode'));
    const r = spawnSync(process.execPath, [join(dir, 'bin', 'timenode'), '--help'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^timenode: this copy is not built \(no lib\/\)/);
    assert.match(r.stderr, /npm ci/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  } finally {
    removeDir(dir);
  }
});

test('a node.key readable by others is a warning naming its mode; 0600 is not', async () => {
  const dir = tempDir('timenode-keymode-');
  try {
    const { file } = writeGenesis(dir, [testKey(1)], { interval: 2000, time: Date.now() });
    writeKeyFile(join(dir, 'node'), testKey(2));
    const run = async (mode: number): Promise<string> => {
      chmodSync(join(dir, 'node', 'node.key'), mode);
      const port = await portFreeOn(['127.15.4.1']);
      const child = spawn(process.execPath, [TIMENODE_BIN, 'start', '--data', join(dir, 'node'), '--genesis', file, '--listen', `127.15.4.1:${port}`, '--profile', 'devnet'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let log = '';
      child.stderr.setEncoding('utf8');
      await new Promise<void>((ready, fail) => {
        child.stderr.on('data', (c: string) => {
          log += c;
          if (log.includes('listening on')) ready();
        });
        child.once('exit', (code) => fail(new Error(`exited ${code}: ${log}`)));
      });
      child.kill('SIGTERM');
      await new Promise((done) => child.once('exit', done));
      return log;
    };
    const open = await run(0o644);
    assert.match(open, new RegExp(`WARN  \\[node\\] key file ${join(dir, 'node', 'node.key').replace(/[/.]/g, '\\$&')} has mode 0644: others can read the node's secret seed; run chmod 600 `));
    const closed = await run(0o600);
    assert.doesNotMatch(closed, /has mode/);
  } finally {
    removeDir(dir);
  }
});

test('a second signal during the stop exits at once, with code 1 and a line saying so', async () => {
  const dir = tempDir('timenode-twice-');
  try {
    const { file } = writeGenesis(dir, [testKey(1)], { interval: 2000, time: Date.now() });
    const port = await portFreeOn(['127.15.4.2']);
    const child = spawn(process.execPath, [TIMENODE_BIN, 'start', '--data', join(dir, 'node'), '--genesis', file, '--listen', `127.15.4.2:${port}`, '--profile', 'devnet'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr.setEncoding('utf8');
    const seen = (text: string): Promise<void> =>
      new Promise((done, fail) => {
        const check = (): void => {
          if (log.includes(text)) done();
        };
        child.stderr.on('data', (c: string) => {
          log += c;
          check();
        });
        child.once('exit', (code) => fail(new Error(`exited ${code} before "${text}": ${log}`)));
        check();
      });
    await seen('listening on');
    // A client that connects and then neither speaks nor closes: the clean stop waits for its
    // socket (up to a second), which leaves room for the second signal.
    const idle = connect({ host: '127.15.4.2', port });
    idle.on('error', () => undefined);
    await new Promise((r) => idle.once('connect', r));
    const exit = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    child.kill('SIGTERM');
    await seen('SIGTERM: stopping');
    const t0 = Date.now();
    child.kill('SIGINT');
    const code = await exit;
    idle.destroy();
    assert.equal(code, 1, log);
    assert.match(log, /WARN  \[node\] SIGINT again: exiting without a clean stop/);
    assert.ok(Date.now() - t0 < 1000, 'at once');
  } finally {
    removeDir(dir);
  }
});
