// The composition root: builds the parts, connects the one handler table to
// them, and reports status. No rules live here; each concern has its module.
import type { Server as HttpServer } from 'node:http';
import type { Server } from 'node:net';
import { BlockStore } from '../chain/block-store';
import { Chain, ChainLimits, DEFAULT_CHAIN_LIMITS } from '../chain/chain';
import type { Genesis } from '../chain/genesis';
import { BanList, OffenceKind } from '../chain/misbehaviour';
import { DEFAULT_SYNC_TIMINGS, SYNC_BLOCKS_FOR_WORKERS, SyncTimings } from '../chain/sync';
import type { KeyPair } from '../crypto';
import { LAZY_START_CHECKS, VerifyPool } from '../crypto/verify-pool';
import { verifyBackendImpl } from '../crypto';
import { signatureChecks, type ChainView } from '../chain/signature-checks';
import { AddressBook } from '../net/address-book';
import { AddressGossip } from '../net/address-gossip';
import { ConnectionManager } from '../net/connection-manager';
import { backendChoices } from '../base/hotpath-selection';
import { InboundBudget } from '../net/inbound-budget';
import { parseEndpoint } from '../net/ip';
import type { DomainHandlers, PeerConnection } from '../net/peer-connection';
import { PeerRegistry } from '../net/peer-registry';
import { Scheduler } from '../net/scheduler';
import type { SerialSpec } from '../net/serial-spec';
import { SerialLinks } from '../net/serial-transport';
import { UnknownTypeLog } from '../net/traffic';
import type { NodeConfig } from '../base/config';
import type { Logger } from '../base/log';
import { closeControlSocket, ControlSocketError, openControlSocket } from './control-socket';
import { NodeStatus, StatusSource, statusOf } from './status';
import { AliveSummary } from './summary';
import { StatusHistory } from './history';
import { closeMetricsServer, openMetricsServer } from './metrics-server';

export const AGENT = 'timenode/0.1.0';

export interface NodeOptions {
  keys: KeyPair;
  genesis: Genesis;
  dataDir: string;
  /** "IP:PORT" to listen on. */
  listen: string;
  /** "IP:PORT" peers to keep connected (§2: dialed at once, whatever their IP). */
  peers: string[];
  config: NodeConfig;
  log: Logger;
  /** Serial ports to keep a link on (`--serial PATH[:BAUD]`). */
  serial?: SerialSpec[];
  chainLimits?: Partial<ChainLimits>;
  syncTimings?: Partial<SyncTimings>;
  banMs?: number;
  /** --max-memory in bytes, for status (memory against the budget). */
  budgetBytes?: number;
  /** --metrics "IP:PORT": /metrics, the status page and /status.json; off when absent. */
  metrics?: string;
}

export class Node implements StatusSource {
  readonly scheduler = new Scheduler();
  readonly registry = new PeerRegistry();
  readonly addressBook: AddressBook;
  readonly manager: ConnectionManager;
  readonly serialLinks: SerialLinks;
  readonly chain: Chain;
  readonly bans: BanList;
  readonly store: BlockStore;
  private readonly gossip: AddressGossip;
  readonly inboundBudget: InboundBudget;
  /** Signature checks on worker threads; undefined with verifyThreads 0 (verified inline as handled). */
  readonly verifyPool: VerifyPool | undefined;
  private view: ChainView | undefined;
  private readonly log: Logger;
  private control: Server | undefined;
  private metricsServer: HttpServer | undefined;
  /** The sample ring and RTT histogram behind the status page and /metrics; kept only with --metrics. */
  history!: StatusHistory;
  private summary: AliveSummary | undefined;
  private readonly startedAt = Date.now();
  private gossipTimer: ReturnType<Scheduler['after']> | undefined;
  private saveTimer: ReturnType<Scheduler['after']> | undefined;
  private port = 0;

  constructor(private readonly opts: NodeOptions) {
    const { config, genesis, keys, log } = opts;
    this.log = log;
    const listen = parseEndpoint(opts.listen);
    this.port = listen.port;
    this.inboundBudget = new InboundBudget(config.limits.inboundBufferBytes);
    const threads = config.limits.verifyThreads;
    this.verifyPool =
      threads > 0 ? new VerifyPool({ threads, chunkSize: config.limits.verifyChunk, lazy: true, holdStart: () => this.shortSync(), warn: (line) => log.warn(line) }) : undefined;
    const pool = this.verifyPool;
    this.store = BlockStore.open(opts.dataDir, genesis.hash);
    const report = this.store.openReport;
    if (report.truncatedBytes > 0) log.warn(`block store: dropped ${report.truncatedBytes} damaged bytes after height ${report.height}: ${report.reason ?? ''}`);
    if (report.replayed) log.warn(`block store: finished a chain switch cut short by a crash: ${report.replayed.blocks} blocks above height ${report.replayed.ancestor}`);
    if (report.journalProblem) log.warn(`block store: ${report.journalProblem}`);
    this.bans = new BanList(opts.dataDir, { banMs: opts.banMs }, (line) => log.warn(line));
    this.bans.load(Date.now());
    this.addressBook = new AddressBook(config.limits.maxAddresses, opts.dataDir, log);
    this.addressBook.load();
    this.chain = new Chain({
      genesis,
      keys,
      store: this.store,
      registry: this.registry,
      scheduler: this.scheduler,
      log,
      limits: { ...DEFAULT_CHAIN_LIMITS, ...opts.chainLimits },
      sync: { ...DEFAULT_SYNC_TIMINGS, ...opts.syncTimings },
      endpoint: { ip: listen.ip, port: listen.port },
      offence: (peer, kind, detail) => this.offence(peer, kind, detail),
      learnedAddress: (ip, port) => this.gossip.learn(ip, port, Date.now()),
    });
    this.manager = new ConnectionManager({
      identity: { network: genesis.network, genesis: genesis.hash, node: keys.publicKey, port: listen.port, agent: AGENT },
      keys,
      config,
      scheduler: this.scheduler,
      log,
      unknownTypes: new UnknownTypeLog(),
      inboundBudget: this.inboundBudget,
      ...(pool && { batchVerifier: { checksOf: (msg) => signatureChecks(msg, this.chainView()), verify: (checks) => pool.verify(checks) } }),
      chain: () => this.chain.position(),
      handlers: this.domainHandlers(),
      heightSeen: (peer) => {
        this.chain.heightSeen(peer);
        // A long sync is starting: its answers bring up to 500 signatures each, so the workers should
        // be up early rather than boot while it runs. A short one is over before they would help.
        if (this.chain.sync.remaining() >= SYNC_BLOCKS_FOR_WORKERS) this.verifyPool?.start();
      },
      offence: (peer, kind, detail) => this.offence(peer, kind, detail),
      registry: this.registry,
      policy: {
        refuse: (ip) => {
          const ban = this.bans.isBanned(ip, Date.now());
          return ban && { code: 'banned', reason: `banned until ${new Date(ban.until).toISOString()}: ${ban.reason}` };
        },
        peerEstablished: (peer) => {
          this.gossip.peerEstablished(peer);
          this.chain.peerEstablished(peer);
        },
        peerClosed: (peer) => this.chain.peerClosed(peer),
      },
    });
    this.serialLinks = new SerialLinks(this.manager, config, this.scheduler, log);
    this.gossip = new AddressGossip(this.addressBook, this.registry, this.manager, () => Date.now());
  }

  async start(): Promise<void> {
    const listen = parseEndpoint(this.opts.listen);
    this.port = await this.manager.listen(listen.ip, listen.port);
    this.log.info(`listening on ${this.opts.listen}`, {
      node: this.opts.keys.publicKey.toString('hex'),
      network: this.opts.genesis.network,
      genesis: this.opts.genesis.hash.toString('hex'),
      height: this.chain.position().height,
      masternode: this.chain.isMasternode,
    });
    // A chosen default (ts where it measured faster, TIMENODE_NATIVE=0) is information; only
    // a native path that was wanted and could not load is a warning: a silent slowdown otherwise.
    for (const c of backendChoices()) {
      if (c.failed) this.log.warn(`hot path ${c.path}: native failed, running ${c.impl}: ${c.why}`);
      else this.log.info(`hot path ${c.path}: ${c.impl}: ${c.why}`);
    }
    this.log.info(this.verifyThreadsLine());
    for (const spec of this.opts.serial ?? []) this.serialLinks.add(spec);
    for (const peer of this.opts.peers) {
      const { ip, port } = parseEndpoint(peer);
      this.manager.addConfiguredPeer(ip, port);
    }
    // Addresses remembered from the last run: the node finds its network again without a seed.
    for (const e of this.addressBook.best(this.opts.config.limits.targetOutbound)) this.manager.learned(e.ip, e.port);
    this.chain.start();
    this.scheduleGossip();
    this.scheduleAddressSave();
    await this.openControl();
    if (this.opts.metrics !== undefined) {
      const at = parseEndpoint(this.opts.metrics);
      this.history = new StatusHistory(this.scheduler, this.opts.config.timings.historySampleMs, () => this.status());
      this.metricsServer = await openMetricsServer(at.ip, at.port, this);
      this.log.info(`metrics on http://${this.opts.metrics}/metrics, status page on http://${this.opts.metrics}/`);
    }
    this.summary = new AliveSummary(this.scheduler, this.opts.config.timings.summaryIntervalMs, () => this.status(), this.log);
  }

  /** DATA/control.sock for `timenode status`; only a live node already on this data folder stops the start. */
  private async openControl(): Promise<void> {
    try {
      this.control = await openControlSocket(this.opts.dataDir, (request) => {
        if (request === 'status') return this.status();
        return { error: `unknown request ${JSON.stringify(request)} (known: status)` };
      });
    } catch (err) {
      if (err instanceof ControlSocketError) throw err;
      this.log.warn(`no control socket, \`timenode status\` cannot reach this node: ${(err as Error).message}`);
    }
  }

  async stop(): Promise<void> {
    this.summary?.stop();
    if (this.metricsServer) {
      this.history.stop();
      await closeMetricsServer(this.metricsServer);
    }
    if (this.control) await closeControlSocket(this.control, this.opts.dataDir);
    this.scheduler.cancel(this.gossipTimer);
    this.scheduler.cancel(this.saveTimer);
    this.chain.stop();
    await this.serialLinks.stop();
    await this.manager.stop();
    await this.verifyPool?.close();
    this.addressBook.save();
    this.scheduler.stop();
    this.store.close();
  }

  get identityKey(): string {
    return this.opts.keys.publicKey.toString('hex');
  }

  get listenPort(): number {
    return this.port;
  }

  get network(): string {
    return this.opts.genesis.network;
  }

  get genesisHash(): string {
    return this.opts.genesis.hash.toString('hex');
  }

  get agent(): string {
    return AGENT;
  }

  get budgetBytes(): number {
    return this.opts.budgetBytes ?? 0;
  }

  get sendQueueBytesPerPeer(): number {
    return this.opts.config.limits.sendQueueBytes;
  }

  status(): NodeStatus {
    return statusOf(this, this.startedAt);
  }

  /** A sync under way that will be over before a verify worker could pay for its boot. */
  private shortSync(): boolean {
    const left = this.chain.sync.remaining();
    return left > 0 && left < SYNC_BLOCKS_FOR_WORKERS;
  }

  /** What signatureChecks needs of the chain to list only the checks the chain will make. */
  private chainView(): ChainView {
    const chain = this.chain;
    return (this.view ??= {
      isMasternode: (key) => chain.masternodes.isMember(key),
      knowsTx: (txid) => chain.pool.knows(txid),
      isFinal: (txid) => chain.pool.isFinal(txid),
      height: () => chain.position().height,
    });
  }

  private verifyThreadsLine(): string {
    const pool = this.verifyPool;
    if (pool === undefined) return 'signatures verified on the main thread (--verify-threads 0)';
    if (pool.inlineReason !== undefined) return `signatures verified on the main thread: ${pool.inlineReason}`;
    const n = this.opts.config.limits.verifyThreads;
    return (
      `signatures verified on ${n} worker thread${n === 1 ? '' : 's'} (${verifyBackendImpl()}, started at the first batch of ` +
      `${LAZY_START_CHECKS} or more) and on the main thread when they are busy`
    );
  }

  private scheduleGossip(): void {
    this.gossipTimer = this.scheduler.after(this.opts.config.timings.getPeersIntervalMs, () => {
      if (this.registry.size < this.opts.config.limits.targetOutbound) this.gossip.askAll();
      this.scheduleGossip();
    });
  }

  private scheduleAddressSave(): void {
    this.saveTimer = this.scheduler.after(this.opts.config.timings.addressSaveIntervalMs, () => {
      this.addressBook.save();
      this.scheduleAddressSave();
    });
  }

  private offence(peer: PeerConnection, kind: OffenceKind, detail: string): void {
    const result = this.bans.offence(peer.key, kind, Date.now(), detail);
    if (result.banned) {
      this.log.warn(`banning ${peer.key}: score ${result.score} reached the limit; last offence: ${detail}`);
      peer.close('banned', `banned: ${detail}`);
    }
  }

  /** The handler table for every type the connection does not handle itself; the compiler checks it is complete. */
  private domainHandlers(): DomainHandlers {
    const chain = (): Chain => this.chain;
    return {
      get_peers: (peer) => this.gossip.onGetPeers(peer),
      peers: (peer, msg) => this.gossip.onPeers(peer, msg),
      tx: (peer, msg) => chain().onTx(peer, msg),
      vote: (peer, msg) => chain().onVote(peer, msg),
      finalized: (peer, msg) => chain().onFinalized(peer, msg),
      utxo_state: (peer, msg) => chain().onUtxoState(peer, msg),
      block: (peer, msg) => chain().onBlock(peer, msg),
      get_blocks: (peer, msg) => chain().onGetBlocks(peer, msg),
      blocks: (peer, msg) => chain().onBlocks(peer, msg),
      masternode: (peer, msg) => chain().onMasternode(peer, msg),
      heartbeat: (peer, msg) => chain().onHeartbeat(peer, msg),
    };
  }
}
