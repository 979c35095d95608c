// IPs that failed the network/genesis check (PROTOCOL.md §2: not redialed
// for an hour). Any peer can make us add its IP, so the list is bounded:
// expired entries go first, then the one that expires soonest.

export const DEFAULT_MAX_BLOCKED = 1024;

export class RedialBlocklist {
  private readonly until = new Map<string, number>();

  constructor(private readonly maxEntries = DEFAULT_MAX_BLOCKED) {}

  get size(): number {
    return this.until.size;
  }

  block(ip: string, until: number, now: number): void {
    this.until.delete(ip);
    if (this.until.size >= this.maxEntries) this.prune(now);
    this.until.set(ip, until);
  }

  /** The time until which `ip` is not redialed, or undefined when it may be dialed. */
  blockedUntil(ip: string, now: number): number | undefined {
    const until = this.until.get(ip);
    if (until === undefined) return undefined;
    if (until > now) return until;
    this.until.delete(ip);
    return undefined;
  }

  private prune(now: number): void {
    for (const [ip, until] of this.until) if (until <= now) this.until.delete(ip);
    if (this.until.size < this.maxEntries) return;
    let soonest: [string, number] | undefined;
    for (const entry of this.until) if (!soonest || entry[1] < soonest[1]) soonest = entry;
    if (soonest) this.until.delete(soonest[0]);
  }
}
