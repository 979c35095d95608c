// The settings of `start` from flags, TIMENODE_* environment, timenode.toml
// and defaults: the precedence (seen through `config --print`), a node
// started from the file alone, each refusal as one line naming key and file,
// and the table driving --help and `config --example` for every setting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { START_SETTINGS } from '../../src/cli/start-settings';
import { envName } from '../../src/cli/settings';
import { removeDir, tempDir, testKey } from '../support/harness';
import { portFreeOn, TIMENODE_BIN, writeGenesis } from '../support/processes';

/** Runs bin/timenode with exactly this environment (plus PATH), as a user's shell would. */
function run(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [TIMENODE_BIN, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `config --print` as key -> [value, source]. */
function printed(args: string[], env: Record<string, string> = {}): Map<string, [string, string]> {
  const r = run(['config', '--print', ...args], env);
  assert.equal(r.status, 0, r.stderr);
  const rows = new Map<string, [string, string]>();
  for (const line of r.stdout.split('\n')) {
    const m = /^([a-z-]+) = (.*?)\s+# (.*)$/.exec(line);
    if (m) rows.set(m[1]!, [m[2]!, m[3]!]);
  }
  return rows;
}

test('precedence: flag > TIMENODE_* environment > file > default, each value with its source', () => {
  const dir = tempDir('timenode-config-');
  try {
    const file = join(dir, 'node.toml');
    writeFileSync(file, 'max-peers = 10\nmax-memory = 64\nlisten = "127.15.0.1:24100"\npeer = ["127.15.0.2:1", "127.15.0.3:2"]\ngenesis = "g.json"\n');
    const all = printed(['--config', file, '--max-peers', '14'], { TIMENODE_MAX_PEERS: '12', TIMENODE_MAX_MEMORY: '80' });
    assert.deepEqual(all.get('max-peers'), ['14', 'flag']);
    assert.deepEqual(all.get('max-memory'), ['80', 'env TIMENODE_MAX_MEMORY']);
    assert.deepEqual(all.get('listen'), ['"127.15.0.1:24100"', `file ${file}`]);
    assert.deepEqual(all.get('peer'), ['["127.15.0.2:1", "127.15.0.3:2"]', `file ${file}`]);
    assert.deepEqual(all.get('genesis'), [JSON.stringify(join(dir, 'g.json')), `file ${file}`], 'a relative path in the file is taken from the file\'s folder');
    assert.deepEqual(all.get('log-level'), ['"info"', 'default']);
    assert.deepEqual(all.get('max-inbound'), ['14', `default: ${START_SETTINGS['max-inbound'].defaultText}`], 'computed from the effective --max-peers');

    assert.deepEqual(printed(['--config', file], { TIMENODE_MAX_PEERS: '12' }).get('max-peers'), ['12', 'env TIMENODE_MAX_PEERS']);
    assert.deepEqual(printed(['--config', file]).get('max-peers'), ['10', `file ${file}`]);
    assert.deepEqual(printed([]).get('max-peers'), ['32', 'default']);
    // A list from the environment is comma-separated; a flag list replaces it whole.
    assert.deepEqual(printed([], { TIMENODE_PEER: '127.15.0.4:1,127.15.0.5:1' }).get('peer'), ['["127.15.0.4:1", "127.15.0.5:1"]', 'env TIMENODE_PEER']);
    assert.deepEqual(printed(['--peer', '127.15.0.6:1'], { TIMENODE_PEER: '127.15.0.4:1' }).get('peer'), ['["127.15.0.6:1"]', 'flag']);

    // Without --config, DIR/timenode.toml of the data folder is read.
    const data = join(dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'timenode.toml'), 'log-level = "debug"\n');
    assert.deepEqual(printed(['--data', data]).get('log-level'), ['"debug"', `file ${join(data, 'timenode.toml')}`]);
    assert.deepEqual(printed([], { TIMENODE_DATA: data }).get('log-level'), ['"debug"', `file ${join(data, 'timenode.toml')}`]);
  } finally {
    removeDir(dir);
  }
});

test('a node starts from the file alone (data, genesis, listen, profile in timenode.toml)', async () => {
  const dir = tempDir('timenode-config-');
  try {
    const { file: genesisFile } = writeGenesis(dir, [testKey(1)], { interval: 2000, time: Date.now() });
    const port = await portFreeOn(['127.15.0.1']);
    const config = join(dir, 'timenode.toml');
    writeFileSync(config, `data = "node"\ngenesis = "${genesisFile}"\nlisten = "127.15.0.1:${port}"\nprofile = "devnet"\nlog-level = "debug"\nmax-memory = 48\n`);
    const child = spawn(process.execPath, [TIMENODE_BIN, 'start', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stderr.setEncoding('utf8');
    await new Promise<void>((ready, fail) => {
      child.stderr.on('data', (chunk: string) => {
        log += chunk;
        if (log.includes(`listening on 127.15.0.1:${port}`)) ready();
      });
      child.once('exit', (code) => fail(new Error(`start exited ${code} before listening:\n${log}`)));
    });
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((done) => child.once('exit', done));
    assert.equal(code, 0, log);
    assert.match(log, /memory budget 48.0 MB/, 'max-memory from the file sized the budget');
    assert.match(log, new RegExp(`created a new node key in ${join(dir, 'node').replace(/[/.]/g, '\\$&')}`), 'the data folder is relative to the file');
  } finally {
    removeDir(dir);
  }
});

test('each refusal is one line naming the key and the file (or variable or flag), exit 2, before the node starts', () => {
  const dir = tempDir('timenode-config-');
  try {
    const base = ['start', '--data', join(dir, 'never'), '--genesis', join(dir, 'none.json'), '--listen', '127.15.0.1:1'];
    const cases: [string, string | undefined, Record<string, string>, string[], string][] = [
      ['unknown key', 'lissten = "127.15.0.1:1"\n', {}, [], `${join(dir, 'case.toml')}: unknown key "lissten" (\`timenode config --example\` lists every key)`],
      ['wrong type', 'max-peers = "ten"\n', {}, [], `${join(dir, 'case.toml')}: max-peers must be an integer, got the string "ten"`],
      ['bad value', 'max-peers = 0\n', {}, [], `${join(dir, 'case.toml')}: max-peers must be a positive integer, got "0"`],
      ['over the cap', 'max-peers = 5000\n', {}, [], `${join(dir, 'case.toml')}: max-peers must be at most 1024, got 5000`],
      ['not a list', 'peer = "127.15.0.2:1"\n', {}, [], `${join(dir, 'case.toml')}: peer must be an array of strings, got the string "127.15.0.2:1"`],
      ['bad list item', 'peer = ["127.15.0.2"]\n', {}, [], `${join(dir, 'case.toml')}: peer must be IP:PORT:`],
      ['bad choice', 'log-level = "loud"\n', {}, [], `${join(dir, 'case.toml')}: log-level must be debug, info, warn or error, got "loud"`],
      ['a table', '[node]\nlisten = "x"\n', {}, [], `${join(dir, 'case.toml')}: unknown key "node"`],
      ['not TOML', 'max-peers = [\n', {}, [], `${join(dir, 'case.toml')}: not valid TOML:`],
      ['bad env', undefined, { TIMENODE_VERIFY_THREADS: 'lots' }, [], 'TIMENODE_VERIFY_THREADS must be a whole number from 0 to 64, got "lots"'],
      ['bad env boolean', undefined, { TIMENODE_REQUIRE_NATIVE: 'maybe' }, [], 'TIMENODE_REQUIRE_NATIVE must be 1, true, 0 or false, got "maybe"'],
      ['bad flag', undefined, {}, ['--max-memory=-5'], '--max-memory must be a positive integer, got "-5"'],
      ['missing config file', undefined, {}, ['--config', join(dir, 'absent.toml')], `--config: ${join(dir, 'absent.toml')} does not exist`],
    ];
    for (const [what, body, env, flags, message] of cases) {
      const args = [...base, ...flags];
      if (body !== undefined) {
        writeFileSync(join(dir, 'case.toml'), body);
        args.push('--config', join(dir, 'case.toml'));
      }
      const r = run(args, env);
      assert.equal(r.status, 2, `${what}: ${r.stderr}`);
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, `${what}: ${r.stderr}`);
      assert.ok(lines[0]!.startsWith(`timenode start: ${message}`), `${what}: ${lines[0]}`);
    }
    const missing = run(['start', '--data', join(dir, 'never'), '--genesis', join(dir, 'none.json')]);
    assert.equal(missing.stderr, 'timenode start: missing required flag --listen (or TIMENODE_LISTEN, or listen in timenode.toml)\n');
  } finally {
    removeDir(dir);
  }
});

test('one table drives --help, the environment names and `config --example`, which is a valid file for every key', () => {
  const help = run(['start', '--help']);
  assert.equal(help.status, 0);
  const example = run(['config', '--example']);
  assert.equal(example.status, 0);
  for (const [key, s] of Object.entries(START_SETTINGS)) {
    assert.ok(help.stdout.includes(`--${key}`), `--help lists --${key}`);
    assert.ok(help.stdout.includes(envName(key)), `--help names ${envName(key)}`);
    assert.match(example.stdout, new RegExp(`^(# )?${key} = `, 'm'), `the example has ${key}`);
    assert.ok(s.help.length > 10, `${key} has help text`);
  }
  // Uncommented, every line of the example parses and is accepted by `config --print`.
  const dir = tempDir('timenode-config-');
  try {
    // (The example's serial device is a Pi's UART; this machine has none, and a missing device is refused.)
    const uncommented = example.stdout.replace(/^# ([a-z-]+ = )/gm, '$1').replace(/^serial = .*$/m, 'serial = ["/dev/null:9600"]');
    const file = join(dir, 'example.toml');
    writeFileSync(file, uncommented);
    const keys = Object.keys(parseToml(uncommented));
    assert.deepEqual(keys.sort(), Object.keys(START_SETTINGS).sort());
    const all = printed(['--config', file]);
    for (const key of keys) assert.equal(all.get(key)?.[1], `file ${file}`, key);
  } finally {
    removeDir(dir);
  }
});
