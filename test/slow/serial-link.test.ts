// Serial links between real node processes (PROTOCOL.md §1 serial framing,
// §2 key `serial:<path>`): two nodes joined by a socat pty pair, started as a
// user would (`bin/timenode start --serial PATH`), complete the handshake,
// exchange pings, sync a chain and relay a tx to a third node on TCP
// (127.13.1.x); killing the pty pair closes the link and restarting it
// reconnects.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { test } from 'node:test';
import { signTx } from '../../src/chain/signing';
import { renderStatus } from '../../src/cli/status-view';
import { generateKeyPair, KeyPair, randomBytes } from '../../src/crypto';
import type { NodeStatus, PeerStatus } from '../../src/node/status';
import { removeDir, tempDir } from '../support/harness';
import { makeChain, NodeProcess, portFreeOn, TIMENODE_BIN, waitUntil, withNodes, writeGenesis, writeKeyFile } from '../support/processes';
import { PtyPair, serialPeer } from '../support/serial';

const run = promisify(execFile);
const IP_A = '127.13.1.1';
const IP_B = '127.13.1.2';
const IP_C = '127.13.1.3';
const INTERVAL = 100;
const CHAIN = 1200;

function brief(s: NodeStatus | undefined): string {
  if (!s) return '-';
  const p = serialPeer(s);
  const line = p?.serial;
  return `height ${s.height} pool ${s.txPool} q ${JSON.stringify(s.peers.map((q) => [q.queuedBytes, q.dropped, q.serial?.refusedLarge, q.serial?.bytesOut, q.serial?.bytesIn]))} peers [${s.peers.map((q) => q.ip).join(', ')}] links ${JSON.stringify(s.serialLinks)} serial ${line ? `rtt ${p?.rttMs} pongs ${line.pingsMatched} crc ${line.crcDrops} in ${JSON.stringify(line.messagesIn)}` : 'none'}`;
}

test('two nodes joined only by a pty pair: handshake over serial:PATH with the identity from hello, pings with RTT, a 1200-block sync in line-sized ranges, and a tx relayed on to a third node on TCP', async () => {
  const dir = tempDir('timenode-slow-serial-');
  const pair = await PtyPair.open(join(dir, 'tty-a'), join(dir, 'tty-b'));
  try {
    await withNodes(async (group) => {
      const masternodes: KeyPair[] = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
      const [ka, kb, kc] = [generateKeyPair(), generateKeyPair(), generateKeyPair()];
      writeKeyFile(join(dir, 'a'), ka);
      writeKeyFile(join(dir, 'b'), kb);
      writeKeyFile(join(dir, 'c'), kc);
      const { file, genesis } = writeGenesis(dir, masternodes, { interval: INTERVAL, time: Date.now() - (CHAIN + 5) * INTERVAL });
      makeChain(join(dir, 'a'), genesis, masternodes, CHAIN);
      const port = await portFreeOn([IP_A, IP_B, IP_C]);
      const a = group.spawn({ name: 'A', ip: IP_A, port, dataDir: join(dir, 'a'), genesisFile: file, extraArgs: ['--serial', pair.a] });
      const b = group.spawn({ name: 'B', ip: IP_B, port, dataDir: join(dir, 'b'), genesisFile: file, extraArgs: ['--serial', `${pair.b}:115200`] });
      let sa: NodeStatus | undefined;
      let sb: NodeStatus | undefined;
      const both = async (): Promise<void> => {
        [sa, sb] = await Promise.all([a.status(), b.status()]);
      };
      const describe = (): string => `A: ${brief(sa)}; B: ${brief(sb)}`;

      await waitUntil(
        'both ends established over serial with pongs matched',
        async () => {
          await both();
          const pa = serialPeer(sa);
          const pb = serialPeer(sb);
          return (pa?.serial?.pingsMatched ?? 0) >= 2 && (pb?.serial?.pingsMatched ?? 0) >= 2;
        },
        { timeoutMs: 20_000, describe },
      );
      const pa = serialPeer(sa) as PeerStatus;
      const pb = serialPeer(sb) as PeerStatus;
      assert.equal(pa.ip, `serial:${pair.a}`, 'A keys the link by its own device path');
      assert.equal(pb.ip, `serial:${pair.b}`);
      assert.equal(pa.serial?.baud, 115200, 'the default baud');
      assert.equal(pb.serial?.baud, 115200);
      assert.ok(pa.rttMs !== undefined && pa.rttMs < 1000, `A's RTT over the pty: ${pa.rttMs}`);
      assert.equal(pa.serial?.crcDrops, 0, 'a clean line drops nothing');
      assert.equal(pb.serial?.crcDrops, 0);
      assert.ok(a.lines(/established outbound .*tty-a \(encrypted\) node=/).some((l) => l.includes(kb.publicKey.toString('hex').slice(0, 16))), 'A names B by the key in its hello, on an encrypted link');
      assert.deepEqual([pa.encrypted, pb.encrypted], [true, true], 'the serial link is encrypted on both ends (§8)');
      const view = renderStatus([{ name: 'B', listen: `${IP_B}:${port}`, pid: b.pid, status: sb, exited: undefined }], Date.now(), '');
      // `timenode info --data DIR` asks the running node over its control socket.
      const { stdout } = await run(process.execPath, [TIMENODE_BIN, 'info', '--data', join(dir, 'a')]);
      assert.match(stdout, new RegExp(`link +${pair.a} 115200 baud  established  in \\d+ B/s  out \\d+ B/s  crc drops 0  rtt \\d+ ms`), stdout);
      assert.match(view, new RegExp(`serial ${pair.b} 115200 baud  in \\d+ B/s  out \\d+ B/s  crc drops 0`), `the status view shows the serial peer:\n${view}`);

      sb = await waitUntil('B synced A\'s chain', async () => ((sb = await b.status()).height === CHAIN ? sb : undefined), { timeoutMs: 60_000, describe });
      sa = await a.status();
      const asked = serialPeer(sa)?.serial?.messagesIn.get_blocks ?? 0;
      const answers = serialPeer(sb)?.serial?.messagesIn.blocks ?? 0;
      assert.ok(asked >= 3, `1200 blocks take several line-sized requests over serial, A got ${asked} get_blocks`);
      assert.ok(answers >= 3, `B got ${answers} blocks answers over serial`);

      // C knows only A, over TCP: a tx handed to B crosses the serial line to A, which relays it to C.
      const c = group.spawn({ name: 'C', ip: IP_C, port, dataDir: join(dir, 'c'), genesisFile: file, peers: [`${IP_A}:${port}`] });
      await waitUntil('C connected to A', async () => (await c.status()).peers.some((p) => p.ip === IP_A && p.state === 'established'), { timeoutMs: 20_000 });
      const wallet = generateKeyPair();
      const tx = signTx(wallet, { inputs: [{ txid: randomBytes(32), index: 0 }], outputs: [{ to: randomBytes(32), amount: 5n }], time: Date.now() });
      b.submit(tx);
      let sc: NodeStatus | undefined;
      await waitUntil('C holds the tx', async () => ((sc = await c.status()).txPool >= 1 ? sc : undefined), { timeoutMs: 20_000, describe: () => `C: ${brief(sc)}` });
      sa = await a.status();
      sb = await b.status();
      assert.ok((serialPeer(sb)?.serial?.messagesOut.tx ?? 0) >= 1, `B sent the tx over the line: ${describe()}`);
      assert.ok((serialPeer(sa)?.serial?.messagesIn.tx ?? 0) >= 1, `A received the tx over the line: ${describe()}`);
    });
  } finally {
    await pair.kill();
    removeDir(dir);
  }
});

test('the pty pair vanishes (socat killed): both links close cleanly and the nodes keep reopening the path with backoff; a new pair at the same paths reconnects', async () => {
  const dir = tempDir('timenode-slow-serial-replug-');
  const ttyA = join(dir, 'tty-a');
  const ttyB = join(dir, 'tty-b');
  let pair = await PtyPair.open(ttyA, ttyB);
  try {
    await withNodes(async (group) => {
      const masternodes = [generateKeyPair()];
      writeKeyFile(join(dir, 'a'), generateKeyPair());
      writeKeyFile(join(dir, 'b'), generateKeyPair());
      const { file } = writeGenesis(dir, masternodes, { interval: 1000, time: Date.now() });
      const port = await portFreeOn([IP_A, IP_B]);
      const a = group.spawn({ name: 'A', ip: IP_A, port, dataDir: join(dir, 'a'), genesisFile: file, extraArgs: ['--serial', ttyA] });
      const b = group.spawn({ name: 'B', ip: IP_B, port, dataDir: join(dir, 'b'), genesisFile: file, extraArgs: ['--serial', ttyB] });
      const linked = async (n: NodeProcess): Promise<boolean> => (serialPeer(await n.status())?.serial?.pingsMatched ?? 0) >= 1;
      await waitUntil('linked over the first pair', async () => (await linked(a)) && (await linked(b)), { timeoutMs: 20_000 });

      await pair.kill();
      let sa: NodeStatus | undefined;
      await waitUntil(
        'A saw the port close and is retrying',
        async () => {
          sa = await a.status();
          return serialPeer(sa) === undefined && a.lines(/\[node\/serial\] .*tty-a.*retrying in/).length > 0 && sa.serialLinks[0]?.open === false;
        },
        { timeoutMs: 10_000, describe: () => brief(sa) },
      );
      assert.equal(a.running && b.running, true, 'a vanished port never stops the node');
      assert.ok(a.lines(/link .*tty-a closed/).length >= 1, 'the close is logged with the link\'s figures');

      pair = await PtyPair.open(ttyA, ttyB);
      // The backoff has run for a few seconds (1 s, 2 s, 4 s …): the reopen comes within one more step.
      await waitUntil('linked again over the new pair', async () => (await linked(a)) && (await linked(b)), { timeoutMs: 30_000, describe: () => brief(sa) });
      sa = await a.status();
      assert.ok((sa.serialLinks[0]?.opens ?? 0) >= 2, `A reopened the port: ${JSON.stringify(sa.serialLinks)}`);
    });
  } finally {
    await pair.kill();
    removeDir(dir);
  }
});
