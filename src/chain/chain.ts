// The node's domain layer: every chain message of PROTOCOL.md §3 lands here
// from the one message loop, is checked against the rules of §5, changes
// state, and is relayed once if valid. It owns the tip; the parts it wires
// (tx pool, masternode registry, block intake and fork choice, store, sync,
// producer) each hold one concern.
import type { KeyPair } from '../crypto';
import type { Logger } from '../base/log';
import type { PeerConnection } from '../net/peer-connection';
import type { PeerRegistry } from '../net/peer-registry';
import type { Scheduler, Task } from '../net/scheduler';
import type { MessageOf } from '../wire/messages';
import { validateBlock } from './block-rules';
import { BlockIntake } from './block-intake';
import type { BlockStore } from './block-store';
import type { Genesis } from './genesis';
import { blockHash, txId, voteId } from './layouts';
import { MasternodeRegistry } from './masternodes';
import { MasternodeDuty } from './masternode-duty';
import { BlockProducer } from './producer';
import { Relay } from './relay';
import { BlockSync, SyncTimings } from './sync';
import { TxPool, TxPoolLimits } from './tx-pool';
import type { Ann, Block, Hb, Tx, TxInput, Vote } from './types';

export interface ChainLimits {
  seenCache: number;
  txPool: Partial<TxPoolLimits>;
  /** Unfinalized txs older than this are evicted from the pool. */
  txMaxAgeMs: number;
  /** Bytes of blocks in one `blocks` answer (kept well under maxFrame). */
  blocksAnswerBytes: number;
  /**
   * Unfinalized txs (the newest) sent to a peer as it connects. A tx is
   * relayed once, to the peers established then (§5 Relay): one submitted
   * while its node was cut off would otherwise never reach the votes it needs.
   */
  txsOfferedOnConnect: number;
}

export const DEFAULT_CHAIN_LIMITS: ChainLimits = {
  seenCache: 50_000,
  txPool: {},
  txMaxAgeMs: 10 * 60_000,
  blocksAnswerBytes: 1024 * 1024,
  txsOfferedOnConnect: 256,
};

/** The `blocks` message around its blocks (type, key, array header). */
const ANSWER_ENVELOPE_BYTES = 64;
/** A block's CBOR is at most 1.3× its stored record body (field names, byte-string headers; worst for blocks without txids). */
const CBOR_PER_RECORD_BYTE = 1.3;

/** How a peer misbehaved, for the ban list (§5 Misbehaviour). */
export type ChainOffence = 'invalidObject';

export interface ChainDeps {
  genesis: Genesis;
  keys: KeyPair;
  store: BlockStore;
  registry: PeerRegistry;
  scheduler: Scheduler;
  log: Logger;
  limits: ChainLimits;
  sync: SyncTimings;
  /** Where this node listens, for its `ann`. */
  endpoint: { ip: string; port: number };
  offence(peer: PeerConnection, kind: ChainOffence, detail: string): void;
  /** An address announced by a masternode. */
  learnedAddress(ip: string, port: number): void;
}

export interface ChainStats {
  height: number;
  tip: string;
  finalized: number;
  equivocations: number;
  /** Switches to a better branch (§5 Fork choice), and branches seen that lost. */
  switches: number;
  forksKept: number;
  invalid: number;
  /** Txs refused for spending what a final tx spent (no offence: see TxVerdict 'spent'). */
  spentRefused: number;
  hintsReceived: number;
}

interface Tip {
  height: number;
  hash: Buffer;
  time: number;
}

export class Chain {
  readonly pool: TxPool;
  readonly masternodes: MasternodeRegistry;
  readonly sync: BlockSync;
  private readonly relay: Relay;
  private readonly producer: BlockProducer;
  private readonly duty: MasternodeDuty;
  private readonly intake: BlockIntake;
  private readonly log: Logger;
  private tipState: Tip;
  private evictTimer: Task | undefined;
  private readonly counters = { finalized: 0, invalid: 0, spentRefused: 0, hintsReceived: 0 };

  constructor(private readonly deps: ChainDeps) {
    const { genesis, scheduler } = deps;
    this.log = deps.log.child('chain');
    this.pool = new TxPool(genesis.masternodes, deps.limits.txPool);
    this.masternodes = new MasternodeRegistry(genesis);
    this.relay = new Relay(deps.registry, deps.limits.seenCache);
    this.intake = new BlockIntake({
      genesis,
      store: deps.store,
      log: deps.log,
      relay: this.relay,
      now: scheduler.now,
      sync: () => this.sync,
      blockAt: (height) => this.tipOf(height),
      append: (blocks) => this.storeBlocks(blocks),
      replaced: (ancestor) => this.replaced(ancestor),
      invalid: (peer, detail) => this.invalid(peer, detail),
    });
    const target = {
      height: () => this.tipState.height,
      forking: () => this.intake.forks.busy,
      requestFailed: (peerKey: string, why: string) => this.intake.requestFailed(peerKey, why),
    };
    this.sync = new BlockSync(target, deps.registry, scheduler, deps.sync, deps.log);
    this.tipState = this.tipFromStore();
    this.producer = new BlockProducer(deps.keys, genesis, scheduler, {
      tip: () => this.tipState,
      behind: () => this.sync.behind() || this.isolated(),
      finalTxidsForBlock: (max) => this.pool.unclaimedFinal(max),
      produced: (block) => this.onOwnBlock(block),
    });
    this.duty = new MasternodeDuty(deps.keys, genesis, deps.endpoint, scheduler, {
      height: () => this.tipState.height,
      ownAnn: (ann) => this.acceptAnn(undefined, ann),
      ownHb: (hb) => this.acceptHb(undefined, hb),
    });
  }

  start(): void {
    this.producer.plan();
    this.duty.start();
    this.scheduleEviction();
  }

  stop(): void {
    this.producer.stop();
    this.duty.stop();
    this.deps.scheduler.cancel(this.evictTimer);
  }

  /** What we advertise in hello/ping/pong: the last stored block (§3). */
  position(): { height: number; tip: Buffer } {
    return { height: this.tipState.height, tip: this.tipState.hash };
  }

  get seenIds(): number {
    return this.relay.seenSize;
  }

  get isMasternode(): boolean {
    return this.duty.isMasternode;
  }

  stats(): ChainStats {
    return { height: this.tipState.height, tip: this.tipState.hash.toString('hex'), ...this.counters, ...this.intake.stats() };
  }

  peerEstablished(peer: PeerConnection): void {
    this.duty.peerEstablished(peer);
    for (const payload of this.pool.unfinalized(this.deps.limits.txsOfferedOnConnect)) peer.sendEncoded('tx', payload);
  }

  peerClosed(peer: PeerConnection): void {
    this.intake.peerClosed(peer);
    this.sync.peerClosed(peer);
  }

  /** A peer told its height (hello, ping, pong): sync, or a fork check when it names another tip at our height. */
  heightSeen(peer?: PeerConnection): void {
    this.intake.heightSeen(peer);
  }

  /** Submits a tx as if a peer had sent it (the `tx` command, tests). */
  submitTx(tx: Tx): ReturnType<TxPool['addTx']> {
    return this.acceptTx(undefined, tx);
  }

  // ---- handlers: one per chain message type ----

  onTx(peer: PeerConnection, msg: MessageOf<'tx'>): void {
    this.acceptTx(peer, msg.tx);
  }

  onVote(peer: PeerConnection, msg: MessageOf<'vote'>): void {
    this.acceptVote(peer, msg.vote);
  }

  onFinalized(peer: PeerConnection, msg: MessageOf<'finalized'>): void {
    const verdict = this.pool.addFinalized(msg.txid, msg.votes, this.deps.scheduler.now());
    if (verdict.kind === 'invalid') return this.invalid(peer, `finalized ${hex(msg.txid)}: ${verdict.reason}`);
    if (verdict.kind === 'accepted') this.onFinal(msg.txid, msg.votes, verdict.spent, peer);
  }

  onUtxoState(_peer: PeerConnection, msg: MessageOf<'utxo_state'>): void {
    // A hint, not proof (§3): counted and never relayed; our own pool is the truth.
    this.counters.hintsReceived++;
    this.log.debug(`utxo hint ${hex(msg.txid)}:${msg.index} ${msg.state} by ${hex(msg.by)}`);
  }

  onBlock(peer: PeerConnection, msg: MessageOf<'block'>): void {
    this.intake.onBlock(peer, msg.block);
  }

  onGetBlocks(peer: PeerConnection, msg: MessageOf<'get_blocks'>): void {
    // A serial link is given frames of at most its cap: the answer shrinks to fit (§3: as many blocks as fit in one frame).
    const linkBytes = Math.floor((peer.frameCap - ANSWER_ENVELOPE_BYTES) / CBOR_PER_RECORD_BYTE);
    const blocks = this.deps.store.getRange(msg.from, msg.to, Math.min(this.deps.limits.blocksAnswerBytes, linkBytes));
    peer.send({ type: 'blocks', blocks });
  }

  onBlocks(peer: PeerConnection, msg: MessageOf<'blocks'>): void {
    this.intake.onBlocks(peer, msg.blocks);
  }

  onMasternode(peer: PeerConnection, msg: MessageOf<'masternode'>): void {
    this.acceptAnn(peer, msg.ann);
  }

  onHeartbeat(peer: PeerConnection, msg: MessageOf<'heartbeat'>): void {
    this.acceptHb(peer, msg.hb);
  }

  // ---- rules ----

  private acceptTx(peer: PeerConnection | undefined, tx: Tx): ReturnType<TxPool['addTx']> {
    const verdict = this.pool.addTx(tx, this.deps.scheduler.now());
    if (verdict.kind === 'invalid') {
      if (peer) this.invalid(peer, `tx ${hex(txId(tx))}: ${verdict.reason}`);
      return verdict;
    }
    if (verdict.kind === 'spent') {
      this.counters.spentRefused++;
      this.log.debug(`tx ${hex(verdict.txid)} refused from ${peer?.key ?? 'submit'}: ${verdict.reason}`);
      return verdict;
    }
    if (verdict.kind !== 'accepted') return verdict;
    this.relay.relayEncodedTx(verdict.payload, verdict.txid, peer?.key);
    if (!verdict.conflict) this.hint(tx.inputs, 'locked', verdict.txid);
    const vote = this.isMasternode ? this.pool.voteFor(this.deps.keys, verdict.txid) : undefined;
    if (vote) this.acceptVote(undefined, vote);
    return verdict;
  }

  private acceptVote(peer: PeerConnection | undefined, vote: Vote): void {
    const verdict = this.pool.addVote(vote, this.deps.scheduler.now());
    if (verdict.kind === 'invalid') {
      if (peer) this.invalid(peer, `vote on ${hex(vote.txid)} by ${hex(vote.voter)}: ${verdict.reason}`);
      return;
    }
    if (verdict.kind !== 'counted') return;
    this.relay.relay({ type: 'vote', vote }, voteId(vote), peer?.key);
    // We saw the quorum first (as far as we know): send the proof (§5).
    if (verdict.finalizedNow) this.onFinal(vote.txid, verdict.finalizedNow, verdict.spent ?? [], undefined);
  }

  private onFinal(txid: Buffer, votes: Vote[], spent: TxInput[], from: PeerConnection | undefined): void {
    this.counters.finalized++;
    this.log.info(`tx ${hex(txid).slice(0, 16)} finalized`, { votes: votes.length });
    this.relay.relay({ type: 'finalized', txid, votes }, txid, from?.key);
    this.hint(spent, 'spent', txid);
  }

  /** utxo_state hints (§3): sent by a masternode to its peers, never relayed. */
  private hint(inputs: TxInput[], state: 'locked' | 'spent' | 'unlocked', by: Buffer): void {
    if (!this.isMasternode) return;
    for (const input of inputs) this.deps.registry.broadcast({ type: 'utxo_state', txid: input.txid, index: input.index, state, by });
  }

  private acceptAnn(peer: PeerConnection | undefined, ann: Ann): void {
    const verdict = this.masternodes.acceptAnn(ann, this.deps.scheduler.now());
    if (verdict.kind === 'invalid') {
      if (peer) this.invalid(peer, `ann from ${hex(ann.node)}: ${verdict.reason}`);
      return;
    }
    if (verdict.kind !== 'new') return;
    this.relay.relay({ type: 'masternode', ann }, ann.node, peer?.key);
    if (peer && ann.port > 0) this.deps.learnedAddress(ann.ip, ann.port);
  }

  private acceptHb(peer: PeerConnection | undefined, hb: Hb): void {
    const verdict = this.masternodes.acceptHb(hb, this.deps.scheduler.now());
    if (verdict.kind === 'invalid') {
      if (peer) this.invalid(peer, `hb from ${hex(hb.node)}: ${verdict.reason}`);
      return;
    }
    if (verdict.kind !== 'new') return;
    this.relay.relay({ type: 'heartbeat', hb }, hb.node, peer?.key);
  }

  private onOwnBlock(block: Block): void {
    const verdict = validateBlock(block, this.tipState, this.deps.genesis, this.deps.scheduler.now());
    if (!verdict.ok) {
      this.log.error(`refusing to store our own block ${block.height}: ${verdict.reason}`);
      this.producer.plan();
      return;
    }
    this.storeBlocks([block]);
    this.relay.relay({ type: 'block', block }, verdict.hash, undefined);
    this.log.info(`produced block ${block.height}`, { txs: block.txids.length });
  }

  private storeBlocks(blocks: Block[]): void {
    this.deps.store.append(blocks);
    for (const block of blocks) this.pool.claimed(block.txids);
    this.tipState = this.tipFromStore();
    this.producer.plan();
  }

  /**
   * The store switched to a branch above `ancestor`: its blocks' txids are
   * claimed, their hashes remembered (a late announcement is not relayed),
   * and the producer plans on the new tip, leaving the old one. Read in
   * ranges, so a long branch is never in memory whole.
   */
  private replaced(ancestor: number): void {
    const store = this.deps.store;
    for (let from = ancestor + 1; from <= store.height; ) {
      const blocks = store.getRange(from, store.height, this.deps.limits.blocksAnswerBytes);
      if (blocks.length === 0) break;
      for (const block of blocks) {
        this.pool.claimed(block.txids);
        this.relay.remember('block', blockHash(block));
      }
      from += blocks.length;
    }
    this.tipState = this.tipFromStore();
    this.producer.plan();
  }

  private invalid(peer: PeerConnection, detail: string): void {
    this.counters.invalid++;
    this.log.warn(`invalid from ${peer.key}: ${detail}`, { dir: peer.direction, node: peer.hello?.node.toString('hex').slice(0, 16) });
    this.deps.offence(peer, 'invalidObject', detail);
  }

  private scheduleEviction(): void {
    this.evictTimer = this.deps.scheduler.after(this.deps.genesis.interval, () => {
      const evicted = this.pool.evict(this.deps.scheduler.now(), this.deps.limits.txMaxAgeMs);
      if (evicted > 0) this.log.info(`evicted ${evicted} unfinalized txs from the pool`);
      this.scheduleEviction();
    });
  }

  /**
   * No established peer in a network of several masternodes: our tip may be
   * stale (we just started, or were cut off), and a block produced on it now
   * would fork us off the chain the others kept extending, for good (the
   * first valid block at a height wins). Wait until a peer tells its height.
   */
  private isolated(): boolean {
    return this.deps.registry.size === 0 && this.deps.genesis.schedule.length > 1;
  }

  private genesisTip(): Tip {
    return { height: 0, hash: this.deps.genesis.hash, time: this.deps.genesis.time };
  }

  private tipOf(height: number): Tip | undefined {
    if (height === 0) return this.genesisTip();
    const block = this.deps.store.get(height);
    return block && { height, hash: blockHash(block), time: block.time };
  }

  private tipFromStore(): Tip {
    return this.tipOf(this.deps.store.height) ?? this.genesisTip();
  }
}

function hex(b: Buffer): string {
  return b.toString('hex');
}
