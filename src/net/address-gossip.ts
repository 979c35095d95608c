// `get_peers` / `peers` (PROTOCOL.md §3): answers from the address book and
// the peers we are connected to, learns from answers, and hands what it
// learns to the ConnectionManager's dial policy.
import type { MessageOf } from '../wire/messages';
import { LIMITS } from '../wire/messages';
import { normaliseIp } from './ip';
import type { AddressBook } from './address-book';
import type { ConnectionManager } from './connection-manager';
import type { PeerConnection } from './peer-connection';
import type { PeerRegistry } from './peer-registry';
import { isSerialKey } from './serial-spec';

export class AddressGossip {
  constructor(
    private readonly book: AddressBook,
    private readonly registry: PeerRegistry,
    private readonly manager: ConnectionManager,
    private readonly now: () => number,
  ) {}

  peerEstablished(peer: PeerConnection): void {
    const port = peer.hello?.port ?? 0;
    // A serial peer has no address anyone could dial.
    if (port > 0 && !isSerialKey(peer.key)) this.book.add(peer.key, port, this.now());
    peer.send({ type: 'get_peers' });
  }

  /** Asks every established peer again; the node calls this on its gossip interval. */
  askAll(): void {
    this.registry.broadcast({ type: 'get_peers' });
  }

  onGetPeers(peer: PeerConnection): void {
    const now = this.now();
    const entries: { ip: string; port: number; seen: number }[] = [];
    const listed = new Set<string>([peer.key]);
    for (const other of this.registry.all()) {
      const port = other.hello?.port ?? 0;
      if (port > 0 && !listed.has(other.key) && !isSerialKey(other.key)) {
        entries.push({ ip: other.key, port, seen: now });
        listed.add(other.key);
      }
    }
    for (const e of this.book.best(LIMITS.peers, (ip) => listed.has(ip))) {
      if (entries.length >= LIMITS.peers) break;
      entries.push({ ip: e.ip, port: e.port, seen: e.seen });
    }
    peer.send({ type: 'peers', peers: entries.slice(0, LIMITS.peers) });
  }

  onPeers(peer: PeerConnection, msg: MessageOf<'peers'>): void {
    const now = this.now();
    for (const entry of msg.peers) {
      // The sender's own address arrives through its hello; skip it in any spelling.
      if (safeNormalise(entry.ip) === peer.key) continue;
      // A peer's claim of `seen` is capped at now: nobody can push an entry to the front of our book.
      if (entry.port === 0) continue;
      this.learn(entry.ip, entry.port, Math.min(entry.seen, now));
    }
  }

  /** Also used for addresses announced in `ann`. */
  learn(ip: string, port: number, seen: number): void {
    const key = safeNormalise(ip);
    if (key === undefined) return; // not an address: schemas bound the text, not its meaning
    this.book.add(key, port, seen);
    const entry = this.book.get(key);
    if (entry) this.manager.learned(entry.ip, entry.port);
  }
}

function safeNormalise(ip: string): string | undefined {
  try {
    return normaliseIp(ip);
  } catch {
    return undefined;
  }
}
