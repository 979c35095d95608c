// PROTOCOL.md §8: "the link is closed before c would wrap", on a real
// connection. Two PeerConnections over one TCP socket pair, their counters
// started a few frames before 2^64 through the framing's test-only hook:
// the handshake and the first pings go through sealed, then the side whose
// counter is spent closes the link itself, and the far end saw no bad frame.
import assert from 'node:assert/strict';
import { createServer, connect, Socket } from 'node:net';
import { test } from 'node:test';
import type { KeyPair } from '../../src/crypto';
import { configFor, NodeConfig } from '../../src/base/config';
import { silentLogger } from '../../src/base/log';
import { InboundBudget } from '../../src/net/inbound-budget';
import { CloseInfo, DomainHandlers, PeerConnection } from '../../src/net/peer-connection';
import { Scheduler } from '../../src/net/scheduler';
import { secureLengthPrefixFraming } from '../../src/net/secure-framing';
import { UnknownTypeLog } from '../../src/net/traffic';
import { MESSAGE_TYPES } from '../../src/wire/messages';
import { testGenesis, testKey, waitFor } from '../support/harness';

// This file's addresses: 127.12.6.x.
const IP = '127.12.6.1';
const genesis = testGenesis([testKey(0x90)]);
const CONNECTION_TYPES = new Set(['hello', 'auth', 'reject', 'ping', 'pong']);
const NO_DOMAIN = Object.fromEntries(MESSAGE_TYPES.filter((t) => !CONNECTION_TYPES.has(t)).map((t) => [t, () => undefined])) as unknown as DomainHandlers;
/** Four sealed frames each way before the end: enough for the first pings. */
const NEAR_END = (1n << 64n) - 4n;

function config(): NodeConfig {
  const base = configFor('devnet');
  // Pings every 50 ms spend the few counter values left quickly.
  return { ...base, timings: { ...base.timings, pingIntervalMs: 50, pongDeadlineMs: 2000 } };
}

interface End {
  peer: PeerConnection;
  closes: CloseInfo[];
  offences: string[];
  scheduler: Scheduler;
}

function end(socket: Socket, keys: KeyPair, direction: 'inbound' | 'outbound'): End {
  const scheduler = new Scheduler();
  const closes: CloseInfo[] = [];
  const offences: string[] = [];
  const framing = secureLengthPrefixFraming({ maxFrame: 4 * 1024 * 1024, sendCounterFrom: NEAR_END, receiveCounterFrom: NEAR_END });
  const peer = new PeerConnection(
    { stream: socket, framing, direction, key: IP, localIp: IP, remote: `${IP}:${socket.remotePort}` },
    {
      identity: { network: genesis.network, genesis: genesis.hash, node: keys.publicKey, port: 0, agent: 'test' },
      keys,
      config: config(),
      scheduler,
      log: silentLogger,
      unknownTypes: new UnknownTypeLog(),
      inboundBudget: new InboundBudget(1 << 24),
      chain: () => ({ height: 0, tip: genesis.hash }),
      handlers: NO_DOMAIN,
      established: () => undefined,
      closed: (_p, info) => closes.push(info),
      heightSeen: () => undefined,
      offence: (_p, _kind, detail) => offences.push(detail),
    },
  );
  return { peer, closes, offences, scheduler };
}

test('a link whose send counter reaches 2^64 - 1 closes itself before c would wrap; the far end saw only good frames', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, IP, resolve));
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const dialed = connect({ host: IP, port: (server.address() as { port: number }).port, localAddress: IP });
  const ends = [end(dialed, testKey(0x91), 'outbound'), end(await accepted, testKey(0x92), 'inbound')];
  try {
    for (const e of ends) e.peer.start();
    await waitFor('both ends established', () => ends.every((e) => e.peer.establishedAt > 0), 5000);
    assert.ok(ends.every((e) => e.peer.encrypted), 'the link is encrypted');
    const closed = await waitFor('an end to close for its spent counter', () => ends.find((e) => e.closes.length > 0), 5000);
    assert.match(closed.closes[0]!.reason, /frame counter spent/);
    assert.equal(closed.closes[0]!.code, 'local', 'closed by itself, not by the peer');
    const other = ends.find((e) => e !== closed)!;
    await waitFor('the far end to see the close', () => other.closes.length > 0, 5000);
    assert.notEqual(other.closes[0]!.code, 'protocol', `the far end closed on: ${other.closes[0]!.reason}`);
    assert.deepEqual(ends.flatMap((e) => e.offences), [], 'no frame failed its counter or its tag');
  } finally {
    for (const e of ends) {
      e.peer.close(undefined, 'test over');
      e.scheduler.stop();
    }
    server.close();
  }
});
