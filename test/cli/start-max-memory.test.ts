// The quick reading of --max-memory that `start` restarts by
// (src/cli/start-max-memory.ts) against the full settings resolution: the
// usual command lines, environments and files get the same answer from
// both, and on any command line the quick one is either the full one's
// answer or no answer (then the full resolution runs). A quick answer the
// full one disagrees with would restart the node with settings sized for
// the wrong budget.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { quickMaxMemory } from '../../src/cli/start-max-memory';
import { resolvedMaxMemory } from '../../src/cli/start-launch';
import { removeDir, tempDir } from '../support/harness';

const dir = tempDir('timenode-quick-max-memory-');
after(() => removeDir(dir));

/** Folders and files the cases name: a data folder with timenode.toml, one without, and settings files of every kind. */
const withFile = join(dir, 'with-file');
const withoutFile = join(dir, 'without-file');
mkdirSync(withFile);
mkdirSync(withoutFile);
writeFileSync(join(withFile, 'timenode.toml'), 'max-memory = 40\nmax-peers = 8\n');
const files = {
  sets48: 'max-memory = 48\n',
  quoted: '"max-memory" = 56 # a quoted key\n',
  unset: 'max-peers = 8\n',
  string: 'max-memory = "64"\n',
  zero: 'max-memory = 0\n',
  float: 'max-memory = 64.5\n',
  table: '[max-memory]\nvalue = 3\n',
  notToml: 'max-memory = = 3\n',
  unknownKey: 'max-memory = 72\nno-such-key = 1\n',
};
const file: Record<keyof typeof files, string> = {} as Record<keyof typeof files, string>;
for (const [name, text] of Object.entries(files)) {
  file[name as keyof typeof files] = join(dir, `${name}.toml`);
  writeFileSync(join(dir, `${name}.toml`), text);
}
const missing = join(dir, 'missing.toml');

/** Only the variables either reading looks at. */
type Env = Partial<Record<'TIMENODE_MAX_MEMORY' | 'TIMENODE_CONFIG' | 'TIMENODE_DATA', string>>;

function both(args: string[], env: Env = {}): { quick: number | undefined; full: number | undefined } {
  return { quick: quickMaxMemory(args, env), full: resolvedMaxMemory(args, env) };
}

test('the usual command lines get the full resolution answer from the quick reading: flags in both forms, the last one winning, environment, a data folder or --config file, defaults', () => {
  const cases: [string[], Env, number][] = [
    [[], {}, 96],
    [['--max-memory', '64'], {}, 64],
    [['--max-memory=48'], {}, 48],
    [['--max-memory', '64', '--max-memory=32'], {}, 32],
    [['--data', withoutFile, '--listen', '127.40.2.1:24000', '--max-memory', '50', '--profile', 'devnet', '--require-native'], {}, 50],
    [[], { TIMENODE_MAX_MEMORY: '80' }, 80],
    [[], { TIMENODE_MAX_MEMORY: '' }, 96],
    [['--max-memory', '24'], { TIMENODE_MAX_MEMORY: '80' }, 24],
    [['--data', withFile], {}, 40],
    [[`--data=${withFile}`], {}, 40],
    [[], { TIMENODE_DATA: withFile }, 40],
    [['--data', withoutFile], { TIMENODE_DATA: withFile }, 96],
    [['--data', withFile], { TIMENODE_MAX_MEMORY: '80' }, 80],
    [['--config', file.sets48], {}, 48],
    [['--config', file.sets48, '--data', withFile], {}, 48],
    [[], { TIMENODE_CONFIG: file.quoted }, 56],
    [['--config', file.unset], {}, 96],
  ];
  for (const [args, env, mb] of cases) assert.deepEqual(both(args, env), { quick: mb, full: mb }, `${args.join(' ')} ${JSON.stringify(env)}`);
});

test('what the full resolution refuses gets no quick answer: --help, bad values, a flag without its value, "--", a file that is missing, not TOML or of the wrong type', () => {
  const cases: [string[], Env][] = [
    [['--help'], {}],
    [['-h', '--max-memory', '64'], {}],
    [['--max-memory', '0'], {}],
    [['--max-memory', '064x'], {}],
    [['--max-memory=-5'], {}],
    [['--max-memory'], {}],
    [['--max-memory', '--data', withFile], {}],
    [['--', '--max-memory', '64'], {}],
    [[], { TIMENODE_MAX_MEMORY: 'lots' }],
    [['--config', missing], {}],
    [[], { TIMENODE_CONFIG: missing }],
    [['--config', file.string], {}],
    [['--config', file.zero], {}],
    [['--config', file.float], {}],
    [['--config', file.table], {}],
    [['--config', file.notToml], {}],
  ];
  for (const [args, env] of cases) assert.deepEqual(both(args, env), { quick: undefined, full: undefined }, `${args.join(' ')} ${JSON.stringify(env)}`);
});

test('on any mix of flags, values and environment the quick reading gives the full answer or none (it may answer where the full one refuses another setting: the restarted node names it)', () => {
  const token = fc.constantFrom(
    '--max-memory', '--max-memory=72', '--max-memory=0', '64', '0', '', 'x',
    '--data', `--data=${withFile}`, withFile, withoutFile,
    '--config', `--config=${file.sets48}`, file.sets48, file.unset, file.string, file.notToml, file.unknownKey, missing,
    '--listen', '127.40.2.1:24001', '--profile', 'devnet', '--require-native', '--allow-plaintext', '--bogus', '--', '-h', '--help',
  );
  const envValue = (values: string[]) => fc.option(fc.constantFrom(...values), { nil: undefined });
  const env = fc.record({
    TIMENODE_MAX_MEMORY: envValue(['88', '', 'lots', '0']),
    TIMENODE_CONFIG: envValue([file.sets48, file.unset, missing, file.float]),
    TIMENODE_DATA: envValue([withFile, withoutFile]),
  });
  fc.assert(
    fc.property(fc.array(token, { maxLength: 8 }), env, (args, e) => {
      const defined = Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined)) as Env;
      const { quick, full } = both(args, defined);
      if (quick !== undefined && full !== undefined) assert.equal(quick, full, `${args.join(' ')} ${JSON.stringify(defined)}`);
      // A quick answer where the full one has none is only for a setting other than max-memory.
      if (quick !== undefined && full === undefined) assert.ok(!args.some((a) => a === '-h' || a === '--help' || a === '--'), args.join(' '));
    }),
    { numRuns: 2000, seed: 10 },
  );
});
