// The block rules of PROTOCOL.md §5, as pure functions of the block, its
// parent, the genesis and the local clock. Nothing here touches the store or
// the network, so the same code judges a relayed block, a synced one, and
// the slot this node may produce in.
//
// For block h with parent p and r = max(0, floor((block.time − p.time) /
// interval) − 1), the block is valid when
//   height = p.height + 1, prev = hash(p), block.time ≥ p.time + interval,
//   block.time ≤ now + interval, producer = S[(h + r) mod n], sig holds.
// So producer turn r = k is the time window
//   [p.time + (k+1)·interval, p.time + (k+2)·interval)
// except r = 0, which (because of the max) would also cover everything
// before p.time + interval — but the time-early rule cuts that off, so in
// practice every window is one interval long and the first opens one
// interval after the parent.
import { verify } from '../crypto';
import { producerFor, skipCount, type Genesis } from './genesis';
import { LayoutError, blockHash } from './layouts';
import type { Block } from './types';

/** Key and hash prefix length in reasons: enough to tell keys apart in a log line, short enough to read. */
const SHORT_HEX = 8;

export type BlockRule = 'height' | 'prev' | 'time-early' | 'time-future' | 'producer' | 'signature';

export type BlockVerdict =
  | { ok: true; hash: Buffer }
  | { ok: false; rule: BlockRule; reason: string };

/** What the rules need of the parent: block 0 is `{ height: 0, hash: genesis.hash, time: genesis.time }`. */
export interface ParentRef {
  height: number;
  hash: Buffer;
  time: number;
}

/** The implied block 0 of a network, as a parent for block 1. */
export function genesisParent(genesis: Pick<Genesis, 'hash' | 'time'>): ParentRef {
  return { height: 0, hash: genesis.hash, time: genesis.time };
}

/**
 * Judges `block` as the child of `parent` at local time `now`. Rules are
 * checked in the order of §5 and the first broken one is reported, with the
 * expected and actual values, so that a log line alone says what went wrong.
 * The signature is checked last because it is the only costly check.
 */
export function validateBlock(block: Block, parent: ParentRef, genesis: Genesis, now: number): BlockVerdict {
  const interval = genesis.interval;
  const expectedHeight = parent.height + 1;
  if (block.height !== expectedHeight) {
    return fail('height', `height ${block.height} does not follow the parent at height ${parent.height}: expected ${expectedHeight}`);
  }

  if (!Buffer.isBuffer(block.prev) || !block.prev.equals(parent.hash)) {
    return fail(
      'prev',
      `prev ${shortBuf(block.prev)} at height ${block.height} is not the hash of the parent at height ${parent.height} (${short(parent.hash)})`,
    );
  }

  // Comparisons are phrased "accept if" so that a NaN time fails them instead of slipping through.
  const earliest = parent.time + interval;
  if (!(block.time >= earliest)) {
    return fail(
      'time-early',
      `time ${block.time} at height ${block.height} is ${earliest - block.time} ms too early: ` +
        `a block may come no sooner than parent time ${parent.time} + interval ${interval} = ${earliest}`,
    );
  }
  const latest = now + interval;
  if (!(block.time <= latest)) {
    return fail(
      'time-future',
      `time ${block.time} at height ${block.height} is ${block.time - now} ms ahead of our clock (${now}); ` +
        `at most one interval (${interval} ms) is allowed — check the producer's clock and ours`,
    );
  }

  const r = skipCount(parent.time, block.time, interval);
  const expected = producerFor(genesis, block.height, r);
  if (!Buffer.isBuffer(block.producer) || !block.producer.equals(expected)) {
    const member = Buffer.isBuffer(block.producer) && genesis.schedule.some((k) => k.equals(block.producer));
    return fail(
      'producer',
      `producer ${shortBuf(block.producer)} is not scheduled${member ? '' : ' (not a masternode at all)'}: ` +
        `slot r=${r} at height ${block.height} belongs to ${short(expected)}`,
    );
  }

  // The hash is computed once here and the signature verified over it, rather than
  // through verifyBlockSig (which would hash up to 10,000 txids a second time for the verdict).
  let hash: Buffer;
  try {
    hash = blockHash(block);
  } catch (err) {
    if (err instanceof LayoutError) return fail('signature', `block at height ${block.height} has no defined hash, so no signature can hold: ${err.message}`);
    throw err;
  }
  if (!verify(block.producer, hash, block.sig)) {
    return fail('signature', `signature of block ${short(hash)} at height ${block.height} does not verify under producer ${short(block.producer)}`);
  }
  return { ok: true, hash };
}

/**
 * The earliest time t ≥ now (and ≥ parent.time + interval) at which `me` is
 * the scheduled producer of block parent.height + 1, with its skip count r;
 * undefined when `me` is not in M. If `now` already falls in one of my
 * windows, t = now: producing immediately gives peers the most slack before
 * the next producer's window opens.
 */
export function nextSlotFor(
  me: Buffer,
  parent: { height: number; time: number },
  genesis: Genesis,
  now: number,
): { time: number; r: number } | undefined {
  const n = genesis.schedule.length;
  const mine = genesis.schedule.findIndex((k) => k.equals(me));
  if (mine < 0) return undefined;
  const interval = genesis.interval;
  const height = parent.height + 1;
  const start = Math.max(now, parent.time + interval);
  const r0 = skipCount(parent.time, start, interval);
  // Turns to wait from r0 until S[(height + r) mod n] is me; 0 means the window `start` is in is mine.
  const wait = mod(mine - mod(height + r0, n), n);
  if (wait === 0) return { time: start, r: r0 };
  const r = r0 + wait;
  return { time: parent.time + (r + 1) * interval, r };
}

/**
 * Two blocks at one height by the same producer with different hashes:
 * equivocation evidence (§5 Fork choice). The caller logs both hashes; the
 * fork choice rule, not this, decides which one the node keeps.
 */
export function equivocation(a: Block, b: Block): boolean {
  return a.height === b.height && a.producer.equals(b.producer) && !blockHash(a).equals(blockHash(b));
}

function fail(rule: BlockRule, reason: string): BlockVerdict {
  return { ok: false, rule, reason };
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

function short(b: Buffer): string {
  return `${b.toString('hex', 0, SHORT_HEX / 2)}…`;
}

/** As short(), for a field that may not even be a Buffer in a malformed block. */
function shortBuf(b: unknown): string {
  return Buffer.isBuffer(b) ? short(b) : String(b);
}
