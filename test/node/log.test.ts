// The node's log: the journald form (no own time, `<N>` syslog priority)
// when stderr is the journal's stream, JSON lines with --log-format json,
// one event per line, and the per-line rate limit that counts what it held
// back; chosen hot-path defaults log as info, not as warnings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger, formatLine, RateLimit } from '../../src/base/log';
import { removeDir, tempDir, testKey } from '../support/harness';
import { portFreeOn, TIMENODE_BIN, writeGenesis } from '../support/processes';

/** Runs `start` with stderr into a file until it logs that it listens, then SIGTERM; returns the file's text. */
async function startAndStop(parent: string, extra: string[], journal: boolean): Promise<{ log: string; code: number | null }> {
  const dir = join(parent, `run-${journal}${extra.join('')}`);
  const { file } = writeGenesis(dir, [testKey(1)], { interval: 2000, time: Date.now() });
  const port = await portFreeOn(['127.15.2.1']);
  const logFile = join(dir, `stderr-${journal}-${extra.join('')}.log`);
  const fd = openSync(logFile, 'w');
  const st = fstatSync(fd);
  // What systemd sets for a unit whose stderr is the journal: the stream's device:inode.
  const env = journal ? { ...process.env, JOURNAL_STREAM: `${st.dev}:${st.ino}` } : { ...process.env, JOURNAL_STREAM: '1:1' };
  const child = spawn(process.execPath, [TIMENODE_BIN, 'start', '--data', join(dir, 'node'), '--genesis', file, '--listen', `127.15.2.1:${port}`, '--profile', 'devnet', ...extra], {
    stdio: ['ignore', 'ignore', fd],
    env,
  });
  closeSync(fd);
  const deadline = Date.now() + 15_000;
  // The log file is the only event source here: poll it for the listen line (bounded).
  while (!readFileSync(logFile, 'utf8').includes('signatures verified')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no start-up in the log:\n${readFileSync(logFile, 'utf8')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  return { log: readFileSync(logFile, 'utf8'), code };
}

test('under systemd (JOURNAL_STREAM names stderr): no own timestamp, a <N> priority prefix; chosen defaults are info, not warnings', async () => {
  const dir = tempDir('timenode-log-');
  try {
    const { log, code } = await startAndStop(dir, [], true);
    assert.equal(code, 0, log);
    const lines = log.trimEnd().split('\n');
    for (const line of lines) assert.match(line, /^<[3467]>(DEBUG|INFO |WARN |ERROR) \[node[^\]]*\] /, line);
    assert.ok(lines.some((l) => /^<6>INFO  \[node\] listening on /.test(l)));
    assert.ok(lines.some((l) => /^<6>INFO  \[node\] stopped$/.test(l)), 'stop is logged');
    for (const l of lines) assert.ok(!/^<[43]>.*hot path/.test(l), `a chosen hot-path backend is not a warning: ${l}`);
    assert.ok(lines.some((l) => /^<6>INFO  \[node\] hot path frame-scan: /.test(l)));
    assert.ok(!/FALLBACK/.test(log));
    for (const l of lines) if (l.startsWith('<4>')) assert.match(l, /^<4>WARN /);

    // JOURNAL_STREAM naming some other stream (stderr redirected by the unit): the plain form with a timestamp.
    const plain = await startAndStop(dir, [], false);
    assert.match(plain.log.split('\n')[0]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (INFO |WARN ) \[node\] /);
  } finally {
    removeDir(dir);
  }
});

test('--log-format json: every line is one JSON object with time, level, component and msg', async () => {
  const dir = tempDir('timenode-log-');
  try {
    const { log, code } = await startAndStop(dir, ['--log-format', 'json'], false);
    assert.equal(code, 0, log);
    const docs = log.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const d of docs) {
      assert.match(String(d.time), /^\d{4}-\d\d-\d\dT/);
      assert.ok(['debug', 'info', 'warn', 'error'].includes(String(d.level)));
      assert.equal(typeof d.component, 'string');
      assert.equal(typeof d.msg, 'string');
    }
    const listening = docs.find((d) => String(d.msg).startsWith('listening on'));
    assert.match(String(listening?.node), /^[0-9a-f]{64}$/, 'fields are keys of the object');
  } finally {
    removeDir(dir);
  }
});

test('one event per line: a message with newlines is escaped; fields with spaces or quotes are quoted', () => {
  const line = formatLine('warn', 'node/net/10.0.0.1 <-', 'bad\nthing', { why: 'two words', n: 3 }, 'text', true, 0);
  assert.equal(line, '<4>WARN  [node/net/10.0.0.1 <-] bad\\nthing why="two words" n=3');
  assert.equal(formatLine('error', 'node', 'x', undefined, 'json', true, 0), '<3>{"level":"error","component":"node","msg":"x"}');
  const lines: string[] = [];
  const log = createLogger('node', 'debug', (l) => lines.push(l), { journald: true });
  log.child('peer', () => ({ node: 'abcd' })).info('closing', { code: 'timeout' });
  assert.deepEqual(lines, ['<6>INFO  [node/peer] closing code=timeout node=abcd']);
});

test('rate limit: the same line past the burst in a window is counted, then reported once with the count; other lines pass', () => {
  let now = 1_000_000;
  const lines: string[] = [];
  const limit: RateLimit = { burst: 5, windowMs: 60_000, maxKeys: 4 };
  const log = createLogger('node', 'info', (l) => lines.push(l), { journald: true, rateLimit: limit, now: () => now });
  const peer = log.child('10.0.0.9 <-');
  for (let i = 0; i < 1000; i++) peer.warn('protocol error: frame too large');
  assert.equal(lines.length, 5, 'five of a thousand identical lines written');
  peer.warn('protocol error: another thing');
  log.info('produced block 7');
  assert.equal(lines.length, 7, 'other lines are not held back');
  now += 60_000;
  peer.warn('protocol error: frame too large');
  assert.equal(lines[7], '<4>WARN  [node/10.0.0.9 <-] protocol error: frame too large (repeated 995 more times in 60 s, not written) suppressed=995');
  assert.equal(lines[8], '<4>WARN  [node/10.0.0.9 <-] protocol error: frame too large', 'a new window writes again');
  // The tracked lines are bounded: past maxKeys the oldest is forgotten, its count reported first.
  const fresh: string[] = [];
  const bounded = createLogger('node', 'info', (l) => fresh.push(l), { journald: true, rateLimit: limit, now: () => now });
  for (let i = 0; i < 10; i++) for (let j = 0; j < 7; j++) bounded.info(`line ${i}`);
  assert.equal(fresh.filter((l) => /^<6>INFO  \[node\] line \d+$/.test(l)).length, 50, 'five of each');
  assert.deepEqual(
    fresh.filter((l) => l.includes('repeated')).map((l) => /line (\d+)/.exec(l)?.[1]),
    ['0', '1', '2', '3', '4', '5'],
    'the six oldest were evicted, each reporting its 2 held-back lines',
  );
});

test('rate limit: a burst that stops is still reported when its window ends (timer), with the count', async () => {
  const lines: string[] = [];
  let bound: ReturnType<typeof setTimeout> | undefined;
  const reported = new Promise<string>((done, fail) => {
    // The limiter's timer does not hold the process open (unref), so the test holds it, with a bound.
    bound = setTimeout(() => fail(new Error(`no report of the held-back lines: ${lines.join(' | ')}`)), 5000);
    const log = createLogger('node', 'info', (l) => {
      lines.push(l);
      if (l.includes('repeated')) done(l);
    }, { rateLimit: { burst: 2, windowMs: 50, maxKeys: 16 } });
    for (let i = 0; i < 12; i++) log.warn('same');
  });
  const line = await reported;
  clearTimeout(bound);
  assert.match(line, /WARN  \[node\] same \(repeated 10 more times in 0 s, not written\) suppressed=10$/);
  assert.equal(lines.length, 3);
});
