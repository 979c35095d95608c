// `start`'s --max-peers and --max-inbound: the connection caps of
// src/base/config.ts raised or lowered from the command line, checked
// against each other before the budget is split across the peers.
import type { NodeLimits } from '../base/config';
import { CliError, positiveInt } from './args';

/**
 * Above this a board runs out of file descriptors (the systemd unit's
 * LimitNOFILE=4096 also covers the block store and the address book) long
 * before the budget runs out of send-queue room.
 */
export const MAX_PEERS_LIMIT = 1024;

export interface PeerCaps {
  maxPeers: number;
  maxInbound: number;
}

/**
 * The caps from the flags. --max-inbound defaults to today's 24, or to
 * --max-peers when that is smaller (all peers may then be inbound); given
 * explicitly it must not exceed --max-peers.
 */
export function peerCaps(maxPeersFlag: string | undefined, maxInboundFlag: string | undefined, defaults: NodeLimits): PeerCaps {
  const maxPeers = positiveInt(maxPeersFlag, '--max-peers', defaults.maxPeers);
  if (maxPeers > MAX_PEERS_LIMIT) throw new CliError(`--max-peers must be at most ${MAX_PEERS_LIMIT}, got ${maxPeers}`);
  const maxInbound = positiveInt(maxInboundFlag, '--max-inbound', Math.min(defaults.maxInbound, maxPeers));
  if (maxInbound > maxPeers) throw new CliError(`--max-inbound must be at most --max-peers (${maxPeers}), got ${maxInbound}`);
  return { maxPeers, maxInbound };
}
