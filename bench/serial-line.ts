// What a serial link carries, measured between two `timenode start
// --serial` processes joined by two socat pty pairs and the tests' line
// relay pacing bytes at a baud rate (a pty has none of its own): the idle
// ping RTT, the tx frames per second the line delivers under a relay flood,
// and the RTT of pings queued behind that flood. Not part of the gated
// suite (it needs socat and takes ~40 s a rate): run by hand for the README.
// With --rss it measures instead what --serial costs in memory: the RSS of
// an idle node with one serial link against the same node without, median
// of 3.
//
//   node lib/bench/serial-line.js [--baud 115200,19200] [--seconds 10] [--rss]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { signTx } from '../src/chain/signing';
import { generateKeyPair, randomBytes } from '../src/crypto';
import type { NodeStatus } from '../src/node/status';
import { encodeMessage } from '../src/wire/messages';
import { median } from './measure';
import { SEAL_OVERHEAD } from '../src/net/secure-framing';
import { encodeSerialFrame } from '../src/wire/serial-frame';
import { LineRelay } from '../test/support/line-relay';
import { NodeGroup, sleep, waitUntil, writeGenesis, writeKeyFile } from '../test/support/processes';
import { PtyPair, serialPeer } from '../test/support/serial';

interface Figures {
  baud: number;
  idleRttMs: number;
  txFrameBytes: number;
  framesPerSec: number;
  utilisation: number;
  loadedRttMs: number;
  loadedMaxRttMs: number;
  /** Pings missed, either end, and whether the link had to be set up again. */
  missed: number;
  relinked: boolean;
}

async function measure(baud: number, seconds: number): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'timenode-serial-bench-'));
  const p1 = await PtyPair.open(join(dir, 'tty-a'), join(dir, 'relay-a'));
  const p2 = await PtyPair.open(join(dir, 'relay-b'), join(dir, 'tty-b'));
  const relay = await LineRelay.open(p1.b, p2.a, { baud });
  const group = new NodeGroup();
  try {
    writeKeyFile(join(dir, 'a'), generateKeyPair());
    writeKeyFile(join(dir, 'b'), generateKeyPair());
    const { file } = writeGenesis(dir, [generateKeyPair()], { interval: 1000, time: Date.now() });
    const a = group.spawn({ name: 'A', ip: '127.13.9.1', port: 24991, dataDir: join(dir, 'a'), genesisFile: file, extraArgs: ['--serial', `${p1.a}:${baud}`] });
    const b = group.spawn({ name: 'B', ip: '127.13.9.2', port: 24991, dataDir: join(dir, 'b'), genesisFile: file, extraArgs: ['--serial', `${p2.b}:${baud}`] });
    await waitUntil('linked', async () => (serialPeer(await b.status())?.serial?.pingsMatched ?? 0) >= 1, { timeoutMs: 30_000 });

    const idle: number[] = [];
    for (let i = 0; i < 6; i++) {
      await sleep(1000);
      const rtt = serialPeer(await b.status())?.rttMs;
      if (rtt !== undefined) idle.push(rtt);
    }

    const wallet = generateKeyPair();
    const makeTx = (i: number): ReturnType<typeof signTx> => signTx(wallet, { inputs: [{ txid: randomBytes(32), index: i }], outputs: [{ to: randomBytes(32), amount: 1n }], time: Date.now() });
    // On the wire the tx is sealed (§8: 24 bytes of counter and tag), then framed.
    const txFrameBytes = encodeSerialFrame(Buffer.alloc(encodeMessage({ type: 'tx', tx: makeTx(0) }).length + SEAL_OVERHEAD, 1)).length;
    // Twice what the line carries in the window, so the queue never runs dry while measuring.
    const count = Math.ceil(((2 * baud) / 10 / txFrameBytes) * seconds);
    for (let i = 0; i < count; i++) a.submit(makeTx(i));
    const txIn = (s: NodeStatus): number => serialPeer(s)?.serial?.messagesIn.tx ?? 0;
    await waitUntil('the flood reached B', async () => txIn(await b.status()) >= 5, { timeoutMs: 30_000 });
    const start = await b.status();
    const t0 = Date.now();
    // Each pong that arrives while the flood is on the line (either end's pings) is one sample.
    const loaded: number[] = [];
    const matched = { a: serialPeer(await a.status())?.serial?.pingsMatched ?? 0, b: serialPeer(start)?.serial?.pingsMatched ?? 0 };
    const firstLink = serialPeer(start)?.establishedAt;
    let missed = 0;
    let relinked = false;
    const sample = async (): Promise<NodeStatus> => {
      const [sa, sb] = await Promise.all([a.status(), b.status()]);
      for (const [side, s] of [['a', sa], ['b', sb]] as const) {
        const p = serialPeer(s);
        const n = p?.serial?.pingsMatched ?? 0;
        if (n > matched[side] && p?.rttMs !== undefined) loaded.push(p.rttMs);
        matched[side] = n;
        missed = Math.max(missed, p?.missedPongs ?? 0);
        if (side === 'b' && p?.establishedAt !== firstLink) relinked = true;
      }
      return sb;
    };
    let end = start;
    while (Date.now() - t0 < seconds * 1000) {
      await sleep(250);
      end = await sample();
    }
    const framesPerSec = ((txIn(end) - txIn(start)) * 1000) / (Date.now() - t0);
    // A ping sent late in the window may still be behind the flood: wait for a few samples.
    const until = Date.now() + 60_000;
    while (loaded.length < 4 && Date.now() < until) {
      await sleep(250);
      await sample();
    }
    return {
      baud,
      idleRttMs: median(idle),
      txFrameBytes,
      framesPerSec,
      utilisation: (framesPerSec * txFrameBytes) / (baud / 10),
      loadedRttMs: median(loaded),
      loadedMaxRttMs: Math.max(...loaded),
      missed,
      relinked,
    };
  } finally {
    await group.close();
    await relay.close();
    await p1.kill();
    await p2.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** RSS (MiB) of an idle node 8 s after start, with or without one --serial link (the serialport package, its addon and the link). */
async function idleRss(serial: boolean): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'timenode-serial-rss-'));
  const pair = await PtyPair.open(join(dir, 'tty-a'), join(dir, 'tty-b'));
  const group = new NodeGroup();
  try {
    writeKeyFile(join(dir, 'n'), generateKeyPair());
    const { file } = writeGenesis(dir, [generateKeyPair()], { interval: 1000, time: Date.now() });
    const n = group.spawn({ ip: '127.13.9.5', port: 24995, dataDir: join(dir, 'n'), genesisFile: file, extraArgs: serial ? ['--serial', pair.a] : [] });
    await sleep(8000);
    return (await n.status()).rssBytes / 1048576;
  } finally {
    await group.close();
    await pair.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function rssCost(): Promise<void> {
  const plain: number[] = [];
  const serial: number[] = [];
  for (let i = 0; i < 3; i++) {
    plain.push(await idleRss(false));
    serial.push(await idleRss(true));
  }
  const [p, s] = [median(plain), median(serial)];
  process.stdout.write(`idle node RSS: ${p.toFixed(1)} MiB without --serial, ${s.toFixed(1)} MiB with one link: +${(s - p).toFixed(1)} MiB (median of 3)\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { baud: { type: 'string', default: '115200,19200' }, seconds: { type: 'string', default: '10' }, rss: { type: 'boolean', default: false } } });
  if (values.rss) return rssCost();
  const bauds = values.baud.split(',').map(Number);
  const seconds = Number(values.seconds);
  process.stdout.write('| baud | idle ping RTT | tx frame | tx frames/s | line use | ping RTT behind the flood (median, max) | missed pings | link kept |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n');
  for (const baud of bauds) {
    const f = await measure(baud, seconds);
    process.stdout.write(
      `| ${f.baud} | ${f.idleRttMs} ms | ${f.txFrameBytes} B | ${f.framesPerSec.toFixed(1)} | ${(f.utilisation * 100).toFixed(0)} % | ${f.loadedRttMs} ms, ${f.loadedMaxRttMs} ms | ${f.missed} | ${f.relinked ? 'no' : 'yes'} |\n`,
    );
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
