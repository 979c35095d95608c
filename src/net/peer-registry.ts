// The single map from a peer's IP to its established connection, and the
// only way the rest of the node sends anything. Keyed by normalised IP alone:
// the old node keyed by IP:port here and by IP there, and lost peers between.
import { writeMessage } from '../wire/fast-paths';
import type { Message, MessageType } from '../wire/messages';
import type { PeerConnection } from './peer-connection';

export class PeerRegistry {
  private readonly peers = new Map<string, PeerConnection>();

  get size(): number {
    return this.peers.size;
  }

  get(ip: string): PeerConnection | undefined {
    return this.peers.get(ip);
  }

  all(): PeerConnection[] {
    return [...this.peers.values()];
  }

  /** Makes `peer` the connection for its IP. The ConnectionManager has already applied the duplicate rule. */
  register(peer: PeerConnection): void {
    this.peers.set(peer.key, peer);
  }

  /** Forgets `peer`, but never a newer connection that replaced it. */
  unregister(peer: PeerConnection): void {
    if (this.peers.get(peer.key) === peer) this.peers.delete(peer.key);
  }

  send(ip: string, msg: Message): boolean {
    const peer = this.peers.get(ip);
    return peer ? peer.send(msg) : false;
  }

  /** Sends to every established peer but `except`; encodes once. Returns how many got it queued. */
  broadcast(msg: Message, options: { except?: string } = {}): number {
    if (this.peers.size === 0) return 0;
    return this.broadcastEncoded(msg.type, writeMessage(msg), options);
  }

  /** As broadcast, for a payload already encoded. */
  broadcastEncoded(type: MessageType, payload: Buffer, options: { except?: string } = {}): number {
    let sent = 0;
    for (const [ip, peer] of this.peers) {
      if (ip === options.except) continue;
      if (peer.sendEncoded(type, payload)) sent++;
    }
    return sent;
  }
}
