// Which connections exist (PROTOCOL.md §2): accepting and dialing, one
// established connection per IP with the duplicate rule applied the same way
// on both ends, the peer cap, reconnect backoff, and the dial policy for
// learned addresses. It decides; the PeerRegistry holds the result.
import { connect, createServer, Server, Socket } from 'node:net';
import type { NodeConfig } from '../base/config';
import type { Logger } from '../base/log';
import type { RejectCode } from '../wire/errors';
import { encodeMessage, rejectMessage } from '../wire/messages';
import { Backoff } from './backoff';
import { RedialBlocklist } from './redial-blocklist';
import { lengthPrefixFraming } from './framing';
import { secureLengthPrefixFraming } from './secure-framing';
import { compareIps, formatEndpoint, normaliseIp, subnetKey } from './ip';
import { CloseInfo, Direction, PeerConnection, PeerContext, Transport } from './peer-connection';
import type { PeerRegistry } from './peer-registry';
import type { Task } from './scheduler';
import { TrafficTotals } from './traffic';

/** Failed dials after which a learned (not configured) address is dropped from the dial targets. */
export const MAX_LEARNED_ATTEMPTS = 8;

export interface ConnectionPolicy {
  /** A reason to refuse this IP before any handshake (a ban), or undefined. */
  refuse(ip: string): { code: RejectCode; reason: string } | undefined;
  /** Called after a connection is registered as the one for its IP. */
  peerEstablished(peer: PeerConnection): void;
  peerClosed(peer: PeerConnection, info: CloseInfo): void;
}

interface DialTarget {
  ip: string;
  port: number;
  configured: boolean;
  backoff: Backoff;
  timer: Task | undefined;
}

/** What the manager needs beyond the connection context. */
export type ManagerContext = Omit<PeerContext, 'established' | 'closed'> & {
  config: NodeConfig;
  registry: PeerRegistry;
  policy: ConnectionPolicy;
};

export class ConnectionManager {
  private server: Server | undefined;
  private listenIp: string | undefined;
  /** Every open connection, handshaking or established. */
  private readonly open = new Set<PeerConnection>();
  /** What closed connections carried (the live ones are summed at each look): lifetime totals for metrics. */
  readonly closedTraffic = new TrafficTotals();
  private readonly targets = new Map<string, DialTarget>();
  private readonly mismatched = new RedialBlocklist();
  private readonly dialing = new Set<string>();
  private stopped = false;
  private readonly log: Logger;

  constructor(private readonly ctx: ManagerContext) {
    this.log = ctx.log.child('net');
  }

  get connections(): PeerConnection[] {
    return [...this.open];
  }

  /** Addresses we keep dialing (configured, and learned ones not yet given up). */
  get dialTargetCount(): number {
    return this.targets.size;
  }

  /** Our own IP for the dial rules: the listen address when it is a specific one. */
  get ownIp(): string | undefined {
    return this.listenIp;
  }

  listen(ip: string, port: number): Promise<number> {
    this.listenIp = ip === '0.0.0.0' || ip === '::' ? undefined : normaliseIp(ip);
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: ip, port }, () => {
        server.off('error', reject);
        server.on('error', (err) => this.log.error(`listener error: ${err.message}`));
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  /** Keeps a connection to this address: dials now and again after every drop. */
  addConfiguredPeer(ip: string, port: number): void {
    const target = this.target(normaliseIp(ip), port, true);
    this.dialTarget(target);
  }

  /**
   * An address learned from `peers` or `ann` (§2): a higher IP is dialed at
   * once, a lower one only if it has not connected to us within the delay.
   */
  learned(ip: string, port: number): void {
    if (this.stopped || this.isSelf(ip) || this.ctx.registry.get(ip) || this.targets.has(ip)) return;
    if (this.outboundCount() >= Math.min(this.ctx.config.limits.targetOutbound, this.ctx.config.limits.maxOutbound)) return;
    const target = this.target(ip, port, false);
    const own = this.ownIp;
    if (!own || compareIps(ip, own) > 0) {
      this.dialTarget(target);
    } else {
      target.timer = this.ctx.scheduler.after(this.ctx.config.timings.lowerIpDialDelayMs, () => this.dialTarget(target));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.targets.values()) this.ctx.scheduler.cancel(t.timer);
    for (const peer of this.open) peer.close(undefined, 'node shutting down');
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private target(ip: string, port: number, configured: boolean): DialTarget {
    let target = this.targets.get(ip);
    if (!target) {
      target = { ip, port, configured, backoff: new Backoff(this.ctx.config.timings), timer: undefined };
      this.targets.set(ip, target);
    }
    target.port = port;
    target.configured ||= configured;
    return target;
  }

  private isSelf(ip: string): boolean {
    return ip === this.ownIp;
  }

  private outboundCount(): number {
    let n = 0;
    for (const p of this.ctx.registry.all()) if (p.direction === 'outbound') n++;
    return n + this.dialing.size;
  }

  private dialTarget(target: DialTarget): void {
    this.ctx.scheduler.cancel(target.timer);
    target.timer = undefined;
    if (this.stopped || this.dialing.has(target.ip) || this.ctx.registry.get(target.ip)) return;
    const blockedUntil = this.mismatched.blockedUntil(target.ip, this.ctx.scheduler.now());
    if (blockedUntil !== undefined) {
      this.log.info(`not dialing ${target.ip}: it failed the network/genesis check; retry after ${new Date(blockedUntil).toISOString()}`);
      target.timer = this.ctx.scheduler.after(blockedUntil - this.ctx.scheduler.now(), () => this.dialTarget(target));
      return;
    }
    this.dialing.add(target.ip);
    const socket = connect({ host: target.ip, port: target.port, localAddress: this.listenIp });
    socket.once('connect', () => {
      this.dialing.delete(target.ip);
      if (this.stopped) return void socket.destroy(); // stop() came while this dial was in flight
      this.startConnection(socket, 'outbound');
    });
    socket.once('error', (err) => {
      if (!this.dialing.delete(target.ip)) return;
      socket.destroy();
      this.log.debug(`dial ${formatEndpoint(target.ip, target.port)} failed: ${err.message}`);
      this.scheduleRedial(target);
    });
  }

  private scheduleRedial(target: DialTarget): void {
    if (this.stopped || target.timer) return;
    // A learned address is given up after a few failures (it may be gone for good); a configured peer never is.
    if (!target.configured && (this.outboundCount() >= this.ctx.config.limits.targetOutbound || target.backoff.attempt >= MAX_LEARNED_ATTEMPTS)) {
      this.targets.delete(target.ip);
      return;
    }
    const delay = target.backoff.next();
    this.log.debug(`redialing ${target.ip} in ${delay} ms (attempt ${target.backoff.attempt})`);
    target.timer = this.ctx.scheduler.after(delay, () => this.dialTarget(target));
  }

  private accept(socket: Socket): void {
    const ip = normaliseIp(socket.remoteAddress ?? '');
    const refusal = this.ctx.policy.refuse(ip) ?? this.capRefusal(ip);
    if (refusal) {
      // Refused before any handshake: tell the peer why, then hang up.
      this.log.info(`refusing ${ip}: ${refusal.reason}`, { code: refusal.code });
      socket.end(lengthPrefixFraming(this.ctx.config.limits.maxFrame).encode(encodeMessage(rejectMessage(refusal.code, refusal.reason))));
      socket.resume(); // discard their hello: unread data would keep 'end' (and so the close) from ever coming
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    this.startConnection(socket, 'inbound');
  }

  private capRefusal(ip: string): { code: RejectCode; reason: string } | undefined {
    if (this.ctx.registry.get(ip)) return undefined; // a reconnect replaces, it does not add
    const limits = this.ctx.config.limits;
    if (this.open.size >= limits.maxPeers) return { code: 'full', reason: `peer limit of ${limits.maxPeers} reached` };
    let inbound = 0;
    let sameSubnet = 0;
    const subnet = subnetKey(ip);
    for (const c of this.open) {
      if (c.direction !== 'inbound') continue;
      inbound++;
      if (subnet !== undefined && subnetKey(c.key) === subnet) sameSubnet++;
    }
    if (inbound >= limits.maxInbound) return { code: 'full', reason: `inbound limit of ${limits.maxInbound} reached` };
    if (sameSubnet >= limits.maxInboundPerSubnet) {
      return { code: 'full', reason: `${limits.maxInboundPerSubnet} inbound connections from ${subnet} already` };
    }
    return undefined;
  }

  private startConnection(socket: Socket, direction: Direction): void {
    socket.setNoDelay(true);
    const remoteIp = normaliseIp(socket.remoteAddress ?? '');
    this.attach({
      stream: socket,
      framing: secureLengthPrefixFraming({ maxFrame: this.ctx.config.limits.maxFrame }),
      direction,
      key: remoteIp,
      localIp: normaliseIp(socket.localAddress ?? ''),
      remote: formatEndpoint(remoteIp, socket.remotePort ?? 0),
    });
  }

  /** Runs a connection over any transport (TCP here, serial links from serial-transport.ts) under the same rules. */
  attach(transport: Transport, closed?: (peer: PeerConnection, info: CloseInfo) => void): PeerConnection {
    const peer = new PeerConnection(transport, {
      ...this.ctx,
      established: (p) => this.onEstablished(p),
      closed: (p, info) => {
        this.onClosed(p, info);
        closed?.(p, info);
      },
    });
    this.open.add(peer);
    peer.start();
    return peer;
  }

  private onEstablished(peer: PeerConnection): void {
    const refusal = this.ctx.policy.refuse(peer.key);
    if (refusal) return peer.close(refusal.code, refusal.reason);
    const existing = this.ctx.registry.get(peer.key);
    if (existing && existing !== peer && existing.isOpen) {
      const loser = this.duplicateLoser(existing, peer);
      loser.close('duplicate', loser === peer ? `already connected to ${peer.key} (dial race: keeping the connection dialed by the lower IP)` : `replaced by a newer connection from ${peer.key}`);
      if (loser === peer) return;
    } else if (this.ctx.registry.size >= this.ctx.config.limits.maxPeers) {
      return peer.close('full', `peer limit of ${this.ctx.config.limits.maxPeers} reached`);
    }
    this.ctx.registry.register(peer);
    this.log.info(`established ${peer.direction} ${peer.remote} (${peer.encrypted ? 'encrypted' : 'PLAINTEXT: the peer offered no kx'})`, {
      node: peer.hello?.node.toString('hex').slice(0, 16),
      height: peer.height,
    });
    this.ctx.policy.peerEstablished(peer);
  }

  /**
   * §2: the newer connection replaces the older (the peer reconnected),
   * except in a dial race — opposite directions, established within the
   * window — where both ends keep the one dialed by the numerically lower IP.
   */
  private duplicateLoser(older: PeerConnection, newer: PeerConnection): PeerConnection {
    const race = older.direction !== newer.direction && newer.establishedAt - older.establishedAt < this.ctx.config.timings.dialRaceWindowMs;
    if (!race) return older;
    const weAreLower = compareIps(newer.localIp, newer.key) < 0;
    const keep: Direction = weAreLower ? 'outbound' : 'inbound';
    return newer.direction === keep ? older : newer;
  }

  private onClosed(peer: PeerConnection, info: CloseInfo): void {
    this.open.delete(peer);
    this.closedTraffic.add(peer);
    const wasRegistered = this.ctx.registry.get(peer.key) === peer;
    this.ctx.registry.unregister(peer);
    if (info.code === 'network' || info.code === 'genesis') {
      const now = this.ctx.scheduler.now();
      this.mismatched.block(peer.key, now + this.ctx.config.timings.mismatchRedialMs, now);
      this.log.warn(`${peer.key} is on another ${info.code}; not redialing for ${this.ctx.config.timings.mismatchRedialMs / 60_000} min: ${info.reason}`);
    }
    if (wasRegistered) {
      this.log.info(`closed ${peer.direction} ${peer.remote}: ${info.reason}`, { code: info.code, by: info.byPeer ? 'peer' : 'us', node: peer.hello?.node.toString('hex').slice(0, 16) });
      this.ctx.policy.peerClosed(peer, info);
    }
    const target = this.targets.get(peer.key);
    if (!target) return;
    if (peer.establishedAt > 0 && this.ctx.scheduler.now() - peer.establishedAt >= this.ctx.config.timings.reconnectResetAfterMs) {
      target.backoff.reset();
    }
    // A connection that lost the duplicate rule is not a drop: the peer is still connected.
    if (info.code === 'duplicate' || this.ctx.registry.get(peer.key)) return;
    if (peer.direction === 'outbound' || target.configured) this.scheduleRedial(target);
  }
}
