// Relay of PROTOCOL.md §5: every valid object goes once to every established
// peer but its sender. The seen-cache remembers identities, so an object
// arriving again from a second peer is not sent around a second time.
import type { PeerRegistry } from '../net/peer-registry';
import type { MessageOf } from '../wire/messages';
import { relayId, SeenCache, type RelayKind } from './seen-cache';

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

  /** Marks an object as seen without sending (our own objects, blocks from sync). Returns false if it was known. */
  remember(kind: RelayKind, id: Uint8Array): boolean {
    return this.seen.add(relayId(kind, id));
  }

  /**
   * Relays `msg` unless it was relayed before. `id`: the object's 32-byte
   * identity (txid, vote id, block hash, the node key of an ann or hb, whose
   * time or seq the identity takes from `msg`). `from` is the sender's IP (or
   * undefined for our own).
   */
  relay(msg: MessageOf<RelayKind>, id: Uint8Array, from: string | undefined): boolean {
    return this.once(relayId(msg.type, id, counterOf(msg)), () => this.registry.broadcast(msg, exceptSender(from)));
  }

  /** As relay, for a tx already encoded (its pooled payload). */
  relayEncodedTx(payload: Buffer, txid: Uint8Array, from: string | undefined): boolean {
    return this.once(relayId('tx', txid), () => this.registry.broadcastEncoded('tx', payload, exceptSender(from)));
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

/** An ann is new per (node, time), an hb per (node, seq) (§5 Relay). */
function counterOf(msg: MessageOf<RelayKind>): number | undefined {
  if (msg.type === 'masternode') return msg.ann.time;
  if (msg.type === 'heartbeat') return msg.hb.seq;
  return undefined;
}

function exceptSender(from: string | undefined): { except?: string } {
  return from === undefined ? {} : { except: from };
}
