// The masternode set M of the genesis file and what the network last said
// about each member (PROTOCOL.md §5 Masternodes): its latest `ann` (where to
// reach it) and latest `hb` (that it is alive, and its height).
//
// State exists only for members, so memory is bounded by |M| whatever peers
// send. The verdict tells the caller what to do with the object:
//   new     → valid and newer than anything seen for that key: relay it;
//   old     → not newer than the last one seen: drop it quietly (a relay
//             duplicate is normal gossip, not misbehaviour);
//   invalid → key outside M, bad signature or dated too far ahead: never
//             relayed, and the sender is scored (misbehaviour.ts).
import type { Genesis } from './genesis';
import { verifyAnn, verifyHb } from './signing';
import type { Ann, Hb } from './types';

/**
 * How far ahead of our clock an ann/hb may be dated; at least one interval
 * (the block rule's tolerance), and never below this so that a board whose
 * clock drifts a few seconds is not scored for every heartbeat on a network
 * with a short interval. The rule exists because an accepted far-future ann
 * would make every later, honest ann from that key look "old".
 */
export const MAX_FUTURE_MS = 30_000;
/** A masternode is shown active while its last hb arrived under this many intervals ago (§5). */
export const ACTIVE_INTERVALS = 3;
/** Key prefix length shown in reasons; enough to tell members apart in a log line. */
const SHORT_KEY_HEX = 8;

export type AnnVerdict = { kind: 'new' } | { kind: 'old' } | { kind: 'invalid'; reason: string };
export type HbVerdict = AnnVerdict;

export interface MasternodeInfo {
  key: string;
  active: boolean;
  lastHbSeq?: number;
  /** Local time (ms) the last hb was accepted; our clock, not the sender's. */
  lastHbAt?: number;
  ip?: string;
  port?: number;
  height?: number;
}

interface Member {
  ann?: { time: number; ip: string; port: number };
  hb?: { seq: number; time: number; height: number; receivedAt: number };
}

export class MasternodeRegistry {
  /** Keyed by hex public key; filled for every member up front and never grown. */
  private readonly members = new Map<string, Member>();
  private readonly interval: number;
  private readonly maxFutureMs: number;

  constructor(private readonly genesis: Genesis) {
    this.interval = genesis.interval;
    this.maxFutureMs = Math.max(genesis.interval, MAX_FUTURE_MS);
    for (const key of genesis.masternodes) this.members.set(key.toString('hex'), {});
  }

  /** Number of keys with state: always |M|, whatever was offered. */
  get size(): number {
    return this.members.size;
  }

  isMember(key: Buffer): boolean {
    return this.members.has(key.toString('hex'));
  }

  acceptAnn(ann: Ann, now: number): AnnVerdict {
    const hex = ann.node.toString('hex');
    const member = this.members.get(hex);
    if (!member) return invalid(`ann from ${short(hex)}, which is not a masternode of network "${this.genesis.network}"`);
    const future = this.futureProblem('ann', hex, ann.time, now);
    if (future) return invalid(future);
    // Checked before the signature: duplicates are the bulk of gossip and need no Ed25519 verify to be dropped.
    if (member.ann && ann.time <= member.ann.time) return { kind: 'old' };
    if (!verifyAnn(ann)) return invalid(`ann from ${short(hex)} (time ${ann.time}) has a signature that does not verify`);
    member.ann = { time: ann.time, ip: ann.ip, port: ann.port };
    return { kind: 'new' };
  }

  acceptHb(hb: Hb, now: number): HbVerdict {
    const hex = hb.node.toString('hex');
    const member = this.members.get(hex);
    if (!member) return invalid(`hb from ${short(hex)}, which is not a masternode of network "${this.genesis.network}"`);
    const future = this.futureProblem('hb', hex, hb.time, now);
    if (future) return invalid(future);
    if (member.hb && hb.seq <= member.hb.seq) return { kind: 'old' };
    if (!verifyHb(hb)) return invalid(`hb from ${short(hex)} (seq ${hb.seq}) has a signature that does not verify`);
    member.hb = { seq: hb.seq, time: hb.time, height: hb.height, receivedAt: now };
    return { kind: 'new' };
  }

  /** Members whose last hb was accepted under ACTIVE_INTERVALS intervals before `now`, in schedule order. */
  active(now: number): Buffer[] {
    return this.genesis.schedule.filter((key) => this.isActive(this.members.get(key.toString('hex')), now));
  }

  /** Every member in genesis-file order, for operators (the `masternodes` command, status pages). */
  list(now: number): MasternodeInfo[] {
    return this.genesis.masternodes.map((keyBuf) => {
      const key = keyBuf.toString('hex');
      const member = this.members.get(key);
      const info: MasternodeInfo = { key, active: this.isActive(member, now) };
      if (member?.hb) {
        info.lastHbSeq = member.hb.seq;
        info.lastHbAt = member.hb.receivedAt;
        info.height = member.hb.height;
      }
      if (member?.ann) {
        info.ip = member.ann.ip;
        info.port = member.ann.port;
      }
      return info;
    });
  }

  private isActive(member: Member | undefined, now: number): boolean {
    return member?.hb !== undefined && now - member.hb.receivedAt < ACTIVE_INTERVALS * this.interval;
  }

  private futureProblem(what: 'ann' | 'hb', hex: string, time: number, now: number): string | undefined {
    // Phrased as "accept if within" so that a NaN time fails the test and is refused too.
    if (time <= now + this.maxFutureMs) return undefined;
    return (
      `${what} from ${short(hex)} is dated ${time}, ${time - now} ms ahead of our clock (${now}); ` +
      `at most ${this.maxFutureMs} ms is allowed — check the clocks of both nodes`
    );
  }
}

function invalid(reason: string): { kind: 'invalid'; reason: string } {
  return { kind: 'invalid', reason };
}

function short(hex: string): string {
  return `${hex.slice(0, SHORT_KEY_HEX)}…`;
}
