// PROTOCOL.md §8's policy on the real command line: `timenode start` refuses
// a peer whose hello has no kx (`reject` `encryption`, a log line naming
// it) and serves an encrypting one; started with --allow-plaintext it lets
// the plaintext peer in and talks TNP/1 in clear exactly as before, and its
// status says which link is which.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateKeyPair } from '../../src/crypto';
import { removeDir, tempDir } from '../support/harness';
import { portFreeOn, waitUntil, withNodes, writeGenesis, writeKeyFile } from '../support/processes';
import { RawPeer } from '../support/raw-peer';

// This file's addresses: 127.12.5.x.
const STRICT_IP = '127.12.5.1';
const OPEN_IP = '127.12.5.2';

test('start refuses a plaintext peer with `encryption` by default; with --allow-plaintext it serves it in clear, and status tells the links apart', async () => {
  const dir = tempDir('timenode-slow-plaintext-');
  const peers: RawPeer[] = [];
  try {
    await withNodes(async (group) => {
      const { file, genesis } = writeGenesis(dir, [generateKeyPair()], { interval: 1000, time: Date.now() });
      const port = await portFreeOn([STRICT_IP, OPEN_IP]);
      const spawn = (name: string, ip: string, extraArgs: string[]) => {
        writeKeyFile(join(dir, name), generateKeyPair());
        return group.spawn({ name, ip, port, dataDir: join(dir, name), genesisFile: file, extraArgs });
      };
      const strict = spawn('strict', STRICT_IP, []);
      const open = spawn('open', OPEN_IP, ['--allow-plaintext']);
      await Promise.all([strict.status(), open.status()]);
      const dial = async (ip: string, from: string): Promise<RawPeer> => {
        const peer = await RawPeer.connect({ host: ip, port, localAddress: from });
        peers.push(peer);
        return peer;
      };

      const refused = await dial(STRICT_IP, '127.12.5.10');
      const outcome = await refused.tryHandshake({ keys: generateKeyPair(), genesis, plaintext: true });
      assert.equal(outcome.ok ? 'ok' : outcome.reject.code, 'encryption', 'the default node refuses the plaintext peer');
      await refused.waitClosed();
      await waitUntil('the log line naming the refused peer', async () => strict.lines(/127\.12\.5\.10.*offers no kx.*code=encryption/).length > 0 || undefined, { timeoutMs: 5000 });

      const encrypting = await dial(STRICT_IP, '127.12.5.11');
      await encrypting.handshake({ keys: generateKeyPair(), genesis });
      await encrypting.pingPong();

      const clear = await dial(OPEN_IP, '127.12.5.12');
      await clear.handshake({ keys: generateKeyPair(), genesis, plaintext: true });
      const pong = await clear.pingPong();
      assert.equal(clear.link.encrypted, false, 'the link stayed in clear');
      assert.equal(clear.link.stats.opened, 0, 'nothing sealed came back');
      assert.ok(pong.nonce.length === 8, 'TNP/1 in clear as before: the pong decodes without any cipher');
      const mixed = await dial(OPEN_IP, '127.12.5.13');
      await mixed.handshake({ keys: generateKeyPair(), genesis });
      await mixed.pingPong();

      const links = await waitUntil('both links listed by the --allow-plaintext node', async () => {
        const s = await open.status();
        const byIp = new Map(s.peers.map((p) => [p.ip, p.encrypted]));
        return byIp.size >= 2 ? byIp : undefined;
      }, { timeoutMs: 5000 });
      assert.equal(links.get('127.12.5.12'), false, 'the plaintext peer is listed in clear');
      assert.equal(links.get('127.12.5.13'), true, 'an encrypting peer is still encrypted on that node');
      assert.ok(open.lines(/established inbound 127\.12\.5\.12:\d+ \(PLAINTEXT/).length > 0, `the log marks the plaintext link:\n${open.log}`);
    });
  } finally {
    for (const p of peers) p.destroy();
    removeDir(dir);
  }
});
