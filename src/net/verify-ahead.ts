// The message loop's verification pipeline, when signatures are verified on
// worker threads: one peer's decoded messages are taken in batches, the
// signature checks they imply are sent to the verify pool, and a batch's
// messages are handed back to the loop, in order, only once its verdicts are
// in. While one batch is handled the next ones are already being verified,
// so the workers are busy while the main thread runs the chain. The
// connection keeps the peer's socket paused while the pipeline is full or
// its head waits for verdicts: backpressure, never a drop. Messages are
// handled with their batch's verdicts installed (src/crypto/verdict-memo.ts),
// so the chain's own verify calls find them; the chain logic itself stays
// synchronous and unchanged.
import { withVerdicts, type SignedMessage } from '../crypto';
import { VerdictMemo } from '../crypto/verdict-memo';
import type { Message } from '../wire/messages';
import type { BatchVerifier } from './batch-verifier';

/** A decoded message, or the protocol fault its payload had (raised when its turn comes, as without the pool). */
export type Decoded = Message | { fault: unknown };

/** One payload from the backlog: what it decoded to ('skip': nothing to handle) and its size on the wire. */
export interface Taken {
  item: Decoded | 'skip';
  bytes: number;
}

/**
 * What a decoded message held ahead costs per byte of its payload (its
 * objects and the Buffers they keep): charged to the node's inbound budget
 * while it waits, so all peers' pipelines together stay inside the inbound
 * share of --max-memory.
 */
export const DECODED_BYTES_PER_WIRE_BYTE = 4;

/** The shared budget decoded-ahead messages are charged to (the node's InboundBudget). */
export interface AheadBudget {
  adjust(delta: number): boolean;
  readonly usedBytes: number;
  readonly limitBytes: number;
}

interface Batch {
  items: Decoded[];
  at: number;
  /** Charged to the budget until handled. */
  charge: number;
  checks: SignedMessage[];
  /** Undefined while the pool works on them. */
  verdicts: boolean[] | undefined;
}

export class VerifyAhead {
  private batches: Batch[] = [];
  /** Messages in `batches` not yet handled. */
  private pendingMessages = 0;
  private charged = 0;
  private readonly memo: VerdictMemo;
  /** The batch whose verdicts the memo holds. */
  private memoFor: Batch | undefined;
  private closed = false;

  constructor(
    private readonly verifier: BatchVerifier,
    /** Per batch: messages and checks; ahead: messages taken and not yet handled, over all batches. */
    private readonly limits: { messages: number; checks: number; ahead: number },
    private readonly budget: AheadBudget,
    /** Called when the batch at the head gets its verdicts: the loop can go on. */
    private readonly headReady: () => void,
  ) {
    this.memo = new VerdictMemo(limits.checks);
  }

  /** Messages taken and not yet handled. */
  get pending(): number {
    return this.pendingMessages;
  }

  /**
   * Room for another batch: within this peer's bound, and within the shared
   * budget for any batch beyond its first, so that peers flooding the node
   * can delay another peer's pipelining but never stop it reading (its ping
   * would wait behind their floods).
   */
  get wantsMore(): boolean {
    if (this.closed || this.pendingMessages >= this.limits.ahead) return false;
    return this.pendingMessages === 0 || this.budget.usedBytes <= this.budget.limitBytes;
  }

  /**
   * Takes one batch from `next` (undefined: nothing left) and starts
   * verifying it. Checks are listed only when `withChecks` (the peer is
   * established: before that every chain message is refused unverified). A
   * fault ends the batch.
   */
  take(next: () => Taken | undefined, withChecks: boolean): void {
    const items: Decoded[] = [];
    const checks: SignedMessage[] = [];
    // One check per signature in a batch: a copy (the same tx from a relay loop, a vote repeated) is
    // answered by the memo once; a different object under the same signature is verified inline.
    // Made at a batch's second check: most batches of a quiet link (pings, pongs) have none.
    let signatures: Set<string> | undefined;
    let bytes = 0;
    const room = Math.min(this.limits.messages, this.limits.ahead - this.pendingMessages);
    while (items.length < room && checks.length < this.limits.checks) {
      const taken = next();
      if (taken === undefined) break;
      const item = taken.item;
      if (item === 'skip') continue;
      items.push(item);
      bytes += taken.bytes;
      if ('fault' in item) break;
      if (!withChecks) continue;
      for (const check of this.verifier.checksOf(item)) {
        if (checks.length > 0) {
          signatures ??= new Set(checks.map((c) => signatureKey(c)));
          const key = signatureKey(check);
          if (signatures.has(key)) continue;
          signatures.add(key);
        }
        checks.push(check);
      }
    }
    if (items.length === 0) return;
    const charge = bytes * DECODED_BYTES_PER_WIRE_BYTE;
    const batch: Batch = { items, at: 0, charge, checks, verdicts: checks.length === 0 ? [] : undefined };
    this.batches.push(batch);
    this.pendingMessages += items.length;
    this.charged += charge;
    this.budget.adjust(charge);
    if (batch.verdicts !== undefined) return;
    const settle = (verdicts: boolean[]): void => {
      batch.verdicts = verdicts;
      if (!this.closed && this.batches[0] === batch) this.headReady();
    };
    // The pool never rejects; were it to, the chain verifies inline as it handles them.
    this.verifier.verify(checks).then(settle, () => settle([]));
  }

  /** The next message to handle; 'unverified' while the head batch waits for its verdicts; undefined when nothing is taken. */
  peek(): Decoded | 'unverified' | undefined {
    const batch = this.batches[0];
    if (batch === undefined) return undefined;
    if (batch.verdicts === undefined) return 'unverified';
    return batch.items[batch.at];
  }

  /** Handles the message peek() gave, with its batch's verdicts answering verify(). */
  handleNext(handle: (item: Decoded) => void): void {
    const batch = this.batches[0];
    if (batch === undefined || batch.verdicts === undefined) return;
    const item = batch.items[batch.at++]!;
    this.pendingMessages--;
    try {
      if (batch.checks.length === 0) {
        // Nothing was verified ahead (a ping, a pong, a request): nothing to install.
        handle(item);
        return;
      }
      if (this.memoFor !== batch) {
        this.memo.clear();
        this.memo.fill(batch.checks, batch.verdicts);
        this.memoFor = batch;
      }
      withVerdicts(this.memo, () => handle(item));
    } finally {
      if (batch.at >= batch.items.length && this.batches[0] === batch) this.retireHead();
    }
  }

  /** The head batch has its verdicts: the loop has work now. */
  get headVerified(): boolean {
    const head = this.batches[0];
    return head !== undefined && head.verdicts !== undefined;
  }

  /** The connection closed: whatever is pending is dropped with it, and late verdicts are ignored. */
  close(): void {
    this.closed = true;
    this.batches = [];
    this.pendingMessages = 0;
    this.memo.clear();
    this.memoFor = undefined;
    this.budget.adjust(-this.charged);
    this.charged = 0;
  }

  private retireHead(): void {
    const batch = this.batches.shift()!;
    this.charged -= batch.charge;
    this.budget.adjust(-batch.charge);
    if (this.memoFor !== batch) return;
    this.memo.clear();
    this.memoFor = undefined;
  }
}

function signatureKey(check: SignedMessage): string {
  const s = check.signature;
  return Buffer.from(s.buffer, s.byteOffset, s.byteLength).toString('latin1');
}
