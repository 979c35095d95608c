// firmware-notes/ against the code: every `timenode` command and flag the
// guide runs exists, every source path it names exists, the unit passes
// `systemd-analyze verify` and is hardened with MemoryMax sized from the
// budget, the heap figure it quotes is what `timenode start` sets itself for
// the file's max-memory, the settings file is accepted, and the firewall file
// adds its rule without wiping the operator's (checked by `nft -c`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { removeDir, tempDir } from '../support/harness';
import { REPO_ROOT, TIMENODE_BIN } from '../support/processes';
import { expectedHeapLimitMb } from '../../src/node/process-settings';

const NOTES = join(REPO_ROOT, 'firmware-notes');
const guide = readFileSync(join(NOTES, 'README.md'), 'utf8');
const unitText = readFileSync(join(NOTES, 'timenode.service'), 'utf8');
const flat = guide.replace(/\s+/g, ' ');

/** The unit's directives (the last value of each key, Environment= lines all kept). */
function unit(): { get(key: string): string | undefined; env: Record<string, string> } {
  const values = new Map<string, string>();
  const env: Record<string, string> = {};
  for (const line of unitText.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    values.set(m[1]!, m[2]!);
    if (m[1] === 'Environment') {
      const e = /^"?([A-Z_]+)=(.*?)"?$/.exec(m[2]!.replace(/^([A-Z_]+)="(.*)"$/, '$1=$2'));
      if (e) env[e[1]!] = e[2]!;
    }
  }
  return { get: (k) => values.get(k), env };
}

/** `timenode CMD --flag …` as the guide writes them, in code blocks and in `inline code`. */
function timenodeCommands(): string[][] {
  const spans = [...guide.matchAll(/```\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n')).concat([...guide.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!));
  const out: string[][] = [];
  for (const span of spans) {
    const m = /(?:^|\s|bin\/|alone\/|\/timenode\/)timenode(?:-linux-[a-z0-9]+|\.cjs)? ([a-z][a-z-]*)((?: [^\s|;&>]+)*)/.exec(span);
    if (!m || m[1] === 'linux') continue;
    out.push([m[1]!, ...m[2]!.trim().split(/\s+/).filter((w) => w.startsWith('--'))]);
  }
  return out;
}

test('every timenode command and flag the guide runs exists (its --help lists the flag)', () => {
  const commands = timenodeCommands();
  assert.ok(commands.length >= 10, `found only ${commands.length} timenode commands in the guide`);
  const helpOf = new Map<string, string>();
  for (const [name, ...flags] of commands) {
    if (!helpOf.has(name!)) {
      const r = spawnSync(process.execPath, [TIMENODE_BIN, name!, '--help'], { encoding: 'utf8' });
      assert.equal(r.status, 0, `\`timenode ${name} --help\` failed: the guide runs a command that does not exist: ${r.stderr}`);
      helpOf.set(name!, r.stdout);
    }
    for (const flag of flags) {
      const bare = flag.split('=')[0]!;
      assert.ok(helpOf.get(name!)!.includes(bare), `the guide runs \`timenode ${name} ${bare}\`, which ${name} --help does not list`);
    }
  }
});

test('every source path and file the guide and the unit name exists', () => {
  const paths = new Set([...`${guide}\n${unitText}`.matchAll(/\b((?:src|build|test|bench|native)\/[\w./-]+\.(?:ts|mjs|js|c|h|json))\b/g)].map((m) => m[1]!));
  assert.ok(paths.size >= 3);
  for (const p of paths) assert.ok(existsSync(join(REPO_ROOT, p)), `${p} is named in firmware-notes but does not exist`);
  for (const m of guide.matchAll(/\]\(([\w.-]+)\)/g)) assert.ok(existsSync(join(NOTES, m[1]!)), `the guide links ${m[1]}, which is not in firmware-notes/`);
  assert.ok(existsSync(join(REPO_ROOT, 'build/sea/build.mjs')) && JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).scripts['build:sea'], 'npm run build:sea exists');
});

test('the unit passes systemd-analyze verify, is hardened, and its MemoryMax fits the budget and the heap limit', () => {
  const u = unit();
  assert.equal(u.get('User'), 'timenode', 'a dedicated user');
  assert.equal(u.get('ProtectSystem'), 'strict');
  assert.equal(u.get('NoNewPrivileges'), 'yes');
  assert.equal(u.get('Restart'), 'on-failure');
  assert.match(u.get('ExecStart') ?? '', /^\/usr\/local\/bin\/timenode start --config \/etc\/timenode\/timenode\.toml$/);
  const megabytes = (v: string | undefined): number => {
    const m = /^(\d+)([MG])$/.exec(v ?? '');
    assert.ok(m, `a size in M or G, got ${v}`);
    return Number(m[1]) * (m[2] === 'G' ? 1024 : 1);
  };
  const settings = parseToml(readFileSync(join(NOTES, 'timenode.toml'), 'utf8')) as Record<string, unknown>;
  const budget = Number(settings['max-memory']);
  // No NODE_OPTIONS in the unit: `start` sets its own heap limit from max-memory (src/node/process-setup.ts).
  assert.ok(!u.env.NODE_OPTIONS && !unitText.includes('NODE_OPTIONS='), 'the unit needs no NODE_OPTIONS');
  const heap = expectedHeapLimitMb(budget);
  const max = megabytes(u.get('MemoryMax'));
  assert.ok(max >= heap + 60, `MemoryMax ${max} MB below the heap limit ${heap} MiB plus 60`);
  assert.ok(max >= budget + 100, `MemoryMax ${max} MB below max-memory ${budget} MB plus the runtime and headroom`);
  assert.ok(max <= (budget + 100) * 3, `MemoryMax ${max} MB is no cap for a ${budget} MB budget`);
  assert.ok(megabytes(u.get('MemoryHigh')) < max);
  assert.ok(flat.includes(`heapLimitMb=${heap}`), `the guide's heap figure is not the ${heap} MiB that start sets for max-memory ${budget}`);

  const dir = tempDir('timenode-unit-');
  try {
    // verify needs the ExecStart= binaries to exist: the repository's bin/timenode stands in for the installed one.
    const file = join(dir, 'timenode.service');
    writeFileSync(file, unitText.replaceAll('/usr/local/bin/timenode', TIMENODE_BIN));
    const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    assert.equal(r.error, undefined, 'systemd-analyze is missing: .ci/run installs Debian\'s systemd');
    assert.equal(r.status, 0, `systemd-analyze verify: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /timenode\.service/, r.stderr);
  } finally {
    removeDir(dir);
  }
});

test('the settings file is accepted and listens on every interface; no example listens on loopback only', () => {
  const file = join(NOTES, 'timenode.toml');
  const r = spawnSync(process.execPath, [TIMENODE_BIN, 'config', '--print', '--config', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^listen = "0\\.0\\.0\\.0:24100" +# file ${file.replace(/[/.]/g, '\\$&')}$`, 'm'));
  assert.match(r.stdout, /^metrics = "127\.0\.0\.1:9324" /m, 'metrics stay on loopback');
  assert.doesNotMatch(guide, /--listen 127\.0\.0\.1/);
  assert.doesNotMatch(unitText, /--listen 127\.0\.0\.1/);
});

test('the firewall file adds its rule without wiping the operator\'s (no flush, nftables.conf not replaced), and nft accepts it', () => {
  const nftFile = join(NOTES, 'nftables-timenode.nft');
  const nft = readFileSync(nftFile, 'utf8');
  const rules = nft.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  assert.ok(!rules.some((l) => /\bflush\b/.test(l)), 'no flush');
  assert.ok(!rules.some((l) => /^\s*table\b/.test(l)), 'no table block that would redefine the operator\'s table');
  assert.ok(rules.some((l) => /^insert rule inet filter input tcp dport 24100 accept/.test(l)));
  assert.doesNotMatch(guide, /install [^\n]*\/etc\/nftables\.conf/, 'the guide does not replace /etc/nftables.conf');
  const r = spawnSync('nft', ['-c', '-f', nftFile], { encoding: 'utf8' });
  assert.equal(r.error, undefined, 'nft is missing: .ci/run installs Debian\'s nftables');
  assert.equal(r.status, 0, r.stderr);
});

test('the README leads to firmware-notes/ with a "Run it on a Pi" section that names build, copy, genesis, unit and status', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = /## Run it on a Pi\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';
  assert.ok(section.includes('firmware-notes/'), 'links the guide');
  for (const needed of ['npm run build:sea', 'dpkg --print-architecture', 'genesis', 'timenode.service', 'timenode status']) assert.ok(section.includes(needed), `mentions ${needed}`);
});
