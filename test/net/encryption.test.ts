// PROTOCOL.md §8 between real nodes and against a scripted peer: two nodes
// link encrypted by default; a relay in the middle that swaps both kx values
// for its own fails `auth` on both sides, one that strips them is refused
// with `encryption`; a plaintext peer is refused (with a log line naming
// it); equal kx values, a flipped ciphertext bit, a replayed frame and a
// skipped counter each close the link with `protocol`, and no one else's.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, Server, Socket } from 'node:net';
import { kxKeyPair } from '../../src/crypto';
import type { Node } from '../../src/node/node';
import { decodeMessage, encodeMessage, Message, MessageOf } from '../../src/wire/messages';
import { encodeFrame, FrameReader } from '../../src/wire/frame';
import { freePort, startNode, testGenesis, testKey, waitFor } from '../support/harness';
import { RawPeer } from '../support/raw-peer';

// This file's addresses: 127.12.2.x.
const genesis = testGenesis([testKey(0x59)]);

/**
 * A relay between a dialing node and a listening one that rewrites the hello
 * of each direction (`rewrite`) and passes every other frame through as it
 * came: what an on-path attacker can do without the node keys.
 */
class SpliceProxy {
  readonly sockets: Socket[] = [];
  private constructor(private readonly server: Server) {}

  static async start(at: { ip: string; port: number }, to: { ip: string; port: number; from: string }, rewrite: (hello: MessageOf<'hello'>) => MessageOf<'hello'>): Promise<SpliceProxy> {
    const server = createServer((inbound) => {
      const outbound = connect({ host: to.ip, port: to.port, localAddress: to.from });
      proxy.sockets.push(inbound, outbound);
      for (const [from, into] of [[inbound, outbound], [outbound, inbound]] as const) {
        const reader = new FrameReader();
        from.on('data', (chunk: Buffer) => {
          for (const payload of reader.push(chunk)) {
            let msg: Message | undefined;
            try {
              const decoded = decodeMessage(payload);
              msg = 'unknown' in decoded ? undefined : decoded;
            } catch {
              msg = undefined; // a sealed frame: not CBOR, passed on as it is
            }
            into.write(encodeFrame(msg?.type === 'hello' ? encodeMessage(rewrite(msg)) : payload));
          }
        });
        from.on('close', () => into.destroy());
        from.on('error', () => undefined);
      }
    });
    const proxy = new SpliceProxy(server);
    await new Promise<void>((resolve) => server.listen(at.port, at.ip, resolve));
    return proxy;
  }

  close(): void {
    for (const s of this.sockets) s.destroy();
    this.server.close();
  }
}

describe('encrypted links between real nodes', () => {
  const nodes: Node[] = [];
  const proxies: SpliceProxy[] = [];
  after(async () => {
    for (const p of proxies) p.close();
    for (const n of nodes) await n.stop();
  });

  async function pairThrough(n: number, rewrite?: (hello: MessageOf<'hello'>) => MessageOf<'hello'>): Promise<{ dialer: Node; listener: Node; dialerLog: string[]; listenerLog: string[] }> {
    const [dialerLog, listenerLog]: string[][] = [[], []];
    const listener = await startNode({ ip: `127.12.2.${n}`, keys: testKey(0x50 + n), genesis, logLines: listenerLog });
    nodes.push(listener);
    let target = `127.12.2.${n}:${listener.listenPort}`;
    if (rewrite) {
      const at = { ip: `127.12.2.${n + 1}`, port: freePort() };
      proxies.push(await SpliceProxy.start(at, { ip: `127.12.2.${n}`, port: listener.listenPort, from: `127.12.2.${n + 2}` }, rewrite));
      target = `${at.ip}:${at.port}`;
    }
    const dialer = await startNode({ ip: `127.12.2.${n + 3}`, keys: testKey(0x60 + n), genesis, peers: [target], logLines: dialerLog });
    nodes.push(dialer);
    return { dialer, listener, dialerLog, listenerLog };
  }

  test('two nodes link encrypted by default: both list the link as encrypted, and the log says so at established', async () => {
    const { dialer, listener, dialerLog } = await pairThrough(10);
    for (const node of [dialer, listener]) {
      const peer = await waitFor('the link established', () => node.status().peers.find((p) => p.state === 'established'));
      assert.equal(peer.encrypted, true);
    }
    await waitFor('pings answered over the link', () => (dialer.status().peers[0]?.rttMs ?? -1) >= 0, 5000);
    assert.ok(dialerLog.some((l) => /established outbound .* \(encrypted\)/.test(l)), `no "established … (encrypted)" line in:\n${dialerLog.join('\n')}`);
  });

  test('a relay that swaps both kx values for its own: auth fails on both sides, the link never establishes', async () => {
    const mine = [kxKeyPair(), kxKeyPair()];
    let n = 0;
    const { dialer, listener, dialerLog, listenerLog } = await pairThrough(20, (hello) => ({ ...hello, kx: mine[n++ % 2]!.publicKey }));
    for (const [name, log] of [['dialer', dialerLog], ['listener', listenerLog]] as const) {
      await waitFor(`the ${name} refusing the spliced auth`, () => log.some((l) => /auth signature does not verify .* over both kx values/.test(l)), 5000);
    }
    assert.equal(dialer.status().peers.filter((p) => p.state === 'established').length, 0, 'the dialer established nothing');
    assert.equal(listener.status().peers.filter((p) => p.state === 'established').length, 0, 'the listener established nothing');
  });

  test('a relay that strips kx from both hellos: each side refuses the other with `encryption`, naming it in the log', async () => {
    const { dialer, listener, dialerLog, listenerLog } = await pairThrough(30, ({ kx: _kx, ...hello }) => hello);
    for (const [name, log, peerKey] of [['dialer', dialerLog, testKey(0x50 + 30)], ['listener', listenerLog, testKey(0x60 + 30)]] as const) {
      await waitFor(`the ${name}'s encryption refusal`, () => log.find((l) => l.includes('code=encryption') && l.includes(peerKey.publicKey.toString('hex'))), 5000);
    }
    assert.equal(dialer.status().peers.filter((p) => p.state === 'established').length, 0);
    assert.equal(listener.status().peers.filter((p) => p.state === 'established').length, 0);
  });
});

describe('a scripted peer against the cipher of a real node', () => {
  const NODE_IP = '127.12.3.1';
  const logLines: string[] = [];
  let node: Node | undefined;
  const peers: RawPeer[] = [];
  let nextIp = 10;
  after(async () => {
    for (const p of peers) p.destroy();
    await node?.stop();
  });

  async function dial(): Promise<{ peer: RawPeer; ip: string }> {
    node ??= await startNode({ ip: NODE_IP, keys: testKey(0x70), genesis, logLines });
    const ip = `127.12.3.${nextIp++}`;
    const peer = await RawPeer.connect({ host: NODE_IP, port: node.listenPort, localAddress: ip });
    peers.push(peer);
    return { peer, ip };
  }

  test('an encrypting RawPeer is served: ping/pong over sealed frames, and the node lists the link as encrypted', async () => {
    const { peer, ip } = await dial();
    await peer.handshake({ keys: testKey(0x71), genesis });
    await peer.pingPong();
    assert.equal(peer.link.encrypted, true);
    assert.ok(peer.link.stats.opened >= 1 && peer.link.stats.sealed >= 1, 'frames went both ways sealed');
    const entry = await waitFor('the node lists the peer', () => node!.status().peers.find((p) => p.ip === ip));
    assert.equal(entry.encrypted, true);
  });

  test('a plaintext peer (no kx) is refused with `encryption`, and the log line names it', async () => {
    const { peer, ip } = await dial();
    const outcome = await peer.tryHandshake({ keys: testKey(0x72), genesis, plaintext: true });
    assert.equal(outcome.ok ? 'ok' : outcome.reject.code, 'encryption');
    if (!outcome.ok) assert.match(outcome.reject.reason, /offers no kx.*--allow-plaintext/);
    await peer.waitClosed();
    const line = logLines.find((l) => l.includes(ip) && l.includes('code=encryption'));
    assert.ok(line, `no log line naming ${ip} with code=encryption in:\n${logLines.join('\n')}`);
    assert.ok(line.includes(testKey(0x72).publicKey.toString('hex')), `the line names the peer's node key: ${line}`);
  });

  test('a peer offering the node\'s own kx back (equal kx values) is a protocol error', async () => {
    const { peer } = await dial();
    const outcome = await peer.tryHandshake({ keys: testKey(0x73), genesis, echoKx: true });
    assert.equal(outcome.ok ? 'ok' : outcome.reject.code, 'protocol');
    if (!outcome.ok) assert.match(outcome.reject.reason, /kx equals ours/);
    await peer.waitClosed();
  });

  const tampering: [string, (peer: RawPeer) => Buffer[], RegExp][] = [
    ['a flipped ciphertext bit', (peer) => {
      const wire = peer.frameOf(encodeMessage({ type: 'ping', nonce: Buffer.alloc(8, 1), time: Date.now(), height: 0 }));
      wire[4 + 8 + 5]! ^= 0x01;
      return [wire];
    }, /fails to authenticate/],
    ['a replayed frame', (peer) => {
      const wire = peer.frameOf(encodeMessage({ type: 'get_peers' }));
      return [wire, wire];
    }, /frame counter \d+, expected \d+/],
    ['a skipped counter', (peer) => {
      peer.frameOf(encodeMessage({ type: 'get_peers' }));
      return [peer.frameOf(encodeMessage({ type: 'get_peers' }))];
    }, /frame counter \d+, expected \d+/],
  ];
  for (const [i, [what, frames, reason]] of tampering.entries()) {
    test(`${what} closes the link with \`protocol\`; another peer is still served`, async () => {
      const bystander = await dial();
      await bystander.peer.handshake({ keys: testKey(0x80 + 2 * i), genesis });
      const { peer, ip } = await dial();
      await peer.handshake({ keys: testKey(0x81 + 2 * i), genesis });
      await waitFor(`${ip} registered`, () => node!.registry.get(ip));
      peer.sendRaw(Buffer.concat(frames(peer)));
      const reject = await peer.waitForMessage('reject');
      assert.equal(reject.code, 'protocol');
      assert.match(reject.reason, reason);
      await peer.waitClosed();
      await waitFor(`${ip} unregistered`, () => !node!.registry.get(ip));
      await bystander.peer.pingPong();
    });
  }
});
