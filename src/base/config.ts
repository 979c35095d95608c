// Every tunable of the node, in one place, with the defaults of PROTOCOL.md §6
// (and §2 for dialing). The devnet profile is the right-hand column of §6;
// tests override single fields instead of sleeping.
import { DEFAULT_RATE_LIMITS, RateLimits } from './rate-limits';

export interface NodeTimings {
  /** §6 ping interval. */
  pingIntervalMs: number;
  /** §6: a ping not answered by then is missed. */
  pongDeadlineMs: number;
  /** §6: consecutive misses before `reject` `timeout`. */
  maxMissedPongs: number;
  /** §3: pending pings kept; the oldest is dropped (and missed) past that. */
  maxPendingPings: number;
  /** §2: hello + auth must both arrive within this. */
  handshakeDeadlineMs: number;
  /** §2 backoff: 1 s, 2 s, 4 s … capped, ±20 % jitter, reset after a stable minute. */
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  reconnectJitter: number;
  reconnectResetAfterMs: number;
  /** §2: a lower learned IP is dialed only if it has not connected to us by then. */
  lowerIpDialDelayMs: number;
  /** §2: a dial race is two opposite connections established this close together. */
  dialRaceWindowMs: number;
  /** §2: no redial after a `network`/`genesis` refusal for this long. */
  mismatchRedialMs: number;
  /** How often an established peer is asked for addresses. */
  getPeersIntervalMs: number;
  /** A peer whose send queue stays full this long is closed with `slow` (§5). */
  slowPeerDeadlineMs: number;
  /** How often a changed address book is written: rarely, because the data folder is an SD card. */
  addressSaveIntervalMs: number;
  /** How often the node logs its one-line "alive" summary (height, peers, tx/s): at most once a minute, so an SD card is spared. */
  summaryIntervalMs: number;
  /** How often --metrics keeps a sample for the status page's ten-minute plots (and the RTT histogram). */
  historySampleMs: number;
}

export interface NodeLimits {
  maxFrame: number;
  /** Peer cap; over it a connection is refused with `full`. */
  maxPeers: number;
  /** Of maxPeers, how many may be inbound / outbound. */
  maxInbound: number;
  maxOutbound: number;
  /** Inbound connections per /24 (IPv4) or /48 (IPv6) of a public address; loopback and private ranges are exempt. */
  maxInboundPerSubnet: number;
  /** Messages handled from one peer before yielding to the others (its socket is paused meanwhile). */
  maxMessagesPerTurn: number;
  /**
   * Time one peer's turn may take, whatever its messages cost: 256 pings take
   * microseconds, 256 large txs tens of ms, so a count alone is not fair (§5).
   */
  maxTurnMs: number;
  /** Bytes all peers together may hold in half-received frames. */
  inboundBufferBytes: number;
  rateLimits: RateLimits;
  /** Outbound connections the node tries to keep from learned addresses. */
  targetOutbound: number;
  /** Address book entries kept (and persisted). */
  maxAddresses: number;
  /** Outbound queue per peer: relayed gossip beyond this is dropped oldest-first. */
  sendQueueBytes: number;
  sendQueueMessages: number;
  /**
   * Worker threads that verify signatures (src/crypto/verify-pool.ts); 0 =
   * on the main thread, as before. `start` sizes it from the core count and
   * --max-memory (src/base/budget.ts verifyThreadsFor) unless
   * --verify-threads says otherwise.
   */
  verifyThreads: number;
  /** Signature checks per message to a verify worker (the round trip's cost chose it: README). */
  verifyChunk: number;
  /** Signature checks one peer's turn may have verified ahead, and verdicts held for it (the verdict memo's bound). */
  verifyChecksPerTurn: number;
  /** Messages of one peer decoded and being verified ahead of the one being handled (with the pool): the pipeline's bound. */
  verifyAheadMessages: number;
}

/** Serial links (PROTOCOL.md §1, §5): what a slow line may carry, derived from its baud rate. */
export interface SerialSettings {
  /** A data message whose frame takes longer than this to send at the link's baud is refused to that link (counted), never split. */
  frameSeconds: number;
  /** ...but the cap is never below this, so txs and votes always fit. */
  minFrameBytes: number;
  /** The data lane of a serial link holds at most this many seconds of line time (and never more than sendQueueBytes). */
  queueSeconds: number;
  /** Bytes handed to the port per write: small, so a pong waits behind at most this much queued data. */
  batchBytes: number;
  /** What the UART driver and the far end may buffer beyond what we can see (the kernel tty buffer). */
  lineBufferBytes: number;
  /** Our hello is repeated this often (plus the line's delay) until the far end's auth arrives: a frame can be lost. */
  helloRetryMs: number;
  /** How often the log gets a line per serial link (path, baud, bytes/s, CRC drops, RTT); devnet 15 s, under the log's 5 repeats a minute. */
  statsLogIntervalMs: number;
}

/** What a link must be (PROTOCOL.md §8). */
export interface LinkPolicy {
  /** Accept a peer whose hello has no kx, and talk to it in clear (`--allow-plaintext`: test tools, debugging). */
  allowPlaintext: boolean;
}

export interface NodeConfig {
  timings: NodeTimings;
  limits: NodeLimits;
  serial: SerialSettings;
  links: LinkPolicy;
}

/** §8: encrypted links only, unless the operator says otherwise. */
export const DEFAULT_LINK_POLICY: LinkPolicy = { allowPlaintext: false };

export const DEFAULT_PORT = 24100;

export const DEFAULT_TIMINGS: NodeTimings = {
  pingIntervalMs: 30_000,
  pongDeadlineMs: 60_000,
  maxMissedPongs: 3,
  maxPendingPings: 8,
  handshakeDeadlineMs: 10_000,
  reconnectBaseMs: 1_000,
  reconnectMaxMs: 60_000,
  reconnectJitter: 0.2,
  reconnectResetAfterMs: 60_000,
  lowerIpDialDelayMs: 10_000,
  dialRaceWindowMs: 10_000,
  mismatchRedialMs: 3_600_000,
  getPeersIntervalMs: 60_000,
  slowPeerDeadlineMs: 30_000,
  addressSaveIntervalMs: 15 * 60_000,
  summaryIntervalMs: 60_000,
  historySampleMs: 10_000,
};

export const DEVNET_TIMINGS: NodeTimings = {
  ...DEFAULT_TIMINGS,
  pingIntervalMs: 1_000,
  pongDeadlineMs: 2_000,
  getPeersIntervalMs: 2_000,
  slowPeerDeadlineMs: 3_000,
  addressSaveIntervalMs: 10_000,
  summaryIntervalMs: 5_000,
  historySampleMs: 1_000,
};

export const DEFAULT_LIMITS: NodeLimits = {
  maxFrame: 4 * 1024 * 1024,
  maxPeers: 32,
  maxInbound: 24,
  maxOutbound: 16,
  maxInboundPerSubnet: 4,
  maxMessagesPerTurn: 256,
  maxTurnMs: 2,
  inboundBufferBytes: 24 * 1024 * 1024,
  rateLimits: DEFAULT_RATE_LIMITS,
  targetOutbound: 8,
  maxAddresses: 1024,
  sendQueueBytes: 1024 * 1024,
  sendQueueMessages: 4096,
  verifyThreads: 0,
  verifyChunk: 64,
  verifyChecksPerTurn: 4096,
  verifyAheadMessages: 512,
};

/** The most verify threads --verify-threads accepts: more than a board has cores is only memory spent. */
export const MAX_VERIFY_THREADS = 64;

export const DEFAULT_SERIAL: SerialSettings = {
  frameSeconds: 10,
  minFrameBytes: 16 * 1024,
  queueSeconds: 30,
  batchBytes: 1024,
  lineBufferBytes: 4096,
  helloRetryMs: 2000,
  statsLogIntervalMs: 60_000,
};

export type Profile = 'default' | 'devnet';

export function configFor(profile: Profile): NodeConfig {
  return {
    timings: { ...(profile === 'devnet' ? DEVNET_TIMINGS : DEFAULT_TIMINGS) },
    limits: { ...DEFAULT_LIMITS },
    serial: { ...DEFAULT_SERIAL, statsLogIntervalMs: profile === 'devnet' ? 15_000 : DEFAULT_SERIAL.statsLogIntervalMs },
    links: { ...DEFAULT_LINK_POLICY },
  };
}
