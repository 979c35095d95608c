// The transaction pool of PROTOCOL.md §5 "Votes and finality": the txs this
// node has seen, the outpoints they lock, the votes counted toward each, and
// which txs are final. Pure state: no sockets and no timers. The caller passes
// the time in, so every rule can be tested without a network or a clock.
//
// Any peer can send any number of valid txs, votes and proofs, so every map
// here is bounded and forgets its oldest entry first. What forgetting costs
// is written beside each bound in `TxPoolLimits`.
//
// Keys are hex strings: a txid as its 64 hex characters, an outpoint as
// `${txid hex}:${index}`. Buffers compare by identity in a Map, hex by value.
import { HASH_BYTES, PUBLIC_KEY_BYTES, SIGNATURE_BYTES, type KeyPair } from '../crypto';
import { quorumFor } from './genesis';
import { LayoutError, txId } from './layouts';
import { signVote, verifyTx, verifyVote } from './signing';
import type { Tx, TxInput, Vote } from './types';

/** §4: a tx holds at most 64 inputs and 64 outputs. */
export const MAX_TX_INPUTS = 64;
export const MAX_TX_OUTPUTS = 64;
/** What a tx costs against `maxBytes`: from + sig + time, then txid + index per input and to + amount per output. */
const TX_FIXED_BYTES = PUBLIC_KEY_BYTES + SIGNATURE_BYTES + 8;
const TX_INPUT_BYTES = HASH_BYTES + 8;
const TX_OUTPUT_BYTES = PUBLIC_KEY_BYTES + 8;
/** The largest tx the schema allows; a pool smaller than this could never hold one. */
export const MAX_TX_BYTES = TX_FIXED_BYTES + MAX_TX_INPUTS * TX_INPUT_BYTES + MAX_TX_OUTPUTS * TX_OUTPUT_BYTES;
const U64_MAX = (1n << 64n) - 1n;

export interface TxPoolLimits {
  /** Unfinalized txs held; past it the oldest is evicted (its locks released, so a later tx spending the same input is no longer a conflict here). */
  maxTxs: number;
  /** Bytes of unfinalized txs held (see `txBytes`); enforced like `maxTxs`. */
  maxBytes: number;
  /**
   * Finalized txids remembered. A forgotten one is new again: its tx would be
   * pooled again (unless `spent` still names it) and a proof for it accepted
   * and relayed again, and it would be offered to a block again, so the block
   * layer must not list a txid its chain already holds. An unclaimed txid
   * forgotten here is never offered to a block: at 10,000 txids a block, that
   * takes blocks falling behind finality by five full blocks.
   */
  maxFinalizedRemembered: number;
  /**
   * Outpoints remembered as spent by a final tx. A forgotten one can be
   * spent again as far as this node can tell: masternodes that forgot it too
   * would vote for the second spend. There is no UTXO set in TNP/1, so this
   * memory is the only double-spend guard after a tx leaves the pool.
   */
  maxSpentRemembered: number;
  /** How far ahead of `now` a tx's `time` may be; beyond it the tx is invalid (a clock that far off is a broken sender). */
  maxFutureMs: number;
  /**
   * Votes held for txs not (yet) in the pool: votes race their tx across the
   * network. Past it the oldest txid's votes are all dropped; if that tx
   * arrives later its votes must arrive again (or its proof) to finalize it.
   */
  maxPendingVotes: number;
  /**
   * (txid, own key) pairs this node has voted on. A forgotten pair lets
   * `voteFor` vote again for a tx evicted and received again, and that second
   * vote may differ (the conflict may have changed): peers would see it as
   * equivocation. Kept as long as finalized txids.
   */
  maxOwnVotesRemembered: number;
}

export const DEFAULT_TX_POOL_LIMITS: TxPoolLimits = {
  maxTxs: 10_000,
  maxBytes: 8 * 1024 * 1024,
  maxFinalizedRemembered: 50_000,
  maxSpentRemembered: 200_000,
  maxFutureMs: 60_000,
  maxPendingVotes: 16_384,
  maxOwnVotesRemembered: 50_000,
};

export type TxVerdict =
  /**
   * `conflict`: an input was already locked by another tx, so this one locked
   * nothing. `evicted`: older txs dropped to make room for it (their locks released).
   */
  | { kind: 'accepted'; txid: Buffer; conflict: boolean; evicted: Buffer[] }
  /** Already in the pool or finalized: not relayed again. */
  | { kind: 'known'; txid: Buffer }
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

interface VoteSet {
  /** By voter hex: one vote per masternode per tx. */
  readonly votes: Map<string, Vote>;
  accepts: number;
}

interface PendingVotes extends VoteSet {
  /** When the first vote came, for age eviction. */
  readonly since: number;
}

interface PoolEntry {
  readonly txid: Buffer;
  readonly tx: Tx;
  readonly bytes: number;
  readonly arrived: number;
  readonly conflict: boolean;
  /** Outpoint keys this tx holds the lock of: all its inputs, or none if it arrived as a conflict. */
  readonly locked: string[];
  readonly votes: VoteSet;
}

/** Size of a tx against `maxBytes`: its fields, without CBOR overhead. */
export function txBytes(tx: Pick<Tx, 'inputs' | 'outputs'>): number {
  return TX_FIXED_BYTES + TX_INPUT_BYTES * tx.inputs.length + TX_OUTPUT_BYTES * tx.outputs.length;
}

function hex(b: Buffer): string {
  return b.toString('hex');
}

function outpointKey(input: TxInput): string {
  return `${hex(input.txid)}:${input.index}`;
}

function shortHex(keyHex: string): string {
  return keyHex.slice(0, 16);
}

/** Drops the oldest entries (Map iteration is insertion order) until `map` holds at most `max`. */
function forgetOldest<K, V>(map: Map<K, V>, max: number, onForget?: (key: K, value: V) => void): void {
  for (const [key, value] of map) {
    if (map.size <= max) return;
    map.delete(key);
    onForget?.(key, value);
  }
}

function forgetOldestOf<K>(set: Set<K>, max: number): void {
  for (const key of set) {
    if (set.size <= max) return;
    set.delete(key);
  }
}

/** The schema-level sanity of §4: what makes a tx meaningless whatever its signature. */
function txProblem(tx: Tx, latestTime: number): string | undefined {
  if (tx.from.length !== PUBLIC_KEY_BYTES) return `from must be ${PUBLIC_KEY_BYTES} bytes, got ${tx.from.length}`;
  if (tx.sig.length !== SIGNATURE_BYTES) return `sig must be ${SIGNATURE_BYTES} bytes, got ${tx.sig.length}`;
  if (tx.inputs.length === 0) return 'a tx must spend at least one input';
  if (tx.inputs.length > MAX_TX_INPUTS) return `${tx.inputs.length} inputs; at most ${MAX_TX_INPUTS}`;
  if (tx.outputs.length > MAX_TX_OUTPUTS) return `${tx.outputs.length} outputs; at most ${MAX_TX_OUTPUTS}`;
  const seen = new Set<string>();
  for (const [i, input] of tx.inputs.entries()) {
    if (input.txid.length !== HASH_BYTES) return `inputs[${i}].txid must be ${HASH_BYTES} bytes, got ${input.txid.length}`;
    if (!Number.isSafeInteger(input.index) || input.index < 0) return `inputs[${i}].index must be an integer ≥ 0, got ${input.index}`;
    const key = outpointKey(input);
    if (seen.has(key)) return `duplicate input ${shortHex(key)}…:${input.index} (inputs[${i}])`;
    seen.add(key);
  }
  for (const [i, output] of tx.outputs.entries()) {
    if (output.to.length !== PUBLIC_KEY_BYTES) return `outputs[${i}].to must be ${PUBLIC_KEY_BYTES} bytes, got ${output.to.length}`;
    if (typeof output.amount !== 'bigint' || output.amount < 0n || output.amount > U64_MAX) return `outputs[${i}].amount must be in 0..2^64−1`;
  }
  if (!Number.isSafeInteger(tx.time) || tx.time < 0) return `time must be an integer ≥ 0, got ${tx.time}`;
  if (tx.time > latestTime) return `time ${tx.time} is more than the allowed clock skew ahead (latest accepted ${latestTime})`;
  return undefined;
}

function validateLimits(limits: TxPoolLimits): void {
  for (const [name, value] of Object.entries(limits)) {
    const least = name === 'maxFutureMs' ? 0 : 1;
    if (!Number.isSafeInteger(value) || value < least) throw new RangeError(`TxPool limit ${name} must be an integer ≥ ${least}, got ${value}`);
  }
  if (limits.maxBytes < MAX_TX_BYTES) {
    throw new RangeError(`TxPool limit maxBytes must be ≥ ${MAX_TX_BYTES} (the largest valid tx), got ${limits.maxBytes}`);
  }
}

export class TxPool {
  /** Accept votes from distinct members of M that make a tx final. */
  readonly quorum: number;
  private readonly limits: TxPoolLimits;
  private readonly members: Set<string>;

  /** Unfinalized txs by txid hex, oldest first. A tx leaves on finality or eviction. */
  private readonly txs = new Map<string, PoolEntry>();
  private poolBytes = 0;
  /** Outpoint → txid hex of the pooled tx that locked it first. */
  private readonly locks = new Map<string, string>();
  /** Outpoint → txid hex of the final tx that spent it, oldest first. */
  private readonly spent = new Map<string, string>();
  /** Finalized txids, oldest first. */
  private readonly finalized = new Map<string, Buffer>();
  /** Finalized txids no block has listed yet, oldest first; always a subset of `finalized`. */
  private readonly unclaimed = new Map<string, Buffer>();
  /** Txids a block listed before this node saw them final, so that finality later does not offer them to a block twice. */
  private readonly claimedAhead = new Set<string>();
  /** Votes for txids that are neither pooled nor final, oldest txid first. */
  private readonly pending = new Map<string, PendingVotes>();
  /** `${txid hex}:${voter hex}` for each vote `voteFor` signed. */
  private readonly ownVotes = new Set<string>();
  private poolVoteCount = 0;
  private pendingVoteCount = 0;
  private finalizedTotal = 0;

  constructor(masternodes: Buffer[], limits?: Partial<TxPoolLimits>) {
    this.limits = { ...DEFAULT_TX_POOL_LIMITS, ...limits };
    validateLimits(this.limits);
    this.members = new Set(masternodes.map(hex));
    if (this.members.size === 0) throw new RangeError('TxPool needs at least one masternode: no tx could ever become final');
    this.quorum = quorumFor(this.members.size);
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
    const key = hex(txid);
    if (this.finalized.has(key)) {
      // A body that hashes to a proven txid is that tx, signature or not: now its inputs can be marked spent.
      this.markSpent(key, tx.inputs);
      return { kind: 'known', txid };
    }
    if (this.txs.has(key)) return { kind: 'known', txid };

    // Before the signature: a lookup is far cheaper than an Ed25519 verify, and a spent input is fatal either way.
    for (const input of tx.inputs) {
      const by = this.spent.get(outpointKey(input));
      if (by === key) return { kind: 'known', txid }; // final, its txid forgotten but its spends still remembered
      if (by !== undefined) {
        return { kind: 'invalid', reason: `input already spent: ${shortHex(hex(input.txid))}…:${input.index} by final tx ${by}` };
      }
    }
    if (!verifyTx(tx)) return { kind: 'invalid', reason: `bad signature: sig is not ${hex(tx.from)}'s signature over txid ${key}` };

    const bytes = txBytes(tx);
    // Room first: an evicted tx may hold the lock this one would otherwise conflict with.
    const evicted = this.shrinkTo(this.limits.maxTxs - 1, this.limits.maxBytes - bytes);

    const outpoints = tx.inputs.map(outpointKey);
    const conflict = outpoints.some((o) => this.locks.has(o));
    // A conflicting tx locks none of its inputs, not even the free ones: this
    // node votes against it, so it must not make this node vote against a
    // third tx spending one of those inputs either.
    const locked = conflict ? [] : outpoints;
    for (const o of locked) this.locks.set(o, key);

    let votes: VoteSet = { votes: new Map(), accepts: 0 };
    const early = this.pending.get(key);
    if (early !== undefined) {
      // Votes that overtook their tx. They cannot hold a quorum: reaching one finalizes the txid at once.
      this.pending.delete(key);
      this.pendingVoteCount -= early.votes.size;
      this.poolVoteCount += early.votes.size;
      votes = { votes: early.votes, accepts: early.accepts };
    }
    this.txs.set(key, { txid, tx, bytes, arrived: now, conflict, locked, votes });
    this.poolBytes += bytes;
    return { kind: 'accepted', txid, conflict, evicted };
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
    const key = hex(txid);
    const entry = this.txs.get(key);
    if (entry === undefined) return undefined;
    const own = `${key}:${voter}`;
    // The set check covers our own vote coming back from peers after this process restarted.
    if (this.ownVotes.has(own) || entry.votes.votes.has(voter)) return undefined;
    this.ownVotes.add(own);
    forgetOldestOf(this.ownVotes, this.limits.maxOwnVotesRemembered);
    return signVote(keys, entry.txid, !entry.conflict);
  }

  addVote(vote: Vote, now: number): VoteVerdict {
    if (vote.txid.length !== HASH_BYTES) return { kind: 'invalid', reason: `vote txid must be ${HASH_BYTES} bytes, got ${vote.txid.length}` };
    const voter = hex(vote.voter);
    if (!this.members.has(voter)) return { kind: 'invalid', reason: `voter ${voter} is not a masternode` };
    const key = hex(vote.txid);
    // Late votes for a final tx change nothing and need no relay; not verifying them saves the most expensive step.
    if (this.finalized.has(key)) return { kind: 'known' };

    const entry = this.txs.get(key);
    const existing: VoteSet | undefined = entry !== undefined ? entry.votes : this.pending.get(key);
    const earlier = existing?.votes.get(voter);
    if (earlier !== undefined) {
      // Same (txid, voter, accept) is the same relay identity (§5): known, whatever its signature bytes.
      if (earlier.accept === vote.accept) return { kind: 'known' };
      if (!verifyVote(vote)) return { kind: 'invalid', reason: `bad signature on vote by ${voter} for tx ${key}` };
      // The first vote stays counted: dropping it would let a voter retract an accept by equivocating.
      return {
        kind: 'invalid',
        reason: `equivocation: masternode ${voter} voted accept=${earlier.accept} and now accept=${vote.accept} for tx ${key}`,
      };
    }
    if (!verifyVote(vote)) return { kind: 'invalid', reason: `bad signature on vote by ${voter} for tx ${key}` };

    const set = entry !== undefined ? entry.votes : this.pendingSetFor(key, now);
    set.votes.set(voter, vote);
    if (entry !== undefined) this.poolVoteCount++;
    else this.pendingVoteCount++;
    if (!vote.accept) return { kind: 'counted', finalizedNow: undefined };
    set.accepts++;
    if (set.accepts < this.quorum) return { kind: 'counted', finalizedNow: undefined };
    // A quorum for a tx whose input a final tx already spent means masternodes
    // voted accept for both: it must not make the second spend final here.
    if (entry !== undefined && this.spentByOther(key, entry.tx.inputs) !== undefined) {
      return { kind: 'counted', finalizedNow: undefined };
    }
    const proof = [...set.votes.values()].filter((v) => v.accept);
    this.finalize(key, vote.txid, entry);
    return { kind: 'counted', finalizedNow: proof, spent: entry?.tx.inputs ?? [] };
  }

  /**
   * A `finalized` message. Every vote is checked; one bad vote makes the whole
   * proof invalid, since a relay that passes on forged votes is at fault too.
   * `_now` is unused: a proof does not age, but the signature keeps all the
   * message entry points alike for the caller.
   */
  addFinalized(txid: Buffer, votes: Vote[], _now: number): FinalizedVerdict {
    if (txid.length !== HASH_BYTES) return { kind: 'invalid', reason: `txid must be ${HASH_BYTES} bytes, got ${txid.length}` };
    const key = hex(txid);
    // Only the first valid proof counts and is relayed (§5 Relay); later ones are not even verified.
    if (this.finalized.has(key)) return { kind: 'known' };

    // Cheap checks over all votes first, so that a proof failing them costs no signature checks.
    const voters = new Set<string>();
    for (const [i, vote] of votes.entries()) {
      const voter = hex(vote.voter);
      const who = `vote ${i} by ${voter}`;
      if (!this.members.has(voter)) return { kind: 'invalid', reason: `${who}: voter is not a masternode` };
      if (!vote.txid.equals(txid)) return { kind: 'invalid', reason: `${who}: is for tx ${hex(vote.txid)}, not ${key}` };
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
    if (entry !== undefined) {
      const conflict = this.spentByOther(key, entry.tx.inputs);
      if (conflict !== undefined) {
        return { kind: 'invalid', reason: `input already spent: ${conflict.input} by final tx ${conflict.by} (two quorums for conflicting txs: masternodes voted for both)` };
      }
    }
    this.finalize(key, txid, entry);
    return { kind: 'accepted', spent: entry !== undefined ? entry.tx.inputs : [] };
  }

  isFinal(txid: Buffer): boolean {
    return this.finalized.has(hex(txid));
  }

  /** Finalized txids not yet claimed by a block, oldest first, up to max. */
  unclaimedFinal(max: number): Buffer[] {
    const out: Buffer[] = [];
    for (const txid of this.unclaimed.values()) {
      if (out.length >= max) break;
      out.push(txid);
    }
    return out;
  }

  /**
   * A block listed these txids: they no longer need to go into a block. A
   * txid not final here yet is remembered, so that its finality later does
   * not offer it to a block a second time.
   */
  claimed(txids: Buffer[]): void {
    for (const txid of txids) {
      const key = hex(txid);
      if (this.finalized.has(key)) {
        this.unclaimed.delete(key);
      } else {
        this.claimedAhead.add(key);
        forgetOldestOf(this.claimedAhead, this.limits.maxFinalizedRemembered);
      }
    }
  }

  /**
   * Evicts unfinalized txs older than maxAgeMs (by arrival here, not by their
   * own `time`, which the sender chose), votes waiting that long for their tx,
   * and then the oldest txs past the count/bytes bounds, unlocking their
   * inputs. Returns the evicted txids.
   */
  evict(now: number, maxAgeMs: number): Buffer[] {
    const out: Buffer[] = [];
    // Arrival order: the first young entry ends the scan. A clock stepped back only delays eviction.
    for (const [key, entry] of this.txs) {
      if (now - entry.arrived <= maxAgeMs) break;
      this.removeFromPool(key, entry);
      out.push(entry.txid);
    }
    for (const [key, set] of this.pending) {
      if (now - set.since <= maxAgeMs) break;
      this.pending.delete(key);
      this.pendingVoteCount -= set.votes.size;
    }
    out.push(...this.shrinkTo(this.limits.maxTxs, this.limits.maxBytes));
    return out;
  }

  stats(): TxPoolStats {
    return {
      txs: this.txs.size,
      bytes: this.poolBytes,
      locked: this.locks.size,
      finalized: this.finalized.size,
      finalizedTotal: this.finalizedTotal,
      votes: this.poolVoteCount + this.pendingVoteCount,
      pendingVotes: this.pendingVoteCount,
      spent: this.spent.size,
      unclaimed: this.unclaimed.size,
    };
  }

  /** For `utxo_state` hints: spent (by a final tx) wins over locked (by a pooled one). */
  lockState(input: TxInput): { state: 'locked' | 'spent' | 'unlocked'; by: Buffer | undefined } {
    const o = outpointKey(input);
    const spentBy = this.spent.get(o);
    if (spentBy !== undefined) return { state: 'spent', by: Buffer.from(spentBy, 'hex') };
    const lockedBy = this.locks.get(o);
    if (lockedBy !== undefined) return { state: 'locked', by: Buffer.from(lockedBy, 'hex') };
    return { state: 'unlocked', by: undefined };
  }

  /** The vote set for a txid that is neither pooled nor final, making room under `maxPendingVotes` for one more vote. */
  private pendingSetFor(key: string, now: number): VoteSet {
    let set = this.pending.get(key);
    // Terminates: a positive count means the map is not empty.
    for (const [oldKey, old] of this.pending) {
      if (this.pendingVoteCount < this.limits.maxPendingVotes) break;
      this.pending.delete(oldKey);
      this.pendingVoteCount -= old.votes.size;
      if (oldKey === key) set = undefined;
    }
    if (set === undefined) {
      set = { votes: new Map(), accepts: 0, since: now };
      this.pending.set(key, set);
    }
    return set;
  }

  /** The first input of `inputs` that a different final tx spent, if any. */
  private spentByOther(key: string, inputs: TxInput[]): { input: string; by: string } | undefined {
    for (const input of inputs) {
      const o = outpointKey(input);
      const by = this.spent.get(o);
      if (by !== undefined && by !== key) return { input: o, by };
    }
    return undefined;
  }

  private finalize(key: string, txid: Buffer, entry: PoolEntry | undefined): void {
    if (entry !== undefined) {
      this.removeFromPool(key, entry);
      // Whoever held these locks, the outpoints are spent now: a lock by a conflicting tx means nothing any more.
      for (const input of entry.tx.inputs) this.locks.delete(outpointKey(input));
      this.markSpent(key, entry.tx.inputs);
    } else {
      const early = this.pending.get(key);
      if (early !== undefined) {
        this.pending.delete(key);
        this.pendingVoteCount -= early.votes.size;
      }
    }
    this.finalized.set(key, txid);
    this.finalizedTotal++;
    if (this.claimedAhead.has(key)) this.claimedAhead.delete(key);
    else this.unclaimed.set(key, txid);
    forgetOldest(this.finalized, this.limits.maxFinalizedRemembered, (k) => this.unclaimed.delete(k));
  }

  /** Records a final tx's inputs as spent by it. The first final spend of an outpoint stays recorded. */
  private markSpent(key: string, inputs: TxInput[]): void {
    for (const input of inputs) {
      const o = outpointKey(input);
      if (!this.spent.has(o)) this.spent.set(o, key);
    }
    forgetOldest(this.spent, this.limits.maxSpentRemembered);
  }

  private removeFromPool(key: string, entry: PoolEntry): void {
    this.txs.delete(key);
    this.poolBytes -= entry.bytes;
    this.poolVoteCount -= entry.votes.votes.size;
    for (const o of entry.locked) if (this.locks.get(o) === key) this.locks.delete(o);
  }

  /** Evicts the oldest txs until at most `maxTxs` and `maxBytes` are held. */
  private shrinkTo(maxTxs: number, maxBytes: number): Buffer[] {
    const out: Buffer[] = [];
    for (const [key, entry] of this.txs) {
      if (this.txs.size <= maxTxs && this.poolBytes <= maxBytes) break;
      this.removeFromPool(key, entry);
      out.push(entry.txid);
    }
    return out;
  }
}
