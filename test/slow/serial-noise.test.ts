// A damaged and a slow serial line between real node processes on
// 127.13.2.x (PROTOCOL.md §1 serial framing, §3 ping, §5 sync): node A ↔ pty
// pair ↔ LineRelay ↔ pty pair ↔ node B. The relay flips bits, drops bytes
// and inserts garbage, and on the encrypted link (§8) forges sealed payloads
// under a valid CRC, replays and loses frames: B loses exactly those frames,
// counts each, and the link never drops. At a simulated 19200 baud, sync
// answers take seconds each on the line, and the pings behind them are
// answered late but never missed.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { signTx } from '../../src/chain/signing';
import { generateKeyPair, KeyPair, randomBytes } from '../../src/crypto';
import type { NodeStatus } from '../../src/node/status';
import { removeDir, tempDir } from '../support/harness';
import { LineRelay } from '../support/line-relay';
import { makeChain, NodeProcess, portFreeOn, waitUntil, withNodes, writeGenesis, writeKeyFile } from '../support/processes';
import { PtyPair, serialPeer } from '../support/serial';

const IP_A = '127.13.2.1';
const IP_B = '127.13.2.2';

interface Line {
  dir: string;
  pairs: PtyPair[];
  relay: LineRelay;
  /** The paths the nodes open. */
  ttyA: string;
  ttyB: string;
}

/** A's pty pair and B's pty pair, joined by the relay. */
async function openLine(dir: string, baud: number | undefined, seed: number): Promise<Line> {
  const p1 = await PtyPair.open(join(dir, 'tty-a'), join(dir, 'relay-a'));
  const p2 = await PtyPair.open(join(dir, 'relay-b'), join(dir, 'tty-b'));
  const relay = await LineRelay.open(p1.b, p2.a, { baud, seed });
  return { dir, pairs: [p1, p2], relay, ttyA: p1.a, ttyB: p2.b };
}

async function closeLine(line: Line | undefined): Promise<void> {
  if (!line) return;
  await line.relay.close();
  for (const p of line.pairs) await p.kill();
}

function totalIn(s: NodeStatus | undefined): number {
  const line = serialPeer(s)?.serial;
  return line ? Object.values(line.messagesIn).reduce((a, b) => a + b, 0) : -1;
}

function brief(s: NodeStatus | undefined): string {
  const p = serialPeer(s);
  const l = p?.serial;
  return !s ? '-' : `height ${s.height} pool ${s.txPool} links ${JSON.stringify(s.serialLinks)} ${l ? `in ${totalIn(s)} crc ${l.crcDrops} missed ${p?.missedPongs} rtt ${p?.rttMs} pongs ${l.pingsMatched} deferred ${l.pingsDeferred} ${JSON.stringify(l.messagesIn)}` : 'no serial peer'}`;
}

test('an encrypted line that flips bits, drops bytes, inserts garbage, forges a sealed payload under a valid CRC, replays and loses frames costs exactly those frames: each drop counted (forgeries and replays as unopened), each loss counted from the counter gaps, every intact frame handled, the link up', async () => {
  const dir = tempDir('timenode-slow-serial-noise-');
  let line: Line | undefined;
  try {
    line = await openLine(dir, undefined, 42);
    const relay = line.relay;
    await withNodes(async (group) => {
      writeKeyFile(join(dir, 'a'), generateKeyPair());
      writeKeyFile(join(dir, 'b'), generateKeyPair());
      const { file } = writeGenesis(dir, [generateKeyPair()], { interval: 1000, time: Date.now() });
      const port = await portFreeOn([IP_A, IP_B]);
      // B first: every byte the relay hands B arrives while B's port is open, so B's counters see all of it.
      const b = group.spawn({ name: 'B', ip: IP_B, port, dataDir: join(dir, 'b'), genesisFile: file, extraArgs: ['--serial', (line as Line).ttyB] });
      await waitUntil('B opened its port', async () => (await b.status()).serialLinks[0]?.open === true, { timeoutMs: 10_000 });
      const a = group.spawn({ name: 'A', ip: IP_A, port, dataDir: join(dir, 'a'), genesisFile: file, extraArgs: ['--serial', (line as Line).ttyA] });
      let sb: NodeStatus | undefined;
      await waitUntil('linked', async () => (serialPeer((sb = await b.status()))?.serial?.pingsMatched ?? 0) >= 1 && (serialPeer(await a.status())?.serial?.pingsMatched ?? 0) >= 1, {
        timeoutMs: 20_000,
        describe: () => brief(sb),
      });
      const establishedAt = serialPeer(sb)?.establishedAt;

      relay.damageRate = 0.25;
      relay.garbageRate = 0.15;
      relay.resealRate = 0.1;
      relay.replayRate = 0.1;
      relay.loseRate = 0.1;
      const wallet = generateKeyPair();
      const TXS = 120;
      for (let i = 0; i < TXS; i++) {
        a.submit(signTx(wallet, { inputs: [{ txid: randomBytes(32), index: i }], outputs: [{ to: randomBytes(32), amount: 1n }], time: Date.now() }));
      }
      const c = relay.counts;
      await waitUntil('the txs crossed the line', () => c.intact + c.damaged + c.resealed + c.lostWhole >= TXS, { timeoutMs: 20_000, describe: () => JSON.stringify(c) });
      relay.damageRate = relay.garbageRate = relay.resealRate = relay.replayRate = relay.loseRate = 0;
      // A lost frame shows as a gap only when a later one opens: let a few intact frames (pings) through first.
      const intactAtStop = c.intact;
      await waitUntil('intact frames after the damage', () => c.intact >= intactAtStop + 3, { timeoutMs: 10_000 });
      // Hold new A→B frames so the count of what the relay passed on stops; B's counters then settle on it.
      relay.hold();
      const counts = { ...relay.counts };
      sb = await waitUntil('B counted every frame the relay passed on', async () => {
        const s = await b.status();
        sb = s;
        const l = serialPeer(s)?.serial;
        const dropped = counts.damaged + counts.garbage + counts.resealed + counts.replayed;
        return l && totalIn(s) === counts.intact && l.crcDrops === dropped && l.unopened === counts.resealed + counts.replayed && l.lost === counts.damaged + counts.resealed + counts.lostWhole ? s : undefined;
      }, { timeoutMs: 10_000, describe: () => `relay ${JSON.stringify(counts)}; B ${brief(sb)}` });
      relay.release();
      const l = serialPeer(sb)?.serial;
      process.stdout.write(`relay A→B: ${JSON.stringify(counts)}; B: ${totalIn(sb)} handled, ${l?.crcDrops} dropped (${l?.unopened} unopened), ${l?.lost} lost\n`);

      const peer = serialPeer(sb);
      assert.ok(counts.damaged >= 10 && counts.garbage >= 5 && counts.resealed >= 3 && counts.replayed >= 3 && counts.lostWhole >= 3, `the relay damaged too little to prove anything: ${JSON.stringify(counts)}`);
      assert.equal(peer?.encrypted, true, 'the serial link is encrypted (§8): the CRC covers the sealed payload');
      assert.equal(peer?.establishedAt, establishedAt, 'the link stayed up: no reconnect');
      assert.equal(sb.serialLinks[0]?.opens, 1);
      assert.equal(peer?.missedPongs, 0, 'short frames (pings, pongs) were never damaged');
      const spoilt = counts.damaged + counts.resealed + counts.lostWhole;
      assert.ok(sb.txPool >= TXS - spoilt && sb.txPool <= TXS, `B holds the txs whose frames arrived intact: pool ${sb.txPool}, spoilt ${spoilt}`);
      assert.ok(b.lines(/protocol error/).length === 0 && a.lines(/protocol error/).length === 0, 'line damage is never a protocol error');
    });
  } finally {
    await closeLine(line);
    removeDir(dir);
  }
});

test('at a simulated 19200 baud, sync answers that occupy the line for seconds each go out whole, and the pings queued behind them are answered late but never missed', async () => {
  const dir = tempDir('timenode-slow-serial-slow-');
  let line: Line | undefined;
  try {
    line = await openLine(dir, 19200, 7);
    await withNodes(async (group) => {
      const masternodes: KeyPair[] = [generateKeyPair()];
      writeKeyFile(join(dir, 'a'), generateKeyPair());
      writeKeyFile(join(dir, 'b'), generateKeyPair());
      const CHAIN = 12;
      const { file, genesis } = writeGenesis(dir, masternodes, { interval: 100, time: Date.now() - (CHAIN + 5) * 100 });
      // 100 txids make a block ~3.4 KB on the wire: an answer fills the line's 19.2 KB frame cap, ~8 s of line time.
      makeChain(join(dir, 'a'), genesis, masternodes, CHAIN, 1000, 100);
      const port = await portFreeOn([IP_A, IP_B]);
      const a: NodeProcess = group.spawn({ name: 'A', ip: IP_A, port, dataDir: join(dir, 'a'), genesisFile: file, extraArgs: ['--serial', `${(line as Line).ttyA}:19200`] });
      const b: NodeProcess = group.spawn({ name: 'B', ip: IP_B, port, dataDir: join(dir, 'b'), genesisFile: file, extraArgs: ['--serial', `${(line as Line).ttyB}:19200`] });
      let sa: NodeStatus | undefined;
      let sb: NodeStatus | undefined;
      let maxRtt = 0;
      const describe = (): string => `A: ${brief(sa)}; B: ${brief(sb)}`;
      await waitUntil(
        'B synced the fat chain over the slow line',
        async () => {
          [sa, sb] = await Promise.all([a.status(), b.status()]);
          for (const s of [sa, sb]) {
            const p = serialPeer(s);
            assert.equal(p?.missedPongs ?? 0, 0, `a ping was missed behind a large frame: ${describe()}`);
            maxRtt = Math.max(maxRtt, p?.rttMs ?? 0);
          }
          return sb.height === CHAIN;
        },
        { timeoutMs: 90_000, everyMs: 250, describe },
      );
      const pa = serialPeer(sa);
      const pb = serialPeer(sb);
      process.stdout.write(`19200 baud: max RTT ${maxRtt} ms, pongs A ${pa?.serial?.pingsMatched} B ${pb?.serial?.pingsMatched}, deferred A ${pa?.serial?.pingsDeferred} B ${pb?.serial?.pingsDeferred}\n`);
      assert.equal(pa?.serial?.frameCap, 19200, 'the frame cap at 19200 baud is 10 s of line time');
      assert.ok((pb?.serial?.messagesIn.blocks ?? 0) >= 3, `the chain came in several line-sized answers: ${describe()}`);
      assert.ok(maxRtt >= 2000, `a pong behind a sync answer waited longer than the 2 s devnet deadline (max RTT ${maxRtt} ms), and still counted`);
      assert.equal(sa?.serialLinks[0]?.opens, 1);
      assert.equal(pa?.missedPongs, 0);
      assert.equal(pb?.missedPongs, 0);
      assert.ok((pa?.serial?.pingsMatched ?? 0) >= 3 && (pb?.serial?.pingsMatched ?? 0) >= 3, `pings kept flowing: ${describe()}`);
      assert.equal(b.lines(/closing: no pong/).length + a.lines(/closing: no pong/).length, 0);
    });
  } finally {
    await closeLine(line);
    removeDir(dir);
  }
});
