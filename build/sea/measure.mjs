// The figures of firmware-notes/: for each single-file build, how long
// `info` takes from exec to exit, how long `start` takes until it listens,
// and the peak RSS of both (GNU time's %M for `info`, VmHWM of a node that
// has run for --run seconds as the sole masternode of its own chain).
// The arm builds run under qemu-user here: their times are qemu's, not a
// board's, and their RSS includes qemu's translation cache.
//
//   node build/sea/measure.mjs [--runs N] [--run S] [x64|arm64|armv7|bundle-x64]...
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeRuntime } from './node-runtimes.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const LISTEN_IP = '127.0.12.250';
const LISTEN_PORT = 24799;

const BUILDS = {
  x64: () => [join(ROOT, 'dist', 'timenode-linux-x64')],
  arm64: () => ['qemu-aarch64-static', '-L', '/usr/aarch64-linux-gnu', join(ROOT, 'dist', 'timenode-linux-arm64')],
  armv7: () => ['qemu-arm-static', '-L', '/usr/arm-linux-gnueabihf', nodeRuntime('linux-arm').node, join(ROOT, 'dist', 'timenode.cjs')],
  'bundle-x64': () => [process.execPath, join(ROOT, 'dist', 'timenode.cjs')],
};

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** One run of `command args` under GNU time: wall s, user+sys s, max RSS KiB. */
function timed(command, args) {
  const run = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', ...command, ...args], { cwd: '/', encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
  if (run.status !== 0) throw new Error(`${command.join(' ')} ${args.join(' ')} failed:\n${run.stdout}${run.stderr}`);
  const [wall, user, sys, rss] = run.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { wall, cpu: user + sys, rssKiB: rss, stdout: run.stdout };
}

/** `start` until "listening on", then `seconds` of block production; returns ms to listen and VmHWM. */
function startAndWatch(command, dir, seconds) {
  const data = join(dir, 'data');
  const pub = timed(command, ['keygen', '--data', data]).stdout.trim();
  const genesis = timed(command, ['genesis', '--network', 'measure', '--interval', '1000', '--masternode', pub]).stdout;
  writeFileSync(join(dir, 'genesis.json'), genesis);
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const [file, ...prefix] = command;
    const child = spawn(file, [...prefix, 'start', '--data', data, '--genesis', join(dir, 'genesis.json'), '--listen', `${LISTEN_IP}:${LISTEN_PORT}`], {
      cwd: '/',
      env: { PATH: '/usr/bin:/bin' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    let listenMs;
    const onData = (chunk) => {
      log += chunk;
      if (listenMs === undefined && log.includes('listening on')) {
        listenMs = Number(process.hrtime.bigint() - started) / 1e6;
        setTimeout(() => {
          const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
          const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)[1]);
          const height = (log.match(/produced block (\d+)/g) ?? []).length;
          child.kill('SIGTERM');
          child.once('exit', () => resolve({ listenMs, hwmKiB: hwm, blocks: height }));
        }, seconds * 1000);
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.once('exit', (code) => {
      if (listenMs === undefined) reject(new Error(`start exited (${code}) before listening:\n${log}`));
    });
  });
}

async function main() {
  const args = process.argv.slice(2);
  const flag = (name, fallback) => {
    const i = args.indexOf(name);
    return i < 0 ? fallback : Number(args.splice(i, 2)[1]);
  };
  const runs = flag('--runs', 5);
  const runSeconds = flag('--run', 20);
  const which = args.length > 0 ? args : Object.keys(BUILDS);
  process.stdout.write(`# ${cpus().length} × ${cpus()[0]?.model}, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ${runs} runs of info, ${runSeconds} s of start\n`);
  process.stdout.write('| build | info: wall (median) | info: CPU user+sys | info: peak RSS | start → listening | start: peak RSS after run |\n|---|---|---|---|---|---|\n');
  for (const name of which) {
    const command = BUILDS[name]();
    const samples = Array.from({ length: runs }, () => timed(command, ['info']));
    const dir = mkdtempSync(join(tmpdir(), `timenode-measure-${name}-`));
    try {
      const s = await startAndWatch(command, dir, runSeconds);
      process.stdout.write(
        `| ${name} | ${median(samples.map((x) => x.wall)).toFixed(2)} s | ${median(samples.map((x) => x.cpu)).toFixed(2)} s | ${(median(samples.map((x) => x.rssKiB)) / 1024).toFixed(1)} MiB | ` +
          `${(s.listenMs / 1000).toFixed(2)} s | ${(s.hwmKiB / 1024).toFixed(1)} MiB (${s.blocks} blocks produced) |\n`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exitCode = 1;
});
