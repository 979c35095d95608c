// One established connection per IP (PROTOCOL.md §2, Identity and
// direction): in a dial race both ends keep the connection dialed by the
// numerically lower IP; otherwise the newer connection replaces the older
// (a reconnecting peer is never locked out by its own dead connection).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Node } from '../../src/node/node';
import { freePort, startNode, tempDir, testConfig, testGenesis, testKey, testLogger, waitFor } from '../support/harness';
import { RawPeer } from '../support/raw-peer';

// This file's addresses: 127.0.1.10 – 127.0.1.29.
const LOW = '127.0.1.10';
const HIGH = '127.0.1.11';
const genesis = testGenesis([testKey(109)]);

function duplicatesIn(lines: string[]): string[] {
  return lines.filter((l) => l.includes('code=duplicate'));
}

/** Both ends hold exactly one connection, established, and it is the same one (opposite directions). */
function settled(a: Node, aIp: string, b: Node, bIp: string): boolean {
  const ab = a.registry.get(bIp);
  const ba = b.registry.get(aIp);
  return (
    a.manager.connections.length === 1 &&
    b.manager.connections.length === 1 &&
    ab?.state === 'established' &&
    ba?.state === 'established' &&
    ab.direction !== ba.direction
  );
}

describe('dial race: both nodes dial each other at once', () => {
  test('five races in a row each end with ONE shared connection, the one dialed by the lower IP (127.0.1.10)', async () => {
    for (let round = 1; round <= 5; round++) {
      const logLow: string[] = [];
      const logHigh: string[] = [];
      const low = await startNode({ ip: LOW, keys: testKey(110), genesis, logLines: logLow });
      const high = await startNode({ ip: HIGH, keys: testKey(111), genesis, logLines: logHigh });
      try {
        // What --peer does at start, for both, in the same tick: both dials are in flight together.
        low.manager.addConfiguredPeer(HIGH, high.listenPort);
        high.manager.addConfiguredPeer(LOW, low.listenPort);
        await waitFor(`round ${round}: one connection on each side`, () => settled(low, LOW, high, HIGH) && duplicatesIn([...logLow, ...logHigh]).length > 0);
        const onLow = low.registry.get(HIGH);
        const onHigh = high.registry.get(LOW);
        assert.deepEqual(
          { onLow: onLow?.direction, onHigh: onHigh?.direction },
          { onLow: 'outbound', onHigh: 'inbound' },
          `round ${round}: both keep the connection 127.0.1.10 dialed`,
        );
        assert.match(onHigh?.remote ?? '', /^127\.0\.1\.10:\d+$/);
        assert.notEqual(onHigh?.remote, `${LOW}:${low.listenPort}`, 'on the higher side it arrived from an ephemeral port: it was dialed by the lower');
        // Both handshakes completed and the loser was closed with `duplicate`, not merely never made.
        assert.ok(duplicatesIn([...logLow, ...logHigh]).length >= 1);
        // Still the same one a moment later: pings flow over it, nothing redials.
        await waitFor('a pong over the kept connection', () => (onLow?.ping.stats.matched ?? 0) >= 1 && (onHigh?.ping.stats.matched ?? 0) >= 1, 5000);
        assert.ok(settled(low, LOW, high, HIGH), `round ${round}: still settled`);
        assert.equal(low.registry.get(HIGH), onLow);
        assert.equal(high.registry.get(LOW), onHigh);
      } finally {
        await low.stop();
        await high.stop();
      }
    }
  });

  test('two nodes configured with each other and started together end with one shared connection', async () => {
    const lowPort = freePort();
    const highPort = freePort();
    const make = (ip: string, port: number, keySeed: number, peer: string): Node =>
      new Node({ keys: testKey(keySeed), genesis, dataDir: tempDir(), listen: `${ip}:${port}`, peers: [peer], config: testConfig({ reconnectBaseMs: 100 }), log: testLogger(ip) });
    const low = make(LOW, lowPort, 110, `${HIGH}:${highPort}`);
    const high = make(HIGH, highPort, 111, `${LOW}:${lowPort}`);
    try {
      await Promise.all([low.start(), high.start()]);
      await waitFor('one connection on each side', () => settled(low, LOW, high, HIGH));
      const onLow = low.registry.get(HIGH);
      const onHigh = high.registry.get(LOW);
      assert.notEqual(onLow?.direction, onHigh?.direction, 'the same connection seen from both ends');
    } finally {
      await low.stop();
      await high.stop();
    }
  });
});

describe('a reconnecting peer replaces its old connection', () => {
  const A_IP = '127.0.1.12';
  const logA: string[] = [];
  let A: Node;
  const RACE_WINDOW_MS = 300;

  before(async () => {
    A = await startNode({ ip: A_IP, keys: testKey(112), genesis, logLines: logA, timings: { dialRaceWindowMs: RACE_WINDOW_MS } });
  });
  after(async () => {
    await A?.stop();
  });

  test('a node restarted with the same key, IP and data dir is taken at once; nothing is refused as duplicate', async () => {
    const B_IP = '127.0.1.13';
    const dataDir = tempDir();
    const port = freePort();
    const options = { ip: B_IP, port, keys: testKey(113), genesis, dataDir, peers: [`${A_IP}:${A.listenPort}`] };
    const B = await startNode(options);
    let B2: Node | undefined;
    try {
      const old = await waitFor('A has B', () => A.registry.get(B_IP));
      const oldAt = old.establishedAt;
      await B.stop();
      const logB2: string[] = [];
      const restartedAt = Date.now();
      B2 = await startNode({ ...options, logLines: logB2 });
      const fresh = await waitFor('A registers the new connection', () => {
        const c = A.registry.get(B_IP);
        return c && c !== old && c.state === 'established' ? c : undefined;
      });
      assert.ok(fresh.establishedAt > oldAt, `new establishedAt ${fresh.establishedAt} vs old ${oldAt}`);
      assert.ok(Date.now() - restartedAt < 1000, `took ${Date.now() - restartedAt} ms: at once, not after a timeout or backoff`);
      assert.equal(B2.registry.get(A_IP)?.state, 'established');
      const fromA = duplicatesIn(logA).filter((l) => l.includes(B_IP));
      assert.deepEqual(fromA, [], 'A refused nothing as duplicate towards B');
      assert.deepEqual(duplicatesIn(logB2), [], 'B2 was refused nothing as duplicate');
    } finally {
      await B2?.stop();
    }
  });

  test('while the old connection is dead but still open (same direction), the new one replaces it; the old gets "duplicate"', async () => {
    const C_IP = '127.0.1.14';
    const keys = testKey(114);
    const ghost = await RawPeer.connect({ host: A_IP, port: A.listenPort, localAddress: C_IP });
    let C: Node | undefined;
    try {
      await ghost.handshake({ keys, genesis });
      const old = await waitFor('A has the ghost', () => A.registry.get(C_IP));
      ghost.answerPings = false; // dead from here on, though its socket stays open
      const logC: string[] = [];
      const startedAt = Date.now();
      C = await startNode({ ip: C_IP, keys, genesis, logLines: logC, peers: [`${A_IP}:${A.listenPort}`] });
      const fresh = await waitFor('A replaces the ghost', () => {
        const c = A.registry.get(C_IP);
        return c && c !== old && c.state === 'established' ? c : undefined;
      });
      // At once: long before the ghost could be dropped for missed pongs (3 × deadline).
      assert.ok(Date.now() - startedAt < 1000, `replaced after ${Date.now() - startedAt} ms`);
      assert.equal(fresh.direction, 'inbound');
      const reject = await ghost.waitForMessage('reject');
      assert.equal(reject.code, 'duplicate', `the old connection got ${reject.code}: ${reject.reason}`);
      assert.deepEqual(duplicatesIn(logC), [], 'the reconnecting node was refused nothing');
      assert.equal(C.registry.get(A_IP)?.state, 'established');
    } finally {
      ghost.destroy();
      await C?.stop();
    }
  });

  test('same direction is never a race: a RawPeer from 127.0.1.20 handshakes twice → the first gets "duplicate", the second stays', async () => {
    const ip = '127.0.1.20';
    const keys = testKey(120);
    const first = await RawPeer.connect({ host: A_IP, port: A.listenPort, localAddress: ip });
    const second = await RawPeer.connect({ host: A_IP, port: A.listenPort, localAddress: ip });
    try {
      await first.handshake({ keys, genesis });
      await waitFor('first registered', () => A.registry.get(ip));
      const outcome = await second.tryHandshake({ keys, genesis });
      assert.equal(outcome.ok ? 'ok' : `reject ${outcome.reject.code}`, 'ok', 'the second (newer) connection is kept');
      const reject = await first.waitForMessage('reject');
      assert.equal(reject.code, 'duplicate');
      await first.waitClosed();
      await second.pingPong();
      const kept = A.registry.get(ip);
      assert.ok(kept?.hello?.challenge.equals(second.challenge), 'A lists the second connection under 127.0.1.20');
      assert.equal(A.status().peers.filter((p) => p.ip === ip).length, 1);
    } finally {
      first.destroy();
      second.destroy();
    }
  });

  describe('opposite directions: a race only inside the window', () => {
    // Node D at 127.0.1.21 dials a RawPeer listening on 127.0.1.22 (D's --peer): D's side is outbound.
    // Then "the same peer" dials D (inbound). D is lower, so in a race D keeps its outbound.
    const D_IP = '127.0.1.21';
    const E_IP = '127.0.1.22';
    const keys = testKey(122);

    async function outboundGhost(): Promise<{ D: Node; ghost: RawPeer; close: () => Promise<void> }> {
      const listener = await RawPeer.listen({ host: E_IP, port: freePort() });
      const D = await startNode({ ip: D_IP, keys: testKey(121), genesis, peers: [`${E_IP}:${listener.port}`], timings: { dialRaceWindowMs: RACE_WINDOW_MS } });
      const ghost = await listener.accepted;
      listener.close();
      await ghost.handshake({ keys, genesis, port: listener.port });
      await waitFor('D has its outbound to E', () => D.registry.get(E_IP)?.direction === 'outbound');
      return {
        D,
        ghost,
        close: async () => {
          ghost.destroy();
          await D.stop();
        },
      };
    }

    test('inside the window, the inbound newcomer loses to the outbound dialed by the lower IP ("duplicate")', async () => {
      const { D, ghost, close } = await outboundGhost();
      const newcomer = await RawPeer.connect({ host: D_IP, port: D.listenPort, localAddress: E_IP });
      try {
        const old = D.registry.get(E_IP);
        const outcome = await newcomer.tryHandshake({ keys, genesis });
        assert.ok(old && Date.now() - old.establishedAt < RACE_WINDOW_MS, 'the test ran inside the window');
        assert.equal(outcome.ok ? 'ok' : outcome.reject.code, 'duplicate');
        assert.equal(D.registry.get(E_IP), old, 'D kept the connection it dialed');
        assert.ok(ghost.isOpen);
      } finally {
        newcomer.destroy();
        await close();
      }
    });

    test('past the window, the inbound newcomer replaces the older outbound one', async () => {
      const { D, ghost, close } = await outboundGhost();
      try {
        const old = D.registry.get(E_IP);
        assert.ok(old);
        await waitFor('the race window has passed', () => Date.now() - old.establishedAt > RACE_WINDOW_MS + 20);
        const newcomer = await RawPeer.connect({ host: D_IP, port: D.listenPort, localAddress: E_IP });
        try {
          const outcome = await newcomer.tryHandshake({ keys, genesis });
          assert.equal(outcome.ok ? 'ok' : outcome.reject.code, 'ok');
          const kept = await waitFor('D lists the newcomer', () => (D.registry.get(E_IP) !== old ? D.registry.get(E_IP) : undefined));
          assert.equal(kept.direction, 'inbound');
          const reject = await ghost.waitForMessage('reject');
          assert.equal(reject.code, 'duplicate');
        } finally {
          newcomer.destroy();
        }
      } finally {
        await close();
      }
    });
  });
});
