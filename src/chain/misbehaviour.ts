// Misbehaviour scores and IP bans (PROTOCOL.md §5 Misbehaviour).
//
// Each offence adds to the offending IP's score; at BAN_THRESHOLD the IP is
// banned (default 24 h) and its score forgotten. Scores do not decay: an
// honest peer commits no offences at all, so there is nothing to forgive,
// and the score map is bounded (least recently scored evicted) so a flood of
// addresses costs memory only up to that bound.
//
// Bans are written to DATA/bans.json each time the set changes (atomically:
// temp file, fsync, rename) and read back at start, so restarting a node
// does not hand an attacker a clean slate. A damaged file is logged and
// ignored: losing bans is better than a node that will not start.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { normaliseIp } from '../net/ip';
import { writeFileAtomic } from '../base/atomic-file';

/** Points per offence (§5): a protocol error, an invalid signed object. Going over a rate limit is no offence: the peer is only slowed. */
export const SCORE = { protocol: 20, invalidObject: 50 } as const;
export type OffenceKind = keyof typeof SCORE;
export const BAN_THRESHOLD = 100;
export const DEFAULT_BAN_MS = 24 * 60 * 60 * 1000;
/** IPs with a running score. Each entry is ~100 bytes; past this the least recently scored is forgotten. */
export const DEFAULT_MAX_SCORED = 10_000;
/** Bans held at once. When full the oldest ban is lifted early, rather than growing without limit under a botnet. */
export const DEFAULT_MAX_BANNED = 10_000;
export const BANS_FILE = 'bans.json';
/** Characters of the caller's offence detail kept in a ban reason, so one huge message cannot bloat bans.json. */
const MAX_DETAIL_CHARS = 200;

export interface BanListOptions {
  banMs?: number;
  maxScored?: number;
  maxBanned?: number;
}

export interface Ban {
  until: number;
  reason: string;
}

interface Score {
  score: number;
  counts: Partial<Record<OffenceKind, number>>;
}

export class BanList {
  /** Map order is recency order: an IP is moved to the end each time it is scored, so the first key is evicted. */
  private readonly scores = new Map<string, Score>();
  /** Map order is insertion order, i.e. roughly expiry order since every ban lasts banMs. */
  private readonly bans = new Map<string, Ban>();
  private readonly banMs: number;
  private readonly maxScored: number;
  private readonly maxBanned: number;
  private readonly file: string | undefined;

  constructor(
    dataDir: string | undefined,
    opts: BanListOptions = {},
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.banMs = positive('banMs', opts.banMs ?? DEFAULT_BAN_MS);
    this.maxScored = positive('maxScored', opts.maxScored ?? DEFAULT_MAX_SCORED);
    this.maxBanned = positive('maxBanned', opts.maxBanned ?? DEFAULT_MAX_BANNED);
    this.file = dataDir === undefined ? undefined : path.join(dataDir, BANS_FILE);
  }

  /** IPs currently holding a score (bounded by maxScored). */
  get scoredCount(): number {
    return this.scores.size;
  }

  /** The running misbehaviour score of `ip` (0 when it has none): shown per peer by `timenode status`. */
  scoreOf(ip: string): number {
    return this.scores.get(canonical(ip))?.score ?? 0;
  }

  /** Reads bans.json, dropping expired bans. A missing file is a fresh node; a damaged one is logged and ignored. */
  load(now: number): void {
    if (!this.file) return;
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log(`bans: cannot read ${this.file}, starting with no bans: ${errorText(err)}`);
      return;
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      this.log(`bans: ignoring ${this.file}, it is not valid JSON (${errorText(err)}); starting with no bans — it will be rewritten at the next ban`);
      return;
    }
    if (!Array.isArray(doc)) {
      this.log(`bans: ignoring ${this.file}, expected a JSON array of {ip, until, reason}; starting with no bans`);
      return;
    }
    let skipped = 0;
    let expired = 0;
    for (const entry of doc as unknown[]) {
      const ban = parseEntry(entry);
      if (!ban) skipped++;
      else if (ban.until <= now) expired++;
      else this.setBan(ban.ip, { until: ban.until, reason: ban.reason });
    }
    if (skipped > 0) this.log(`bans: skipped ${skipped} unreadable entries in ${this.file}`);
    if (expired > 0) this.log(`bans: dropped ${expired} expired bans from ${this.file}`);
  }

  /**
   * Scores one offence by `ip`. `banned` is true only for the offence that
   * crosses the threshold: the caller then closes the IP's connections with
   * `reject` `banned`. An IP already banned is not scored again (its
   * connections are already being closed). `detail` (what the peer did) goes
   * into the ban reason shown to operators.
   */
  offence(ip: string, kind: OffenceKind, now: number, detail?: string): { score: number; banned: boolean } {
    const key = canonical(ip);
    if (this.isBanned(key, now)) return { score: 0, banned: false };
    const entry = this.scores.get(key) ?? { score: 0, counts: {} };
    this.scores.delete(key);
    entry.score += SCORE[kind];
    entry.counts[kind] = (entry.counts[kind] ?? 0) + 1;
    if (entry.score < BAN_THRESHOLD) {
      if (this.scores.size >= this.maxScored) this.evictFirst(this.scores);
      this.scores.set(key, entry);
      return { score: entry.score, banned: false };
    }
    const counts = (Object.keys(entry.counts) as OffenceKind[]).map((k) => `${k}×${entry.counts[k]}`).join(', ');
    const last = detail === undefined ? kind : `${kind}: ${detail.slice(0, MAX_DETAIL_CHARS)}`;
    const ban = { until: now + this.banMs, reason: `misbehaviour score ${entry.score} ≥ ${BAN_THRESHOLD} (${counts}); last ${last}` };
    this.setBan(key, ban);
    this.log(`bans: banned ${key} until ${new Date(ban.until).toISOString()}: ${ban.reason}`);
    this.save(now);
    return { score: entry.score, banned: true };
  }

  /** The ban on `ip` if one is in force at `now`; an expired ban is forgotten on the way. */
  isBanned(ip: string, now: number): Ban | undefined {
    const key = canonical(ip);
    const ban = this.bans.get(key);
    if (!ban) return undefined;
    if (ban.until > now) return ban;
    this.bans.delete(key);
    return undefined;
  }

  /** Lifts a ban (operator command) and forgets the score; true if there was one. Persisted so it survives a restart. */
  unban(ip: string, now: number = Date.now()): boolean {
    const key = canonical(ip);
    this.scores.delete(key);
    if (!this.bans.delete(key)) return false;
    this.log(`bans: unbanned ${key}`);
    this.save(now);
    return true;
  }

  /** Bans in force at `now`, soonest to expire first. */
  banned(now: number): { ip: string; until: number; reason: string }[] {
    return this.live(now).sort((a, b) => a.until - b.until);
  }

  private live(now: number): { ip: string; until: number; reason: string }[] {
    const out: { ip: string; until: number; reason: string }[] = [];
    for (const [ip, ban] of this.bans) if (ban.until > now) out.push({ ip, until: ban.until, reason: ban.reason });
    return out;
  }

  private setBan(key: string, ban: Ban): void {
    this.scores.delete(key);
    this.bans.delete(key);
    if (this.bans.size >= this.maxBanned) this.evictFirst(this.bans);
    this.bans.set(key, ban);
  }

  private evictFirst(map: Map<string, unknown>): void {
    const first = map.keys().next();
    if (!first.done) map.delete(first.value);
  }

  /** Writes the live bans; a failure is logged, never thrown: the ban still holds in memory. */
  private save(now: number): void {
    if (!this.file) return;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      writeFileAtomic(this.file, `${JSON.stringify(this.live(now), null, 1)}\n`, 0o644);
    } catch (err) {
      this.log(`bans: could not save ${this.file}; bans hold until restart only: ${errorText(err)}`);
    }
  }
}

/**
 * One spelling per address, so "::ffff:1.2.3.4" cannot dodge a ban on
 * "1.2.3.4". Text that is not an IP is kept as given: it can still be scored
 * and banned, it just matches only itself.
 */
function canonical(ip: string): string {
  try {
    return normaliseIp(ip);
  } catch {
    return ip;
  }
}

function parseEntry(entry: unknown): { ip: string; until: number; reason: string } | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const e = entry as Record<string, unknown>;
  if (typeof e.ip !== 'string' || typeof e.until !== 'number' || !Number.isFinite(e.until)) return undefined;
  return { ip: canonical(e.ip), until: e.until, reason: typeof e.reason === 'string' ? e.reason : 'loaded from bans.json' };
}

function positive(name: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`BanList ${name} must be a positive number, got ${value}`);
  return value;
}



function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
