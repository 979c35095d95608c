// Addresses this node may dial, learned from `peers` answers, `ann`s and the
// hellos of established peers. Bounded (oldest `seen` evicted first) and
// persisted, so a restarted node finds its network without a seed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../base/atomic-file';
import type { Logger } from '../base/log';
import { compareIps, normaliseIp } from './ip';

export interface AddressEntry {
  ip: string;
  port: number;
  /** Last time (ms) the address was known good. */
  seen: number;
}

export const ADDRESS_FILE = 'peers.json';

export class AddressBook {
  private readonly entries = new Map<string, AddressEntry>();
  private dirty = false;

  constructor(
    private readonly maxEntries: number,
    private readonly dataDir: string | undefined,
    private readonly log: Logger,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(ip: string): AddressEntry | undefined {
    return this.entries.get(ip);
  }

  /** Adds or refreshes an address; returns true when it was not known before. */
  add(ip: string, port: number, seen: number): boolean {
    if (port <= 0 || port > 65535) return false;
    let key: string;
    try {
      key = normaliseIp(ip);
    } catch {
      return false;
    }
    const known = this.entries.get(key);
    if (known) {
      if (seen > known.seen || known.port !== port) {
        known.seen = Math.max(seen, known.seen);
        known.port = port;
        this.dirty = true;
      }
      return false;
    }
    if (this.entries.size >= this.maxEntries) this.evictOldest();
    this.entries.set(key, { ip: key, port, seen });
    this.dirty = true;
    return true;
  }

  /** Most recently seen first, at most `limit`. */
  best(limit: number, except?: (ip: string) => boolean): AddressEntry[] {
    return [...this.entries.values()]
      .filter((e) => !except?.(e.ip))
      .sort((a, b) => b.seen - a.seen || compareIps(a.ip, b.ip))
      .slice(0, limit);
  }

  load(): void {
    if (!this.dataDir) return;
    let text: string;
    try {
      text = readFileSync(join(this.dataDir, ADDRESS_FILE), 'utf8');
    } catch {
      return;
    }
    try {
      const list = JSON.parse(text) as unknown;
      if (!Array.isArray(list)) throw new Error('not a list');
      for (const e of list as Partial<AddressEntry>[]) {
        if (typeof e.ip === 'string' && typeof e.port === 'number' && typeof e.seen === 'number') this.add(e.ip, e.port, e.seen);
      }
      this.dirty = false;
    } catch (err) {
      // A damaged address book costs only rediscovery; never refuse to start for it.
      this.log.warn(`ignoring unreadable ${ADDRESS_FILE}: ${(err as Error).message}`);
    }
  }

  /** Writes the book if it changed, atomically. */
  save(): void {
    if (!this.dataDir || !this.dirty) return;
    const path = join(this.dataDir, ADDRESS_FILE);
    try {
      writeFileAtomic(path, JSON.stringify(this.best(this.maxEntries)), 0o644);
      this.dirty = false;
    } catch (err) {
      this.log.warn(`could not save ${path}: ${(err as Error).message}`);
    }
  }

  private evictOldest(): void {
    let oldest: AddressEntry | undefined;
    for (const e of this.entries.values()) if (!oldest || e.seen < oldest.seen) oldest = e;
    if (oldest) this.entries.delete(oldest.ip);
  }
}
