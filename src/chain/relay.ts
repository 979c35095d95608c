// Relay of PROTOCOL.md §5: every valid object goes once to every established
// peer but its sender. The seen-cache remembers identities, so an object
// arriving again from a second peer is not sent around a second time.
import type { PeerRegistry } from '../net/peer-registry';
import type { Message, MessageType } from '../wire/messages';
import { SeenCache } from './seen-cache';

export interface RelayStats {
  relayed: number;
  duplicates: number;
}

export class Relay {
  private readonly seen: SeenCache;
  readonly stats: RelayStats = { relayed: 0, duplicates: 0 };

  constructor(
    private readonly registry: PeerRegistry,
    maxSeen: number,
  ) {
    this.seen = new SeenCache(maxSeen);
  }

  /** Marks an identity as seen without sending (our own objects, blocks from sync). Returns false if it was known. */
  remember(id: string): boolean {
    return this.seen.add(id);
  }

  /** Relays `msg` unless `id` was relayed before; `from` is the sender's IP (or undefined for our own). */
  relay(id: string, msg: Message, from: string | undefined): boolean {
    return this.once(id, () => this.registry.broadcast(msg, exceptSender(from)));
  }

  /** As relay, for a message already encoded (a pooled tx's payload). */
  relayEncoded(id: string, type: MessageType, payload: Buffer, from: string | undefined): boolean {
    return this.once(id, () => this.registry.broadcastEncoded(type, payload, exceptSender(from)));
  }

  /** Sends (`send` returns how many peers got it) unless `id` was relayed before. */
  private once(id: string, send: () => number): boolean {
    if (!this.seen.add(id)) {
      this.stats.duplicates++;
      return false;
    }
    this.stats.relayed += send();
    return true;
  }

  get seenSize(): number {
    return this.seen.size;
  }
}

function exceptSender(from: string | undefined): { except?: string } {
  return from === undefined ? {} : { except: from };
}
