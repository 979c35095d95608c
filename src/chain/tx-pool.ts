// The transaction pool of PROTOCOL.md §5 "Votes and finality": the txs this
// node has seen, the outpoints they lock, the votes counted toward each, and
// the step to finality (what is remembered after it: finality-memory.ts;
// votes that overtook their tx: early-votes.ts; a tx's own sanity:
// tx-sanity.ts; the bounds: tx-pool-limits.ts). Pure state: no sockets and
// no timers. The caller passes the time in, so every rule can be tested
// without a network or a clock.
//
// Any peer can send any number of valid txs, votes and proofs, so every map
// here is bounded and forgets its oldest entry first. What forgetting costs
// is written beside each bound in `TxPoolLimits`.
//
// Keys are strings (Buffers compare by identity in a Map, strings by value):
// a txid as its 32 bytes in latin1 (txKey), an outpoint as that and its index
// (outpointKey). Messages show them in hex.
//
// A pooled tx is kept as its `tx` payload (what is relayed and offered), not
// as the decoded object graph: one buffer instead of a dozen objects and five
// Buffer views that lived until the tx was final or evicted, the bulk of
// what the garbage collector copied and marked under a relay flood. It is
// decoded again where its inputs are needed (finality, a conflicting proof).
import { HASH_BYTES, type KeyPair } from '../crypto';
import { readTx } from '../wire/tx-codec';
import { EarlyVotes, VoteSet } from './early-votes';
import { FinalityMemory } from './finality-memory';
import { ownTxPayload, ownVote } from './own-copy';
import { OldestFirst } from './forget-oldest';
import { quorumFor } from './genesis';
import { LayoutError, txId } from './layouts';
import { signVote, verifyTx, verifyVote } from './signing';
import { DEFAULT_TX_POOL_LIMITS, TxPoolLimits, validateLimits } from './tx-pool-limits';
import { keyHex, txKey } from './id-keys';
import { hex, outpointKey, outpointText, txBytes, txProblem } from './tx-sanity';
import type { Tx, TxInput, Vote } from './types';

export { DEFAULT_TX_POOL_LIMITS, validateLimits } from './tx-pool-limits';
export type { TxPoolLimits } from './tx-pool-limits';
export { MAX_TX_BYTES, MAX_TX_INPUTS, MAX_TX_OUTPUTS, txBytes } from './tx-sanity';

export type TxVerdict =
  /**
   * `conflict`: an input was already locked by another tx, so this one locked
   * nothing. `evicted`: how many older txs were dropped to make room for it (their locks released).
   * `payload`: the tx message as the pool keeps it, to relay as it is.
   */
  | { kind: 'accepted'; txid: Buffer; conflict: boolean; evicted: number; payload: Buffer }
  /** Already in the pool or finalized: not relayed again. */
  | { kind: 'known'; txid: Buffer }
  /**
   * Spends an input a final tx spent: refused and not relayed, but no
   * offence. An honest peer relays it when it reached the peer before the
   * other tx's proof did (two spends of one input sent to two nodes at once).
   */
  | { kind: 'spent'; txid: Buffer; reason: string }
  | { kind: 'invalid'; reason: string };

export type VoteVerdict =
  /**
   * `finalizedNow`: the accept votes that reached quorum, exactly when quorum
   * is first reached (the proof to send as `finalized`); the tx is then final
   * here and `spent` lists its inputs (empty when the tx itself is unknown).
   */
  | { kind: 'counted'; finalizedNow: Vote[] | undefined; spent?: TxInput[] }
  | { kind: 'known' }
  | { kind: 'invalid'; reason: string };

export type FinalizedVerdict =
  /** The first valid proof for this txid; `spent` is empty when the tx itself is unknown here. */
  | { kind: 'accepted'; spent: TxInput[] }
  | { kind: 'known' }
  | { kind: 'invalid'; reason: string };

export interface TxPoolStats {
  txs: number;
  bytes: number;
  locked: number;
  /** Finalized txids remembered now. */
  finalized: number;
  /** Txs finalized since start, forgotten ones included. */
  finalizedTotal: number;
  /** Votes held, for pooled and for unknown txs. */
  votes: number;
  /** Of `votes`, those waiting for their tx. */
  pendingVotes: number;
  spent: number;
  unclaimed: number;
}

interface PoolEntry {
  /** The `tx` message payload (tx-codec.ts layout); the txid is the entry's key. */
  readonly payload: Buffer;
  readonly bytes: number;
  readonly arrived: number;
  readonly conflict: boolean;
  /** Outpoint keys this tx holds the lock of: all its inputs, or none if it arrived as a conflict. */
  readonly locked: string[];
  /** Made at its first vote: most pooled txs on a relay never get one here, and an empty Map per tx was a fifth of a pooled tx's cost. */
  votes: VoteSet | undefined;
}

export class TxPool {
  /** Accept votes from distinct members of M that make a tx final. */
  readonly quorum: number;
  private readonly limits: TxPoolLimits;
  private readonly members: Set<string>;

  /** Unfinalized txs by txKey, oldest first. A tx leaves on finality or eviction. */
  private readonly txs = new Map<string, PoolEntry>();
  private readonly txsOrder = new OldestFirst(this.txs);
  private poolBytes = 0;
  /** Outpoint key → txKey of the pooled tx that locked it first. */
  private readonly locks = new Map<string, string>();
  /** Final txids and what they spent. */
  private readonly final: FinalityMemory;
  /** Votes for txids that are neither pooled nor final. */
  private readonly pending: EarlyVotes;
  /** `${txKey}:${voter hex}` for each vote `voteFor` signed. */
  private readonly ownVotes = new Set<string>();
  private readonly ownVotesOrder = new OldestFirst(this.ownVotes);
  private poolVoteCount = 0;

  constructor(masternodes: Buffer[], limits?: Partial<TxPoolLimits>) {
    this.limits = { ...DEFAULT_TX_POOL_LIMITS, ...limits };
    validateLimits(this.limits);
    this.members = new Set(masternodes.map(hex));
    if (this.members.size === 0) throw new RangeError('TxPool needs at least one masternode: no tx could ever become final');
    this.quorum = quorumFor(this.members.size);
    this.final = new FinalityMemory(this.limits);
    this.pending = new EarlyVotes(this.limits.maxPendingVotes);
  }

  addTx(tx: Tx, now: number): TxVerdict {
    const problem = txProblem(tx, now + this.limits.maxFutureMs);
    if (problem !== undefined) return { kind: 'invalid', reason: problem };
    let txid: Buffer;
    try {
      txid = txId(tx);
    } catch (err) {
      // txProblem checks every field the layout checks; this catches the two drifting apart.
      if (err instanceof LayoutError) return { kind: 'invalid', reason: err.message };
      throw err;
    }
    const key = txKey(txid);
    if (this.final.has(key)) {
      // A body that hashes to a proven txid is that tx, signature or not: now its inputs can be marked spent.
      this.final.markSpent(key, tx.inputs);
      return { kind: 'known', txid };
    }
    if (this.txs.has(key)) return { kind: 'known', txid };

    // Before the signature: a lookup is far cheaper than an Ed25519 verify, and a spent input refuses the tx either way.
    const outpoints = tx.inputs.map(outpointKey);
    for (let i = 0; i < outpoints.length; i++) {
      const by = this.final.spentBy(outpoints[i]!);
      if (by === key) return { kind: 'known', txid }; // final, its txid forgotten but its spends still remembered
      if (by !== undefined) {
        return { kind: 'spent', txid, reason: `input already spent: ${outpointText(outpoints[i]!)} by final tx ${keyHex(by)}` };
      }
    }
    if (!verifyTx(tx)) return { kind: 'invalid', reason: `bad signature: sig is not ${hex(tx.from)}'s signature over txid ${hex(txid)}` };

    const bytes = txBytes(tx);
    // Room first: an evicted tx may hold the lock this one would otherwise conflict with.
    const evicted = this.shrinkTo(this.limits.maxTxs - 1, this.limits.maxBytes - bytes);

    const conflict = outpoints.some((o) => this.locks.has(o));
    // A conflicting tx locks none of its inputs, not even the free ones: this
    // node votes against it, so it must not make this node vote against a
    // third tx spending one of those inputs either.
    const locked = conflict ? [] : outpoints;
    for (const o of locked) this.locks.set(o, key);

    let votes: VoteSet | undefined;
    const early = this.pending.take(key);
    if (early !== undefined) {
      this.poolVoteCount += early.votes.size;
      votes = { votes: early.votes, accepts: early.accepts };
    }
    const payload = ownTxPayload(tx);
    this.txs.set(key, { payload, bytes, arrived: now, conflict, locked, votes });
    this.poolBytes += bytes;
    return { kind: 'accepted', txid, conflict, evicted, payload };
  }

  /**
   * The vote this node casts as a masternode for a tx just accepted: accept
   * unless it arrived as a conflict. The caller passes it to `addVote` (which
   * counts it, and may finalize the tx) and relays it. Undefined if the key is
   * not in M, the tx is not pooled (unknown, evicted or final), or this key has
   * voted on it already: a second vote could differ, which is equivocation.
   */
  voteFor(keys: KeyPair, txid: Buffer): Vote | undefined {
    const voter = hex(keys.publicKey);
    if (!this.members.has(voter)) return undefined;
    const key = txKey(txid);
    const entry = this.txs.get(key);
    if (entry === undefined) return undefined;
    const own = `${key}:${voter}`;
    // The set check covers our own vote coming back from peers after this process restarted.
    if (this.ownVotes.has(own) || entry.votes?.votes.has(voter)) return undefined;
    this.ownVotes.add(own);
    this.ownVotesOrder.forgetTo(this.limits.maxOwnVotesRemembered);
    return signVote(keys, txid, !entry.conflict);
  }

  addVote(vote: Vote, now: number): VoteVerdict {
    if (vote.txid.length !== HASH_BYTES) return { kind: 'invalid', reason: `vote txid must be ${HASH_BYTES} bytes, got ${vote.txid.length}` };
    const voter = hex(vote.voter);
    if (!this.members.has(voter)) return { kind: 'invalid', reason: `voter ${voter} is not a masternode` };
    const key = txKey(vote.txid);
    // Late votes for a final tx change nothing and need no relay; not verifying them saves the most expensive step.
    if (this.final.has(key)) return { kind: 'known' };

    const entry = this.txs.get(key);
    const existing: VoteSet | undefined = entry !== undefined ? entry.votes : this.pending.get(key);
    const earlier = existing?.votes.get(voter);
    if (earlier !== undefined) {
      // Same (txid, voter, accept) is the same relay identity (§5): known, whatever its signature bytes.
      if (earlier.accept === vote.accept) return { kind: 'known' };
      if (!verifyVote(vote)) return { kind: 'invalid', reason: `bad signature on vote by ${voter} for tx ${hex(vote.txid)}` };
      // The first vote stays counted: dropping it would let a voter retract an accept by equivocating.
      return {
        kind: 'invalid',
        reason: `equivocation: masternode ${voter} voted accept=${earlier.accept} and now accept=${vote.accept} for tx ${hex(vote.txid)}`,
      };
    }
    if (!verifyVote(vote)) return { kind: 'invalid', reason: `bad signature on vote by ${voter} for tx ${hex(vote.txid)}` };

    let set: VoteSet;
    if (entry !== undefined) {
      set = entry.votes ??= { votes: new Map(), accepts: 0 };
      set.votes.set(voter, ownVote(vote));
      this.poolVoteCount++;
    } else {
      set = this.pending.add(key, voter, ownVote(vote), now);
    }
    if (!vote.accept) return { kind: 'counted', finalizedNow: undefined };
    set.accepts++;
    if (set.accepts < this.quorum) return { kind: 'counted', finalizedNow: undefined };
    // A quorum for a tx whose input a final tx already spent means masternodes
    // voted accept for both: it must not make the second spend final here.
    const inputs = entry !== undefined ? inputsOf(key, entry) : [];
    if (entry !== undefined && this.final.spentByOther(key, inputs) !== undefined) {
      return { kind: 'counted', finalizedNow: undefined };
    }
    const proof = [...set.votes.values()].filter((v) => v.accept);
    this.finalize(key, vote.txid, entry, inputs);
    return { kind: 'counted', finalizedNow: proof, spent: inputs };
  }

  /**
   * A `finalized` message. Every vote is checked; one bad vote makes the whole
   * proof invalid, since a relay that passes on forged votes is at fault too.
   * `_now` is unused: a proof does not age, but the signature keeps all the
   * message entry points alike for the caller.
   */
  addFinalized(txid: Buffer, votes: Vote[], _now: number): FinalizedVerdict {
    if (txid.length !== HASH_BYTES) return { kind: 'invalid', reason: `txid must be ${HASH_BYTES} bytes, got ${txid.length}` };
    const key = txKey(txid);
    // Only the first valid proof counts and is relayed (§5 Relay); later ones are not even verified.
    if (this.final.has(key)) return { kind: 'known' };

    // Cheap checks over all votes first, so that a proof failing them costs no signature checks.
    const voters = new Set<string>();
    for (const [i, vote] of votes.entries()) {
      const voter = hex(vote.voter);
      const who = `vote ${i} by ${voter}`;
      if (!this.members.has(voter)) return { kind: 'invalid', reason: `${who}: voter is not a masternode` };
      if (!vote.txid.equals(txid)) return { kind: 'invalid', reason: `${who}: is for tx ${hex(vote.txid)}, not ${hex(txid)}` };
      if (vote.accept !== true) return { kind: 'invalid', reason: `${who}: is accept=false; a proof holds accept votes only` };
      voters.add(voter);
    }
    if (voters.size < this.quorum) {
      return { kind: 'invalid', reason: `${voters.size} distinct masternodes in ${votes.length} votes; quorum is ${this.quorum}` };
    }

    const entry = this.txs.get(key);
    // Signatures already checked, by voter: votes this pool holds (verified as they came) and earlier copies within this proof.
    const checkedSigs = new Map<string, Buffer[]>();
    const held = entry !== undefined ? entry.votes : this.pending.get(key);
    for (const [voter, v] of held?.votes ?? []) if (v.accept) checkedSigs.set(voter, [v.sig]);
    for (const [i, vote] of votes.entries()) {
      const voter = hex(vote.voter);
      const sigs = checkedSigs.get(voter) ?? [];
      if (sigs.some((s) => s.equals(vote.sig))) continue;
      if (!verifyVote(vote)) return { kind: 'invalid', reason: `vote ${i} by ${voter}: bad signature` };
      sigs.push(vote.sig);
      checkedSigs.set(voter, sigs);
    }
    const inputs = entry !== undefined ? inputsOf(key, entry) : [];
    const conflict = this.final.spentByOther(key, inputs);
    if (conflict !== undefined) {
      return { kind: 'invalid', reason: `input already spent: ${outpointText(conflict.input)} by final tx ${keyHex(conflict.by)} (two quorums for conflicting txs: masternodes voted for both)` };
    }
    this.finalize(key, txid, entry, inputs);
    return { kind: 'accepted', spent: inputs };
  }

  /** The `tx` payloads of the newest `max` unfinalized txs, oldest first. */
  unfinalized(max: number): Buffer[] {
    const out: Buffer[] = [];
    let skip = this.txs.size - max;
    for (const entry of this.txs.values()) {
      if (skip-- > 0) continue;
      out.push(entry.payload);
    }
    return out;
  }

  isFinal(txid: Buffer): boolean {
    return this.final.has(txKey(txid));
  }

  /** Pooled or final: a copy of this tx changes nothing and is not verified again (addTx answers `known`). */
  knows(txid: Buffer): boolean {
    const key = txKey(txid);
    return this.txs.has(key) || this.final.has(key);
  }

  /** Finalized txids not yet claimed by a block, oldest first, up to max. */
  unclaimedFinal(max: number): Buffer[] {
    return this.final.unclaimedFinal(max);
  }

  /** A block listed these txids (see FinalityMemory.claimed). */
  claimed(txids: Buffer[]): void {
    this.final.claimed(txids);
  }

  /**
   * Evicts unfinalized txs older than maxAgeMs (by arrival here, not by their
   * own `time`, which the sender chose), votes waiting that long for their tx,
   * and then the oldest txs past the count/bytes bounds, unlocking their
   * inputs. Returns how many txs it evicted.
   */
  evict(now: number, maxAgeMs: number): number {
    let evicted = 0;
    // Arrival order: the first young entry ends the scan. A clock stepped back only delays eviction.
    for (const [key, entry] of this.txs) {
      if (now - entry.arrived <= maxAgeMs) break;
      this.removeFromPool(key, entry);
      evicted++;
    }
    this.pending.evict(now, maxAgeMs);
    return evicted + this.shrinkTo(this.limits.maxTxs, this.limits.maxBytes);
  }

  stats(): TxPoolStats {
    const final = this.final.sizes;
    return {
      txs: this.txs.size,
      bytes: this.poolBytes,
      locked: this.locks.size,
      finalized: final.finalized,
      finalizedTotal: this.final.total,
      votes: this.poolVoteCount + this.pending.size,
      pendingVotes: this.pending.size,
      spent: final.spent,
      unclaimed: final.unclaimed,
    };
  }

  /** For `utxo_state` hints: spent (by a final tx) wins over locked (by a pooled one). */
  lockState(input: TxInput): { state: 'locked' | 'spent' | 'unlocked'; by: Buffer | undefined } {
    const o = outpointKey(input);
    const spentBy = this.final.spentBy(o);
    if (spentBy !== undefined) return { state: 'spent', by: Buffer.from(spentBy, 'latin1') };
    const lockedBy = this.locks.get(o);
    if (lockedBy !== undefined) return { state: 'locked', by: Buffer.from(lockedBy, 'latin1') };
    return { state: 'unlocked', by: undefined };
  }

  /** `inputs`: the pooled tx's (inputsOf), read once by the caller. */
  private finalize(key: string, txid: Buffer, entry: PoolEntry | undefined, inputs: TxInput[]): void {
    if (entry !== undefined) {
      this.removeFromPool(key, entry);
      // Whoever held these locks, the outpoints are spent now: a lock by a conflicting tx means nothing any more.
      for (const input of inputs) this.locks.delete(outpointKey(input));
      this.final.markSpent(key, inputs);
    } else {
      this.pending.take(key);
    }
    this.final.record(key, txid);
  }

  private removeFromPool(key: string, entry: PoolEntry): void {
    this.txs.delete(key);
    this.poolBytes -= entry.bytes;
    this.poolVoteCount -= entry.votes?.votes.size ?? 0;
    for (const o of entry.locked) if (this.locks.get(o) === key) this.locks.delete(o);
  }

  /** Evicts the oldest txs until at most `maxTxs` and `maxBytes` are held; returns how many. */
  private shrinkTo(maxTxs: number, maxBytes: number): number {
    let evicted = 0;
    this.txsOrder.forgetWhile(
      () => this.txs.size > maxTxs || this.poolBytes > maxBytes,
      (key) => {
        this.removeFromPool(key, this.txs.get(key) as PoolEntry);
        evicted++;
      },
    );
    return evicted;
  }
}

/** A pooled tx's inputs, read from its payload (written by writeTx, so always in the fast layout). */
function inputsOf(key: string, entry: PoolEntry): TxInput[] {
  const msg = readTx(entry.payload);
  if (msg === undefined) throw new Error(`pooled tx ${keyHex(key)}: its payload is not in the tx layout`);
  return msg.tx.inputs;
}
