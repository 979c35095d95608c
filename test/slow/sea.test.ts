// The single-file builds of build/sea/ (issue "One file to flash") run as a
// board would run them: the x64 binary alone in a folder, from /, beside
// nodes run from the sources; the arm64 binary under qemu-aarch64 and the
// portable bundle on the armv7 Node 20.11 under qemu-arm, each joining a
// devnet of x64 nodes, syncing its blocks and relaying a tx. dist/ is built
// from this tree first when missing or stale (build/sea/build.mjs --if-stale).
//
// Under qemu a node is 10-20x slower than natively: the waits for the arm
// nodes are generous and their chains small. Like every test they run in
// both passes of build/run-tests.mjs: with TIMENODE_NATIVE=0 the binaries run
// their fallbacks (the armv7 bundle always does).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { join } from 'node:path';
import { before, test, TestContext } from 'node:test';
import { txId } from '../../src/chain/layouts';
import { signTx } from '../../src/chain/signing';
import type { Info } from '../../src/cli/info';
import { generateKeyPair, KeyPair, randomBytes } from '../../src/crypto';
import { crc32 as compatCrc32 } from '../../src/sea/node-compat';
import type { NodeStatus } from '../../src/node/status';
import { removeDir, tempDir } from '../support/harness';
import { makeChain, NodeProcess, peersOf, readBlocks, REPO_ROOT, short, TIMENODE_BIN, waitUntil, withNodes, writeGenesis, writeKeyFile } from '../support/processes';
import { buildArtefacts, CommandNode, Manifest, missingTools, pinnedNode, QEMU } from './sea-fixtures';

/** TIMENODE_SEA_TEST_PORT: another port when two copies of the suite share a machine. */
const PORT = Number(process.env.TIMENODE_SEA_TEST_PORT ?? 24711);
const X64_IPS = ['127.0.11.1', '127.0.11.2', '127.0.11.3'] as const;
/** Two x64 masternodes and the arm node (a relay: it holds no masternode key, so a slow start stalls no slot). */
const ARM64_IPS = ['127.0.12.1', '127.0.12.2', '127.0.12.3'] as const;
const ARMV7_IPS = ['127.0.12.11', '127.0.12.12', '127.0.12.13'] as const;
/** Blocks the x64 nodes hold before the arm node starts: enough to need a sync, few enough for qemu. */
const ARM_CHAIN = 30;
const INTERVAL = 1000;
/** Generous: a qemu node takes 5-15 s to start on a loaded 2-core machine. */
const QEMU_WAIT_MS = 120_000;
const FALLBACK_PASS = process.env.TIMENODE_NATIVE === '0';

let manifest: Manifest | undefined;
let skipWhy: string | undefined;

before(() => {
  const missing = missingTools();
  if (missing.length > 0) {
    skipWhy = `the single-file build tests need ${missing.join(', ')}; .ci/run installs them (apt-get install qemu-user-static g++-aarch64-linux-gnu g++-arm-linux-gnueabihf)`;
    return;
  }
  manifest = buildArtefacts();
});

/** The manifest, or skips the test naming the missing tools. */
function artefacts(t: TestContext): Manifest | undefined {
  if (skipWhy || !manifest) {
    t.skip(skipWhy);
    return undefined;
  }
  return manifest;
}

function binary(m: Manifest, target: string): string {
  const b = m.binaries.find((x) => x.target === target);
  assert.ok(b, `dist/manifest.json lists no ${target} binary`);
  return join(REPO_ROOT, b.file);
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** The environment of a board's service: a bare PATH, no NODE_PATH, plus `extra`; TIMENODE_NATIVE follows the pass. */
function bareEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: '/usr/bin:/bin', ...extra };
  if (process.env.TIMENODE_NATIVE !== undefined && !('TIMENODE_NATIVE' in extra)) env.TIMENODE_NATIVE = process.env.TIMENODE_NATIVE;
  return env;
}

/** `… info --json` from `command`; fails with its output when it exits non-zero. */
function runInfo(command: string[], env: NodeJS.ProcessEnv, cwd = '/'): Info {
  const [file, ...args] = command;
  const run = spawnSync(file as string, [...args, 'info', '--json'], { cwd, env, encoding: 'utf8', timeout: QEMU_WAIT_MS });
  assert.equal(run.status, 0, `${command.join(' ')} info --json exited ${run.status ?? run.signal}:\n${run.stdout}${run.stderr}`);
  return JSON.parse(run.stdout) as Info;
}

const nativePaths = (info: Info): string[] => info.hotPaths.filter((c) => c.kind === 'native').map((c) => c.path);

/** Addon folders of process `pid` in `dirs`. */
function addonDirsOf(pid: number | undefined, dirs: string[]): string[] {
  return dirs.flatMap((d) => (existsSync(d) ? readdirSync(d).filter((n) => n.startsWith(`timenode-addon-${pid}-`)).map((n) => join(d, n)) : []));
}

function brief(all: (NodeStatus | undefined)[], names: string[]): string {
  return all
    .map((s, i) => `${names[i]}: ${s === undefined ? '-' : `height ${s.height} tip ${s.tip.slice(0, 12)} finalized ${s.finalized} peers [${s.peers.map((p) => `${p.ip} ${p.state}`).join(', ')}]`}`)
    .join('; ');
}

function demoTx(): ReturnType<typeof signTx> {
  return signTx(generateKeyPair(), { inputs: [{ txid: randomBytes(32), index: 0 }], outputs: [{ to: randomBytes(32), amount: 1000n }], time: Date.now() });
}

test('dist/timenode.cjs is byte-identical when bundled again, and both binaries carry no symbol table (Node stripped before injection)', (t) => {
  const m = artefacts(t);
  if (!m) return;
  const dir = tempDir('timenode-sea-bundle-');
  try {
    const again = join(dir, 'timenode.cjs');
    const run = spawnSync(process.execPath, [join(REPO_ROOT, 'build', 'sea', 'bundle.mjs'), again], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(sha256(again), m.bundle.sha256, 'a second bundle of the same tree differs from dist/timenode.cjs');
    for (const b of m.binaries) {
      const sections = spawnSync('readelf', ['-S', '-W', join(REPO_ROOT, b.file)], { encoding: 'utf8' }).stdout;
      assert.doesNotMatch(sections, /\.symtab/, `${b.file} still has a symbol table`);
      process.stdout.write(`${b.file}: ${b.bytes} bytes (${(b.bytes / 1048576).toFixed(1)} MiB), addons ${Object.keys(b.addons).join(', ')}\n`);
    }
  } finally {
    removeDir(dir);
  }
});

test('the x64 binary alone in an empty folder, run from / with a bare environment: `info` reports at least the native paths of the sources, its addons unpack to the runtime folder and are gone after, and a folder left by a killed run is removed while a live one is kept', (t) => {
  const m = artefacts(t);
  if (!m) return;
  const dir = tempDir('timenode-sea-alone-');
  try {
    const bin = join(dir, 'timenode');
    copyFileSync(binary(m, 'linux-x64'), bin);
    spawnSync('chmod', ['+x', bin]);
    const runtime = join(dir, 'run');
    const deadPid = spawnSync('true').pid as number;
    const stale = join(runtime, `timenode-addon-${deadPid}-Stale1`);
    const live = join(runtime, `timenode-addon-${process.pid}-Alive1`);
    mkdirSync(stale, { recursive: true });
    mkdirSync(live);
    copyFileSync(bin, join(stale, 'sodium-native.node'));

    const info = runInfo([bin], bareEnv({ XDG_RUNTIME_DIR: runtime }));
    const fromSources = runInfo([process.execPath, TIMENODE_BIN], { ...process.env }, REPO_ROOT);
    process.stdout.write(`x64 binary native paths: ${nativePaths(info).join(', ') || 'none'}; from the sources: ${nativePaths(fromSources).join(', ') || 'none'}\n`);
    assert.equal(info.packaging, 'sea');
    assert.equal(info.arch, 'x64');
    assert.equal(info.node, 'v20.20.2');
    for (const path of nativePaths(fromSources)) assert.ok(nativePaths(info).includes(path), `${path} runs native from the sources but not in the binary: ${JSON.stringify(info, null, 2)}`);
    if (FALLBACK_PASS) {
      assert.deepEqual(nativePaths(info), [], 'TIMENODE_NATIVE=0 must put every path on its fallback');
      assert.deepEqual(info.addons, [], 'TIMENODE_NATIVE=0 must unpack no addon');
    } else {
      assert.ok(info.addons.length > 0 && info.addons.every((a) => a.ok), `addons: ${JSON.stringify(info.addons)}`);
      assert.ok(info.addons.every((a) => a.detail.includes(`via ${runtime}`)), `addons not unpacked in XDG_RUNTIME_DIR: ${JSON.stringify(info.addons)}`);
      // TIMENODE_NATIVE=1 exits non-zero when any addon fails: every addon built into the binary loads.
      const required = runInfo([bin], bareEnv({ XDG_RUNTIME_DIR: runtime, TIMENODE_NATIVE: '1' }));
      assert.deepEqual(required.addons.filter((a) => a.ok).map((a) => a.name).sort(), Object.keys(m.binaries.find((b) => b.target === 'linux-x64')?.addons ?? {}).sort());
    }
    assert.deepEqual(readdirSync(runtime), [`timenode-addon-${process.pid}-Alive1`], 'the runtime folder should hold only the live process\'s folder');
    assert.ok(existsSync(live));
  } finally {
    removeDir(dir);
  }
});

test('the x64 binary alone in an empty folder, run from / with a bare environment, runs `bench --only codec,crypto --runs 1`: its helper processes are the binary itself (`bench-worker`), gate.json is inside, and it prints the Markdown report with those rows and writes nothing', { timeout: 120_000 }, (t) => {
  const m = artefacts(t);
  if (!m) return;
  const dir = tempDir('timenode-sea-bench-');
  try {
    const bin = join(dir, 'timenode');
    copyFileSync(binary(m, 'linux-x64'), bin);
    spawnSync('chmod', ['+x', bin]);
    const started = Date.now();
    const run = spawnSync(bin, ['bench', '--only', 'codec,crypto', '--runs', '1'], { cwd: '/', env: bareEnv(), encoding: 'utf8', timeout: 100_000 });
    process.stdout.write(`x64 binary: bench --only codec,crypto --runs 1 in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    assert.equal(run.status, 0, `bench exited ${run.status ?? run.signal}:\n${run.stdout}${run.stderr}`);
    const report = run.stdout;
    assert.match(report, /^### timenode bench — /m);
    assert.match(report, /^- \*\*Backends:\*\* .*hash=native\(sodium-native\)/m, 'the crypto worker (the binary itself) should load sodium-native from inside the binary');
    assert.match(report, /^\| case \| figure \| baseline \| ratio \| runs \(min–max\) \| gate \|$/m);
    // Gated rows carry their threshold: gate.json was bundled.
    for (const row of ['codec.all', 'codec.tx', 'codec.block', 'crypto.hash_native', 'crypto.verify_native', 'crypto.hash_fallback', 'crypto.verify_fallback']) {
      assert.match(report, new RegExp(`^\\| \`${row.replace('.', '\\.')}\` \\| [0-9,.]+ \\S.* \\| [0-9.]+ \\| +\\| [≥≤] [0-9.]+ \\|$`, 'm'), `no measured, gated row ${row} in:\n${report}`);
    }
    assert.doesNotMatch(report, /^\| `(rtt|relay|sync|memory|start)\./m, 'only the cases asked for');
    assert.doesNotMatch(report, /failed\*\*/, 'a case failed');
    assert.match(run.stderr, /results not written/);
    assert.deepEqual(readdirSync(dir), ['timenode'], 'nothing may be written beside the binary');
  } finally {
    removeDir(dir);
  }
});

test('the x64 binary runs a 3-node devnet with two nodes from the sources: full mesh, one tip, a tx submitted to it finalized on all three; killed with kill -9 it leaves no addon folder', async (t) => {
  const m = artefacts(t);
  if (!m) return;
  const dir = tempDir('timenode-sea-x64-devnet-');
  let sea: CommandNode | undefined;
  try {
    await withNodes(async (group) => {
      const keys = X64_IPS.map(() => generateKeyPair());
      keys.forEach((k, i) => writeKeyFile(join(dir, `node${i + 1}`), k));
      const { file } = writeGenesis(dir, keys, { interval: INTERVAL, time: Date.now() + 2000, network: 'sea-x64' });
      const spawnLib = (i: number): NodeProcess =>
        group.spawn({ name: `node${i + 1}`, ip: X64_IPS[i] as string, port: PORT, dataDir: join(dir, `node${i + 1}`), genesisFile: file, peers: i === 0 ? [] : [`${X64_IPS[0]}:${PORT}`], profile: 'devnet' });
      const lib = [spawnLib(0), spawnLib(1)];
      sea = new CommandNode({ name: 'node3 (x64 binary)', command: [binary(m, 'linux-x64')], ip: X64_IPS[2], port: PORT, dataDir: join(dir, 'node3'), genesisFile: file, peers: [`${X64_IPS[0]}:${PORT}`], env: bareEnv() });
      const nodes = [...lib, sea];
      const names = nodes.map((n) => n.name);
      let last: NodeStatus[] = [];
      const statuses = async (): Promise<NodeStatus[]> => (last = await Promise.all(nodes.map((n) => n.status())));
      try {
        await waitUntil('each node established with the two others', async () => (await statuses()).every((s) => peersOf(s).size === 2) || undefined, { timeoutMs: 30_000, describe: () => brief(last, names) });
        const tx = demoTx();
        sea.submit(tx);
        await waitUntil(`tx ${short(txId(tx))} finalized on all three`, async () => (await statuses()).every((s) => s.finalized >= 1) || undefined, { timeoutMs: 20_000, everyMs: 100, describe: () => brief(last, names) });
        await waitUntil('one tip at height ≥ 3 on all three', async () => {
          const all = await statuses();
          return all.every((s) => s.height >= 3 && s.tip === all[0]?.tip) || undefined;
        }, { timeoutMs: 20_000, everyMs: 100, describe: () => brief(last, names) });
      } catch (err) {
        process.stderr.write(`----- ${sea.name} log -----\n${sea.log}\n`);
        throw err;
      }
      // The binary restarted itself with its process settings (src/node/process-setup.ts), no NODE_OPTIONS given.
      assert.match(sea.log, /INFO .*process settings applied \(re-exec\).* heapLimitMb=166 .*mmapThreshold=65536/, sea.log);
      const pid = sea.child.pid;
      await sea.kill9();
      const left = addonDirsOf(pid, ['/dev/shm', tmpdir(), process.env.XDG_RUNTIME_DIR ?? '/nonexistent']);
      assert.deepEqual(left, [], `addon folders of the killed binary (pid ${pid})`);
    });
  } finally {
    await sea?.stop();
    removeDir(dir);
  }
});

interface ArmRun {
  /** "arm64 binary", "armv7 bundle". */
  label: string;
  ips: readonly [string, string, string];
  /** The command line before `start`/`info`. */
  command: string[];
  network: string;
}

/**
 * Two x64 masternodes (from the sources) hold a chain of ARM_CHAIN blocks and
 * keep producing; the arm node starts knowing only the first, must handshake
 * with both, sync to their tip, and relay a tx submitted to it until the
 * masternodes finalize it and it comes back in a block.
 */
async function armJoinsX64Devnet(run: ArmRun): Promise<void> {
  const dir = tempDir(`timenode-sea-${run.network}-`);
  let arm: CommandNode | undefined;
  try {
    await withNodes(async (group) => {
      const keys: KeyPair[] = [generateKeyPair(), generateKeyPair()];
      keys.forEach((k, i) => writeKeyFile(join(dir, `x64-${i + 1}`), k));
      writeKeyFile(join(dir, 'arm'), generateKeyPair());
      const { file, genesis } = writeGenesis(dir, keys, { interval: INTERVAL, time: Date.now() - (ARM_CHAIN + 2) * INTERVAL, network: run.network });
      makeChain(join(dir, 'x64-1'), genesis, keys, ARM_CHAIN);
      const x64 = [0, 1].map((i) =>
        group.spawn({ name: `x64-${i + 1}`, ip: run.ips[i] as string, port: PORT, dataDir: join(dir, `x64-${i + 1}`), genesisFile: file, peers: i === 0 ? [] : [`${run.ips[0]}:${PORT}`], profile: 'devnet' }),
      );
      let sx: NodeStatus[] = [];
      await waitUntil('the two x64 nodes connected', async () => (sx = await Promise.all(x64.map((n) => n.status()))).every((s) => peersOf(s).size === 1) || undefined, {
        timeoutMs: 20_000,
        describe: () => brief(sx, ['x64-1', 'x64-2']),
      });

      const started = Date.now();
      const since = (): string => `${((Date.now() - started) / 1000).toFixed(1)} s`;
      arm = new CommandNode({ name: run.label, command: run.command, ip: run.ips[2], port: PORT, dataDir: join(dir, 'arm'), genesisFile: file, peers: [`${run.ips[0]}:${PORT}`], env: bareEnv() });
      const armNode = arm;
      const nodes = [...x64, armNode];
      const names = ['x64-1', 'x64-2', run.label];
      let last: (NodeStatus | undefined)[] = [];
      const statuses = async (): Promise<NodeStatus[]> => {
        const all = await Promise.all(nodes.map((n) => n.status(QEMU_WAIT_MS)));
        last = all;
        return all;
      };
      const timeline: string[] = [];
      try {
        await armNode.status(QEMU_WAIT_MS);
        timeline.push(`first status ${since()}`);
        await waitUntil(`${run.label} established with both x64 nodes`, async () => {
          const s = await statuses();
          const peers = peersOf(s[2] as NodeStatus);
          return (peers.has(run.ips[0]) && peers.has(run.ips[1])) || undefined;
        }, { timeoutMs: QEMU_WAIT_MS, everyMs: 500, describe: () => brief(last, names) });
        timeline.push(`handshakes done ${since()}`);
        await waitUntil(`${run.label} synced to the x64 tip (≥ ${ARM_CHAIN})`, async () => {
          const s = await statuses();
          const [a, , c] = s as [NodeStatus, NodeStatus, NodeStatus];
          return (c.height >= ARM_CHAIN && c.tip === a.tip) || undefined;
        }, { timeoutMs: QEMU_WAIT_MS, everyMs: 500, describe: () => brief(last, names) });
        timeline.push(`synced ${last[2]?.height} blocks ${since()}`);

        const tx = demoTx();
        const id = txId(tx).toString('hex');
        armNode.submit(tx);
        await waitUntil(`tx ${id.slice(0, 16)} relayed by ${run.label} and finalized by both x64 masternodes (and seen final by ${run.label})`, async () => (await statuses()).every((s) => s.finalized >= 1) || undefined, {
          timeoutMs: QEMU_WAIT_MS,
          everyMs: 500,
          describe: () => brief(last, names),
        });
        timeline.push(`tx final ${since()}`);
        await waitUntil(`tx ${id.slice(0, 16)} in a block stored by ${run.label}`, () => readBlocks(join(dir, 'arm')).some((b) => b.txids.some((t) => t.toString('hex') === id)) || undefined, {
          timeoutMs: QEMU_WAIT_MS,
          everyMs: 500,
          describe: () => `${run.label} stored ${readBlocks(join(dir, 'arm')).length} blocks`,
        });
        timeline.push(`tx in a stored block ${since()}`);
        process.stdout.write(`${run.label} under qemu: ${timeline.join(', ')}\n`);
      } catch (err) {
        process.stderr.write(`----- ${run.label} log (${timeline.join(', ')}) -----\n${armNode.log}\n`);
        throw err;
      }
      await armNode.stop();
      assert.deepEqual(armNode.exit, { code: 0, signal: null }, `${run.label} did not stop cleanly on SIGTERM:\n${armNode.log}`);
    });
  } finally {
    await arm?.stop();
    removeDir(dir);
  }
}

test("the bundle's stand-in for zlib.crc32 (missing before Node 20.15, so on the armv7 Node 20.11) gives zlib's values, continuation included", () => {
  for (const len of [0, 1, 7, 8, 63, 1000, 65_537]) {
    const data = randomBytes(len);
    assert.equal(compatCrc32(data), zlibCrc32(data), `crc32 of ${len} random bytes`);
    assert.equal(compatCrc32(data.subarray(len >> 1), compatCrc32(data.subarray(0, len >> 1))), zlibCrc32(data), `crc32 of ${len} bytes in two calls`);
  }
  assert.equal(compatCrc32('123456789'), 0xcbf43926, 'the CRC-32 check value');
  assert.equal(compatCrc32(new Uint16Array([1, 2, 3])), zlibCrc32(new Uint16Array([1, 2, 3])), 'a typed array is read as its bytes');
});

test('the arm64 binary under qemu-aarch64 reports its addons loaded from inside it, then joins a devnet of x64 nodes: handshakes with both, syncs their blocks and relays a tx to finality', { timeout: 6 * QEMU_WAIT_MS }, async (t) => {
  const m = artefacts(t);
  if (!m) return;
  const command = [...QEMU['linux-arm64'], binary(m, 'linux-arm64')];
  const started = Date.now();
  const info = runInfo(command, bareEnv({ TIMENODE_NATIVE: '1' }));
  process.stdout.write(`arm64 binary under qemu: info with TIMENODE_NATIVE=1 in ${Date.now() - started} ms; native: ${nativePaths(info).join(', ')}\n`);
  assert.equal(info.packaging, 'sea');
  assert.equal(info.arch, 'arm64');
  assert.deepEqual(info.addons.filter((a) => a.ok).map((a) => a.name).sort(), Object.keys(m.binaries.find((b) => b.target === 'linux-arm64')?.addons ?? {}).sort(), JSON.stringify(info.addons));
  await armJoinsX64Devnet({ label: 'arm64 binary', ips: ARM64_IPS, command, network: 'sea-arm64' });
});

test('the portable bundle on the armv7 Node 20.11 under qemu-arm, copied alone to an empty folder, runs every hot path on its fallback, then joins a devnet of x64 nodes: handshakes with both, syncs their blocks and relays a tx to finality', { timeout: 6 * QEMU_WAIT_MS }, async (t) => {
  const m = artefacts(t);
  if (!m) return;
  const dir = tempDir('timenode-sea-armv7-bundle-');
  try {
    const bundle = join(dir, 'timenode.cjs');
    copyFileSync(join(REPO_ROOT, m.bundle.file), bundle);
    const command = [...QEMU['linux-arm'], pinnedNode('linux-arm'), bundle];
    const info = runInfo(command, bareEnv());
    process.stdout.write(`armv7 bundle: ${info.hotPaths.map((c) => `${c.path} ${c.kind} (${c.why})`).join('; ')}\n`);
    assert.equal(info.packaging, 'bundle');
    assert.equal(info.arch, 'arm');
    assert.equal(info.node, 'v20.11.0');
    assert.ok(info.hotPaths.length > 0, 'no hot path reported');
    assert.deepEqual(nativePaths(info), [], 'the bundle carries no addon: every path must be on its fallback');
    await armJoinsX64Devnet({ label: 'armv7 bundle', ips: ARMV7_IPS, command, network: 'sea-armv7' });
  } finally {
    removeDir(dir);
  }
});

test('our addon cross-compiled for armv7 (checked, not shipped) loads in the armv7 Node 20.11 under qemu-arm and gives the CRC-32C check value', (t) => {
  const m = artefacts(t);
  if (!m) return;
  const addon = m.checkOnlyAddons['linux-arm']?.timenode;
  if (!addon) {
    t.skip('this tree has no native/ addon to cross-compile');
    return;
  }
  const script = `const m={exports:{}};process.dlopen(m,${JSON.stringify(join(REPO_ROOT, addon))});console.log(JSON.stringify({crc:m.exports.crc32c(Buffer.from('123456789')),impl:m.exports.crc32cImpl}))`;
  const run = spawnSync(QEMU['linux-arm'][0], [...QEMU['linux-arm'].slice(1), pinnedNode('linux-arm'), '-e', script], { encoding: 'utf8', timeout: QEMU_WAIT_MS });
  assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
  const got = JSON.parse(run.stdout) as { crc: number; impl: string };
  // RFC 3720 B.4's check value of "123456789".
  assert.deepEqual(got, { crc: 0xe3069283, impl: 'slicing-by-8' });
});
