// The node's memory as one fixed budget (--max-memory), split across every
// structure that grows with peers or traffic. Each bound in the node derives
// from here, so raising or lowering one number resizes all of them together.

/** Sized for a 512 MB board: the budget plus the Node runtime's own ~50 MB leaves the OS most of the RAM. */
export const DEFAULT_MAX_MEMORY_MB = 96;
export const MIN_MAX_MEMORY_MB = 16;

/**
 * Bytes one entry costs (V8 heap plus the Buffer memory it pins), measured by
 * test/slow/fixtures/cost-probe.ts and checked by test/memory/bounds.test.ts,
 * with a margin: a seen-cache id is a 33-character latin1 string in a Set
 * (measured 89; as `t:<hex>` behind a tag it was 196); a pooled 1-in/1-out
 * tx decoded from the wire, with its lock entry (2100 native crypto, 2190
 * JS); an address entry (145 IPv4, 168 IPv6).
 * poolHeapPerCountedByte: what a pooled tx costs per byte the pool counts
 * against maxBytes (txBytes): 11.9 for 1 input, 10.0 for 8, 7.5 for 64.
 */
export const COST = {
  seenEntry: 120,
  poolTx: 2700,
  address: 250,
  poolHeapPerCountedByte: 14,
  /** Finality memory (test/memory/bounds.test.ts measured 1440 per finalized tx, 397 per extra spent outpoint; 702 and 77 since its keys are latin1). */
  finalizedTx: 1600,
  spentOutpoint: 450,
  pendingVote: 400,
  ownVote: 200,
  /**
   * One verify worker thread's RSS (its V8 isolate, heap and backend):
   * 7.4–9.8 MB idle, +13–15 MB peak under a relay flood. Booked at 14 MB,
   * the hostile all-at-once load at --max-memory 64 with one worker peaked
   * 2.5 MB over the budget, so 18 MB is booked (README).
   */
  verifyWorker: 18 * 1024 * 1024,
} as const;

/** Verify workers may take at most this fraction of the budget; the rest is split by SHARES. */
export const MAX_VERIFY_WORKER_FRACTION = 0.5;
/** The fraction the automatic thread count stays within, leaving the shares most of a small budget. */
const AUTO_VERIFY_WORKER_FRACTION = 0.25;

/**
 * `start`'s --verify-threads default: one worker per core beyond the main
 * thread's, as many as fit in a quarter of the budget; none on a one-core
 * board, where a worker could only take turns with the main thread. On this
 * project's 2-core machine one worker takes a warm relay from 15.5k to
 * 19.9k tx/s (README, "Verification on every core").
 */
export function verifyThreadsFor(cores: number, maxMemoryMb: number): number {
  if (cores <= 1) return 0;
  const fit = Math.floor((maxMemoryMb * 1024 * 1024 * AUTO_VERIFY_WORKER_FRACTION) / COST.verifyWorker);
  return Math.max(0, Math.min(cores - 1, fit));
}

/** Shares of the budget, in percent; what is left is headroom for handler garbage. */
export const SHARES = {
  sendQueues: 30,
  inboundFrames: 20,
  txPool: 15,
  /** Half of what the same ~27 000 ids took as hex keys (seen-cache.ts, relayId). */
  seenCache: 4,
  syncAnswers: 5,
  addresses: 1,
  /** What the pool remembers after finality: final txids, spent outpoints (the double-spend guard), votes. */
  finality: 10,
} as const;

export interface BudgetSplit {
  totalBytes: number;
  verifyThreads: number;
  /** What the verify workers' RSS takes off the top, before the shares. */
  verifyWorkerBytes: number;
  sendQueueBytesPerPeer: number;
  inboundBufferBytes: number;
  txPoolBytes: number;
  txPoolTxs: number;
  seenEntries: number;
  blocksAnswerBytes: number;
  addresses: number;
  finalizedRemembered: number;
  spentRemembered: number;
  pendingVotes: number;
  ownVotesRemembered: number;
}

export function splitBudget(maxMemoryMb: number, maxPeers: number, verifyThreads = 0): BudgetSplit {
  if (!Number.isFinite(maxMemoryMb) || maxMemoryMb < MIN_MAX_MEMORY_MB) {
    throw new RangeError(`--max-memory must be at least ${MIN_MAX_MEMORY_MB} MB, got ${maxMemoryMb}`);
  }
  const total = Math.floor(maxMemoryMb * 1024 * 1024);
  const verifyWorkerBytes = verifyThreads * COST.verifyWorker;
  if (verifyWorkerBytes > total * MAX_VERIFY_WORKER_FRACTION) {
    const fit = Math.floor((total * MAX_VERIFY_WORKER_FRACTION) / COST.verifyWorker);
    throw new RangeError(
      `--verify-threads ${verifyThreads} would take ${verifyWorkerBytes / 1048576} MB (${COST.verifyWorker / 1048576} MB each), ` +
        `more than half of --max-memory ${maxMemoryMb} MB: use at most ${fit} threads or raise --max-memory`,
    );
  }
  // Each worker's RSS counts inside the budget: the shares divide what is left.
  const rest = total - verifyWorkerBytes;
  const share = (pct: number): number => Math.floor((rest * pct) / 100);
  const txPoolBytes = share(SHARES.txPool);
  return {
    totalBytes: total,
    verifyThreads,
    verifyWorkerBytes,
    sendQueueBytesPerPeer: Math.floor(share(SHARES.sendQueues) / maxPeers),
    inboundBufferBytes: share(SHARES.inboundFrames),
    // The pool counts a tx's field bytes (txBytes); a pooled tx takes up to COST.poolHeapPerCountedByte times that.
    txPoolBytes: Math.floor(txPoolBytes / COST.poolHeapPerCountedByte),
    txPoolTxs: Math.max(100, Math.floor(txPoolBytes / COST.poolTx)),
    seenEntries: Math.max(1000, Math.floor(share(SHARES.seenCache) / COST.seenEntry)),
    blocksAnswerBytes: Math.min(1024 * 1024, share(SHARES.syncAnswers)),
    addresses: Math.max(64, Math.floor(share(SHARES.addresses) / COST.address)),
    // Of the finality share: half to final txids (and our votes on them), a quarter each to spent outpoints and early votes.
    finalizedRemembered: Math.max(1000, Math.floor((share(SHARES.finality) * 0.4) / COST.finalizedTx)),
    ownVotesRemembered: Math.max(1000, Math.floor((share(SHARES.finality) * 0.1) / COST.ownVote)),
    spentRemembered: Math.max(1000, Math.floor((share(SHARES.finality) * 0.25) / COST.spentOutpoint)),
    pendingVotes: Math.max(1000, Math.floor((share(SHARES.finality) * 0.25) / COST.pendingVote)),
  };
}

export function describeSplit(s: BudgetSplit, maxPeers: number): string {
  const mb = (n: number): string => `${(n / 1048576).toFixed(1)} MB`;
  return [
    `memory budget ${mb(s.totalBytes)}:`,
    `send queues ${mb(s.sendQueueBytesPerPeer)} x ${maxPeers} peers,`,
    `inbound frames ${mb(s.inboundBufferBytes)},`,
    `tx pool ${s.txPoolTxs} txs / ${mb(s.txPoolBytes)} wire,`,
    `seen cache ${s.seenEntries} ids,`,
    `sync answers ${mb(s.blocksAnswerBytes)},`,
    `address book ${s.addresses},`,
    `finality memory ${s.finalizedRemembered} final txs / ${s.spentRemembered} spent outpoints / ${s.pendingVotes} early votes,`,
    `verify threads ${s.verifyThreads} x ${mb(COST.verifyWorker)}`,
  ].join(' ');
}
