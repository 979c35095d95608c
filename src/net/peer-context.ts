// What a connection is given: the stream under it (a TCP socket or a serial
// port, with its framing) and the node's context (identity, config, the
// shared scheduler and budgets, the domain's handlers and callbacks). The
// peer type is a parameter, so this file needs nothing of PeerConnection's.
import type { Duplex } from 'node:stream';
import type { NodeConfig } from '../base/config';
import type { Logger } from '../base/log';
import type { KeyPair } from '../crypto';
import type { RejectCode } from '../wire/errors';
import type { MessageOf, MessageType } from '../wire/messages';
import type { BatchVerifier } from './batch-verifier';
import type { ChainPosition, LocalIdentity } from './handshake';
import type { InboundBudget } from './inbound-budget';
import type { Scheduler } from './scheduler';
import type { SecureFraming } from './secure-framing';
import type { SerialLine } from './serial-line';
import type { UnknownTypeLog } from './traffic';

export type Direction = 'inbound' | 'outbound';
export type ConnectionState = 'handshaking' | 'established' | 'closed';

/** Handlers the node supplies for every type the connection does not handle itself. */
export type DomainHandlersFor<P> = {
  [K in Exclude<MessageType, 'hello' | 'auth' | 'reject' | 'ping' | 'pong'>]: (peer: P, msg: MessageOf<K>) => void;
};

export interface CloseInfo {
  /** The code we sent, or the one the peer sent us. */
  code: RejectCode | 'eof' | 'error' | 'local' | 'restarted';
  reason: string;
  byPeer: boolean;
}

export interface PeerContextFor<P> {
  identity: LocalIdentity;
  keys: KeyPair;
  config: NodeConfig;
  scheduler: Scheduler;
  log: Logger;
  unknownTypes: UnknownTypeLog;
  inboundBudget: InboundBudget;
  /** Verifies a batch's signatures ahead of handling it (the verify pool); absent: verified inline as handled. */
  batchVerifier?: BatchVerifier;
  chain(): ChainPosition;
  handlers: DomainHandlersFor<P>;
  /** Called when hello and auth are both good; the manager may close the connection (duplicate, full, banned). */
  established(peer: P): void;
  closed(peer: P, info: CloseInfo): void;
  /** The peer told us its height (hello, ping, pong); sync decides whether to ask for blocks. */
  heightSeen(peer: P): void;
  /** A protocol offence (PROTOCOL.md §5 Misbehaviour); the connection closes itself. */
  offence(peer: P, kind: 'protocol', detail: string): void;
}

export interface Transport {
  stream: Duplex;
  /** Cuts and frames payloads, and encrypts them once both sides offered kx (§8). */
  framing: SecureFraming;
  direction: Direction;
  /** The connection's key: the peer's normalised IP, or `serial:<path>`. */
  key: string;
  /** Our own address on this connection (the dial-race rule compares dialers). */
  localIp: string;
  /** "ip:port" as seen on the socket, or the device path, for logs. */
  remote: string;
  /** A serial link's timing model: frame cap, small batches, baud-aware deadlines. Absent on TCP. */
  line?: SerialLine;
  /** Serial only: the far end restarted the link (a new hello on an established one); start a connection for this hello. */
  restart?(hello: Buffer): void;
}
