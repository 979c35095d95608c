// Peer identity is the IP alone, normalised (PROTOCOL.md §2): the mapped
// form of an IPv4 address is that IPv4 address, ports never count, and the
// dial-race rule orders addresses as numbers (IPv4 before IPv6), never as text.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, Socket } from 'node:net';
import { compareIps, formatEndpoint, normaliseIp, parseEndpoint } from '../../src/net/ip';
import { Node } from '../../src/node/node';
import { tempDir, testConfig, testGenesis, testKey, testLogger, waitFor } from '../support/harness';
import { RawPeer } from '../support/raw-peer';

// This file's addresses: 127.0.1.30 – 127.0.1.39.

describe('normaliseIp', () => {
  test('an IPv4-mapped IPv6 address becomes the plain IPv4 address (any case)', () => {
    assert.equal(normaliseIp('::ffff:127.0.0.2'), '127.0.0.2');
    assert.equal(normaliseIp('::FFFF:10.1.2.3'), '10.1.2.3');
    assert.equal(normaliseIp('127.0.0.2'), '127.0.0.2');
  });

  test('every spelling of one IPv6 address gives one key', () => {
    const key = normaliseIp('2001:db8::1');
    assert.equal(normaliseIp('2001:DB8:0:0::1'), key);
    assert.equal(normaliseIp('2001:0db8:0000:0000:0000:0000:0000:0001'), key);
    assert.equal(normaliseIp('::1'), normaliseIp('0:0:0:0:0:0:0:1'));
    assert.notEqual(normaliseIp('::1'), normaliseIp('::2'));
  });

  test(
    'the same IPv4-mapped address in other spellings (hex groups, uncompressed) also becomes the IPv4 address',

    () => {
      assert.equal(normaliseIp('::ffff:7f00:2'), '127.0.0.2');
      assert.equal(normaliseIp('0:0:0:0:0:ffff:127.0.0.2'), '127.0.0.2');
    },
  );

  test('text that is not an IP address is refused with a RangeError naming it', () => {
    for (const bad of ['localhost', '1.2.3', '', '127.0.0.1:80', '1.2.3.256', ':::1']) {
      assert.throws(() => normaliseIp(bad), (err: unknown) => err instanceof RangeError && err.message.includes(JSON.stringify(bad)), `normaliseIp(${JSON.stringify(bad)})`);
    }
  });

  test('what a dual-stack socket reports for an IPv4 peer (::ffff:a.b.c.d) normalises to the plain IPv4', async (t) => {
    const server = createServer();
    const seen = new Promise<string>((resolve) => server.once('connection', (s: Socket) => {
      resolve(s.remoteAddress ?? '');
      s.destroy();
    }));
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: '::', port: 0 }, () => resolve());
      });
    } catch (err) {
      t.skip(`cannot listen on [::] here: ${(err as Error).message}`);
      return;
    }
    try {
      const port = (server.address() as { port: number }).port;
      const client = connect({ host: '127.0.1.30', port, localAddress: '127.0.1.31' });
      client.on('error', () => undefined);
      const reported = await seen;
      client.destroy();
      assert.equal(reported, '::ffff:127.0.1.31', 'a dual-stack listener reports the mapped form');
      assert.equal(normaliseIp(reported), '127.0.1.31');
    } finally {
      server.close();
    }
  });
});

describe('compareIps', () => {
  test('orders numerically, not as text: 127.0.0.9 < 127.0.0.10, 9.255.255.255 < 10.0.0.0', () => {
    assert.ok(compareIps('127.0.0.9', '127.0.0.10') < 0);
    assert.ok(compareIps('127.0.0.10', '127.0.0.9') > 0);
    assert.ok(compareIps('9.255.255.255', '10.0.0.0') < 0);
    assert.ok(compareIps('127.0.1.10', '127.0.1.10') === 0);
    // Text order would put "127.0.0.10" first.
    assert.ok('127.0.0.10' < '127.0.0.9');
  });

  test('every IPv4 address comes before every IPv6 address', () => {
    assert.ok(compareIps('255.255.255.255', normaliseIp('::1')) < 0);
    assert.ok(compareIps(normaliseIp('::'), '0.0.0.0') > 0);
  });

  test('sorting a mixed list gives numeric order, IPv4 first', () => {
    const list = ['::1', '127.0.0.10', '10.0.0.1', '127.0.0.9', '2001:db8::1', '1.2.3.4', '::2'].map(normaliseIp);
    const sorted = [...list].sort(compareIps);
    assert.deepEqual(sorted, ['1.2.3.4', '10.0.0.1', '127.0.0.9', '127.0.0.10', '0:0:0:0:0:0:0:1', '0:0:0:0:0:0:0:2', '2001:db8:0:0:0:0:0:1']);
  });
});

describe('parseEndpoint and formatEndpoint', () => {
  test('IP:PORT and [IPv6]:PORT parse to a normalised IP and a port', () => {
    assert.deepEqual(parseEndpoint('127.0.0.1:24100'), { ip: '127.0.0.1', port: 24100 });
    assert.deepEqual(parseEndpoint('[::1]:5'), { ip: '0:0:0:0:0:0:0:1', port: 5 });
    assert.deepEqual(parseEndpoint('[::ffff:1.2.3.4]:80'), { ip: '1.2.3.4', port: 80 });
    assert.equal(formatEndpoint('1.2.3.4', 80), '1.2.3.4:80');
    assert.equal(formatEndpoint('0:0:0:0:0:0:0:1', 5), '[0:0:0:0:0:0:0:1]:5');
  });

  test('each error is a RangeError that names the text it could not use', () => {
    for (const bad of ['127.0.0.1', 'localhost:24100', '1.2.3.4:70000', '1.2.3.4:', '::1:80', 'example.org:1']) {
      assert.throws(
        () => parseEndpoint(bad),
        (err: unknown) => err instanceof RangeError && err.message.includes(JSON.stringify(bad)),
        `parseEndpoint(${JSON.stringify(bad)}) should throw naming the text`,
      );
    }
  });
});

describe('a node keyed by plain IPv4 whatever the socket reports', () => {
  const nodes: Node[] = [];
  after(async () => {
    for (const n of nodes) await n.stop();
  });

  async function nodeListeningOn(listen: string, ip: string): Promise<Node> {
    const node = new Node({
      keys: testKey(71 + nodes.length),
      genesis,
      dataDir: tempDir(),
      listen,
      peers: [],
      config: testConfig(),
      log: testLogger(ip),
    });
    nodes.push(node);
    await node.start();
    return node;
  }

  const genesis = testGenesis([testKey(79)]);

  test('a node on the dual-stack [::] sees an IPv4 peer as ::ffff:…, and keys it as the plain IPv4', async (t) => {
    let node: Node;
    try {
      node = await nodeListeningOn('[::]:0', '::');
    } catch (err) {
      t.skip(`cannot listen on [::] here: ${(err as Error).message}`);
      return;
    }
    const peer = await RawPeer.connect({ host: '127.0.1.32', port: node.listenPort, localAddress: '127.0.1.33' });
    try {
      await peer.handshake({ keys: testKey(77), genesis });
      const conn = await waitFor('registered', () => node.registry.all()[0]);
      assert.equal(conn.key, '127.0.1.33', `registry key ${conn.key}`);
      assert.equal(node.registry.get('::ffff:127.0.1.33'), undefined, 'never under the mapped spelling');
      assert.ok(node.registry.get('127.0.1.33'));
      assert.deepEqual(node.status().peers.map((p) => p.ip), ['127.0.1.33']);
      assert.match(conn.remote, /^127\.0\.1\.33:\d+$/, 'the remote shown in logs is the plain IPv4 too');
    } finally {
      peer.destroy();
    }
  });

  test('--listen [::ffff:127.0.1.34]:PORT listens on (and keys itself as) 127.0.1.34', async () => {
    const node = await nodeListeningOn('[::ffff:127.0.1.34]:0', '127.0.1.34');
    assert.equal(node.manager.ownIp, '127.0.1.34');
    const peer = await RawPeer.connect({ host: '127.0.1.34', port: node.listenPort, localAddress: '127.0.1.35' });
    try {
      await peer.handshake({ keys: testKey(78), genesis });
      const conn = await waitFor('registered', () => node.registry.get('127.0.1.35'));
      assert.equal(conn.localIp, '127.0.1.34', 'our side of the connection, as the dial-race rule sees it');
    } finally {
      peer.destroy();
    }
  });
});
