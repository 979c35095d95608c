// A plain-data snapshot of a running node: what `timenode status` prints
// (over the control socket), what the devnet view draws, what `start` sends
// to a parent process each second, and what tests assert on. It reads the
// node's parts through StatusSource, so node.ts imports this file and not
// the other way round.
import type { Chain } from '../chain/chain';
import type { BanList } from '../chain/misbehaviour';
import type { VerifyPool } from '../crypto/verify-pool';
import { backendChoices } from '../base/hotpath-selection';
import type { AddressBook } from '../net/address-book';
import type { ConnectionManager } from '../net/connection-manager';
import type { InboundBudget } from '../net/inbound-budget';
import type { PeerConnection } from '../net/peer-connection';
import type { PeerRegistry } from '../net/peer-registry';
import type { Scheduler } from '../net/scheduler';
import { isSerialKey } from '../net/serial-spec';
import type { SerialLinks, SerialLinkStatus } from '../net/serial-transport';
import { sampleProcess, type ProcessStats } from './process-stats';

/** What a status snapshot reads; the Node is one (structurally). */
export interface StatusSource {
  readonly identityKey: string;
  readonly listenPort: number;
  readonly network: string;
  readonly genesisHash: string;
  readonly agent: string;
  /** --max-memory in bytes, and each peer's send-queue share of it. */
  readonly budgetBytes: number;
  readonly sendQueueBytesPerPeer: number;
  readonly manager: ConnectionManager;
  readonly registry: PeerRegistry;
  readonly chain: Chain;
  readonly bans: BanList;
  readonly addressBook: AddressBook;
  readonly inboundBudget: InboundBudget;
  readonly scheduler: Scheduler;
  readonly serialLinks: SerialLinks;
  readonly verifyPool: VerifyPool | undefined;
}

export interface PeerStatus {
  /** The connection key: the peer's IP, or serial:PATH. */
  ip: string;
  /** The peer's node key (hex) from its hello; "" before the handshake. */
  key: string;
  remote: string;
  direction: 'inbound' | 'outbound';
  transport: 'tcp' | 'serial';
  /** §8: whether the link is encrypted (both hellos carried kx); false only for a plaintext peer let in by --allow-plaintext. */
  encrypted: boolean;
  /** The IP's misbehaviour score (PROTOCOL.md §5); 0 when clean. */
  score: number;
  /** The send queue's share of the budget: queuedBytes against it is the queue's use. */
  queueCapacityBytes: number;
  state: string;
  height: number;
  rttMs: number | undefined;
  rttSmoothedMs: number | undefined;
  missedPongs: number;
  unknownPongs: number;
  establishedAt: number;
  queuedBytes: number;
  dropped: number;
  /** Serial links only: the line's path, baud, traffic and damage. */
  serial?: SerialPeerStatus;
}

export interface SerialPeerStatus {
  path: string;
  baud: number;
  bytesIn: number;
  bytesOut: number;
  bytesPerSecIn: number;
  bytesPerSecOut: number;
  /** Frames dropped for a bad CRC (or COBS, or size) or, encrypted, for failing to open: damage on the line. */
  crcDrops: number;
  /** Of those, frames whose CRC held but that did not open (§8: a failed tag, or a counter that did not increase). */
  unopened: number;
  /** Frames the line lost whole, from the gaps in the far end's counter (§8). */
  lost: number;
  /** Data messages too large for the line's frame cap, refused to it. */
  refusedLarge: number;
  frameCap: number;
  /** Pings not sent while one was outstanding on the slow line. */
  pingsDeferred: number;
  pingsMatched: number;
  /** This link's messages by type: what crossed the line. */
  messagesIn: Record<string, number>;
  messagesOut: Record<string, number>;
}

export interface NodeStatus {
  node: string;
  listen: number;
  network: string;
  genesis: string;
  agent: string;
  pid: number;
  /** --max-memory in bytes: rssBytes against it is the memory use. */
  budgetBytes: number;
  uptimeMs: number;
  height: number;
  tip: string;
  masternode: boolean;
  finalized: number;
  txPool: number;
  equivocations: number;
  syncTarget: number;
  peers: PeerStatus[];
  /** Every `--serial` port, open or waiting to reopen. */
  serialLinks: SerialLinkStatus[];
  /** Every connection, handshaking ones included. */
  connections: number;
  banned: number;
  addresses: number;
  messagesIn: Record<string, number>;
  messagesOut: Record<string, number>;
  handled: Record<string, number>;
  unknown: Record<string, number>;
  rssBytes: number;
  /** Current use of each budgeted structure. */
  memory: {
    heapUsedBytes: number;
    sendQueueBytes: number;
    inboundFrameBytes: number;
    seenIds: number;
    poolTxs: number;
    poolBytes: number;
    addresses: number;
  };
  /** Which backend each hot path runs on (native or fallback). */
  backends: { path: string; kind: string; impl: string }[];
  /** Signature checks on worker threads: threads running, chunks answered by them and by the main thread, worker crashes. */
  verify: { threads: number; workerChunks: number; inlineChunks: number; crashes: number; queuedChunks: number };
  /** Relays dropped because a peer's send queue was full (§5 Relay): the only messages a node drops. */
  dropped: { relay: number };
  /** Times a peer's reading was paused for a rate limit, and for how long in all: slowed, never dropped (§5). */
  paced: { times: number; ms: number };
  /** Since start, closed connections included (the fields above are live connections only): what metrics count. */
  totals: {
    messagesIn: Record<string, number>;
    messagesOut: Record<string, number>;
    unknown: Record<string, number>;
    bytesIn: number;
    bytesOut: number;
    relayDropped: number;
  };
  /** Switches to a better branch (PROTOCOL.md §5 Fork choice). */
  reorgs: number;
  /** Event-loop delay, fds, timers and handles of the process (process-stats.ts). */
  process: ProcessStats;
}

export function statusOf(node: StatusSource, startedAt: number): NodeStatus {
  const now = Date.now();
  const msgIn: Record<string, number> = {};
  const msgOut: Record<string, number> = {};
  const handled: Record<string, number> = {};
  const unknown: Record<string, number> = {};
  const connections = node.manager.connections;
  for (const c of connections) {
    add(msgIn, c.traffic.in);
    add(msgOut, c.traffic.out);
    add(handled, c.traffic.handled);
    add(unknown, c.traffic.unknown);
  }
  const chain = node.chain.stats();
  const pool = node.chain.pool.stats();
  let sendQueueBytes = 0;
  let relayDropped = 0;
  const paced = { times: 0, ms: 0 };
  for (const c of connections) {
    sendQueueBytes += c.sendStats.queuedBytes;
    relayDropped += c.sendStats.droppedData;
    for (const p of c.ratePaused.values()) {
      paced.times += p.times;
      paced.ms += p.ms;
    }
  }
  const mem = process.memoryUsage();
  return {
    node: node.identityKey,
    listen: node.listenPort,
    network: node.network,
    genesis: node.genesisHash,
    agent: node.agent,
    pid: process.pid,
    budgetBytes: node.budgetBytes,
    uptimeMs: now - startedAt,
    height: chain.height,
    tip: chain.tip,
    masternode: node.chain.isMasternode,
    finalized: chain.finalized,
    txPool: pool.txs,
    equivocations: chain.equivocations,
    syncTarget: node.chain.sync.target(),
    peers: node.registry.all().map((p) => ({
      ip: p.key,
      key: p.hello?.node.toString('hex') ?? '',
      remote: p.remote,
      direction: p.direction,
      transport: isSerialKey(p.key) ? 'serial' : 'tcp',
      encrypted: p.encrypted,
      score: isSerialKey(p.key) ? 0 : node.bans.scoreOf(p.key),
      queueCapacityBytes: node.sendQueueBytesPerPeer,
      state: p.state,
      height: p.height,
      rttMs: p.ping.stats.rttLastMs,
      rttSmoothedMs: p.ping.stats.rttSmoothedMs,
      missedPongs: p.ping.stats.missed,
      unknownPongs: p.ping.stats.unknownPongs,
      establishedAt: p.establishedAt,
      queuedBytes: p.sendStats.queuedBytes,
      dropped: p.sendStats.droppedData,
      serial: serialOf(p),
    })),
    serialLinks: node.serialLinks.status(),
    connections: connections.length,
    banned: node.bans.banned(now).length,
    addresses: node.addressBook.size,
    messagesIn: msgIn,
    messagesOut: msgOut,
    handled,
    unknown,
    rssBytes: mem.rss,
    memory: {
      heapUsedBytes: mem.heapUsed,
      sendQueueBytes,
      inboundFrameBytes: node.inboundBudget.usedBytes,
      seenIds: node.chain.seenIds,
      poolTxs: pool.txs,
      poolBytes: pool.bytes,
      addresses: node.addressBook.size,
    },
    dropped: { relay: relayDropped },
    paced,
    totals: totalsOf(node, connections),
    reorgs: chain.switches,
    process: sampleProcess(node.scheduler.size),
    backends: backendChoices().map((c) => ({ path: c.path, kind: c.kind, impl: c.impl })),
    verify: verifyStatus(node),
  };
}

function serialOf(p: PeerConnection): SerialPeerStatus | undefined {
  const line = p.line?.stats();
  if (!line) return undefined;
  return {
    path: line.path,
    baud: line.baud,
    bytesIn: line.bytesIn,
    bytesOut: line.bytesOut,
    bytesPerSecIn: line.bytesPerSecIn,
    bytesPerSecOut: line.bytesPerSecOut,
    crcDrops: p.framesDropped,
    unopened: p.sealStats.refused,
    lost: p.sealStats.lost,
    refusedLarge: line.refusedLarge,
    frameCap: line.frameCap,
    pingsDeferred: p.ping.stats.deferred,
    pingsMatched: p.ping.stats.matched,
    messagesIn: Object.fromEntries(p.traffic.in),
    messagesOut: Object.fromEntries(p.traffic.out),
  };
}

function verifyStatus(node: StatusSource): NodeStatus['verify'] {
  const pool = node.verifyPool;
  if (pool === undefined) return { threads: 0, workerChunks: 0, inlineChunks: 0, crashes: 0, queuedChunks: 0 };
  const { workerChunks, inlineChunks, crashes } = pool.stats;
  return { threads: pool.threads, workerChunks, inlineChunks, crashes, queuedChunks: pool.queuedChunks };
}

function totalsOf(node: StatusSource, live: readonly PeerConnection[]): NodeStatus['totals'] {
  const closed = node.manager.closedTraffic;
  const messagesIn = Object.fromEntries(closed.in);
  const messagesOut = Object.fromEntries(closed.out);
  const unknown = Object.fromEntries(closed.unknown);
  let { bytesIn, bytesOut, relayDropped } = closed;
  for (const c of live) {
    add(messagesIn, c.traffic.in);
    add(messagesOut, c.traffic.out);
    add(unknown, c.traffic.unknown);
    bytesIn += c.bytes.in;
    bytesOut += c.bytes.out;
    relayDropped += c.sendStats.droppedData;
  }
  return { messagesIn, messagesOut, unknown, bytesIn, bytesOut, relayDropped };
}

function add(into: Record<string, number>, from: Map<string, number>): void {
  for (const [k, v] of from) into[k] = (into[k] ?? 0) + v;
}
