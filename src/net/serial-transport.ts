// Serial links (PROTOCOL.md §1, §2): opens each `--serial PATH[:BAUD]` port
// with the serialport package and runs a PeerConnection over it through the
// ConnectionManager, keyed `serial:PATH`, so the duplicate, ban and registry
// rules apply as on TCP. When the port vanishes (USB adapter unplugged) the
// connection closes and the port is reopened with the §2 backoff until it
// returns; when only the connection ends (timeout, the far end restarted) a
// new one starts on the port that stays open.
//
// Each connection gets its own LinkStream over the port: a PeerConnection
// destroys its stream when it closes, and the port outlives it.
import { Duplex } from 'node:stream';
import type { SerialPort } from 'serialport';
import type { NodeConfig } from '../base/config';
import type { Logger } from '../base/log';
import { encodeSerialFrame } from '../wire/serial-frame';
import { Backoff } from './backoff';
import { secureSerialFraming } from './secure-framing';
import type { CloseInfo, PeerConnection, Transport } from './peer-connection';
import type { Scheduler, Task } from './scheduler';
import { SerialLine } from './serial-line';
import { SerialSpec, serialKey } from './serial-spec';

/** The port as the link uses it: a byte stream that can be closed. */
export type SerialPortLike = Duplex & { readonly isOpen: boolean; close(cb?: (err: Error | null) => void): void };

export type PortOpener = (spec: SerialSpec, highWaterMark: number) => Promise<SerialPortLike>;

let loaded: { port: typeof SerialPort } | { error: string } | undefined;

/**
 * The serialport package, loaded on first use: its addon loads with it, and
 * a node without --serial never needs it. Throws with the reason when it
 * cannot load (the portable bundle carries no addon).
 */
export function loadSerialPort(): typeof SerialPort {
  if (!loaded) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      loaded = { port: (require('serialport') as { SerialPort: typeof SerialPort }).SerialPort };
    } catch (err) {
      loaded = { error: `the serialport addon does not load: ${(err as Error).message}` };
    }
  }
  if ('error' in loaded) throw new Error(loaded.error);
  return loaded.port;
}

export const openSerialPort: PortOpener = (spec, highWaterMark) =>
  new Promise((resolve, reject) => {
    const Port = loadSerialPort();
    const port = new Port({ path: spec.path, baudRate: spec.baud, autoOpen: false, highWaterMark, lock: true });
    port.open((err) => (err ? reject(err) : resolve(port)));
  });

/** What the links need of the ConnectionManager. */
export interface LinkHost {
  attach(transport: Transport, closed: (peer: PeerConnection, info: CloseInfo) => void): PeerConnection;
}

/** One connection's view of the port: writes complete when the port took the bytes; reads pause the port. */
class LinkStream extends Duplex {
  constructor(
    private readonly port: SerialPortLike,
    highWaterMark: number,
  ) {
    super({ highWaterMark, allowHalfOpen: false });
  }

  /** Bytes from the port; false when this stream is full (the caller pauses the port). */
  deliver(chunk: Buffer): boolean {
    return this.push(chunk);
  }

  override _read(): void {
    if (this.port.isOpen) this.port.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    if (!this.port.isOpen) return done(new Error('serial port closed'));
    this.port.write(chunk, (err) => done(err ?? null));
  }

  override _final(done: (err?: Error | null) => void): void {
    done();
  }
}

interface Link {
  spec: SerialSpec;
  key: string;
  port: SerialPortLike | undefined;
  stream: LinkStream | undefined;
  peer: PeerConnection | undefined;
  backoff: Backoff;
  timer: Task | undefined;
  statsTimer: Task | undefined;
  /** Times the port was opened (1 after the first open), for logs and status. */
  opens: number;
  lastError: string | undefined;
}

export interface SerialLinkStatus {
  path: string;
  baud: number;
  open: boolean;
  opens: number;
  lastError: string | undefined;
}

export class SerialLinks {
  private readonly links = new Map<string, Link>();
  private stopped = false;
  private readonly log: Logger;

  constructor(
    private readonly host: LinkHost,
    private readonly config: NodeConfig,
    private readonly scheduler: Scheduler,
    log: Logger,
    private readonly open: PortOpener = openSerialPort,
  ) {
    this.log = log.child('serial');
  }

  /** Keeps a connection over this port: opens it now and again after every loss. */
  add(spec: SerialSpec): void {
    const key = serialKey(spec.path);
    if (this.links.has(key)) return;
    const link: Link = { spec, key, port: undefined, stream: undefined, peer: undefined, backoff: new Backoff(this.config.timings), timer: undefined, statsTimer: undefined, opens: 0, lastError: undefined };
    this.links.set(key, link);
    this.openPort(link);
  }

  status(): SerialLinkStatus[] {
    return [...this.links.values()].map((l) => ({ path: l.spec.path, baud: l.spec.baud, open: l.port?.isOpen ?? false, opens: l.opens, lastError: l.lastError }));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const closing: Promise<void>[] = [];
    for (const link of this.links.values()) {
      this.scheduler.cancel(link.timer);
      this.scheduler.cancel(link.statsTimer);
      link.peer?.close(undefined, 'node shutting down');
      const port = link.port;
      if (port?.isOpen) closing.push(new Promise((done) => port.close(() => done())));
    }
    await Promise.all(closing);
  }

  private openPort(link: Link): void {
    link.timer = undefined;
    if (this.stopped) return;
    this.open(link.spec, this.config.serial.batchBytes * 4).then(
      (port) => {
        if (this.stopped) return void port.close();
        link.opens++;
        link.port = port;
        link.lastError = undefined;
        this.log.info(`opened ${link.spec.path} at ${link.spec.baud} baud`, { opens: link.opens });
        port.on('data', (chunk: Buffer) => {
          // Between connections (backoff) the bytes are stale: read and dropped, so the line never backs up.
          if (link.stream && !link.stream.deliver(chunk)) port.pause();
        });
        port.on('error', (err: Error) => this.log.warn(`${link.spec.path}: ${err.message}`));
        port.once('close', (err: Error | null) => this.portClosed(link, port, err));
        this.connect(link, undefined);
      },
      (err: Error) => {
        link.lastError = err.message;
        this.retry(link, `cannot open ${link.spec.path}: ${err.message}`);
      },
    );
  }

  private portClosed(link: Link, port: SerialPortLike, err: Error | null): void {
    if (link.port !== port) return;
    link.port = undefined;
    link.lastError = err?.message;
    // The connection sees its stream end; it reports the close, which schedules nothing while the port is gone.
    link.stream?.destroy();
    if (!this.stopped) this.retry(link, `${link.spec.path} closed${err ? `: ${err.message}` : ''}`);
  }

  /** §2 backoff: 1 s, 2 s, 4 s … capped, the same for a port that will not open and a connection that dropped. */
  private retry(link: Link, why: string): void {
    if (this.stopped || link.timer) return;
    const delay = link.backoff.next();
    this.log.info(`${why}; retrying in ${delay} ms (attempt ${link.backoff.attempt})`);
    link.timer = this.scheduler.after(delay, () => (link.port?.isOpen ? this.connect(link, undefined) : this.openPort(link)));
  }

  /** Starts a connection on the open port; `firstFrame` is a hello the previous connection received for this one (the far end restarted). */
  private connect(link: Link, firstFrame: Buffer | undefined): void {
    link.timer = undefined;
    const port = link.port;
    if (this.stopped || !port?.isOpen) return;
    const settings = this.config.serial;
    const stream = new LinkStream(port, settings.batchBytes * 4);
    link.stream = stream;
    const line = new SerialLine(link.spec.path, link.spec.baud, settings, this.config.limits.maxFrame, this.scheduler.now);
    const transport: Transport = {
      stream,
      framing: secureSerialFraming({ maxFrame: this.config.limits.maxFrame }),
      // Both ends open their port: neither dials. One link per key, so the dial-race rule never applies.
      direction: 'outbound',
      key: link.key,
      localIp: '',
      remote: link.spec.path,
      line,
      restart: (hello) => this.scheduler.after(0, () => this.connect(link, encodeSerialFrame(hello))),
    };
    link.peer = this.host.attach(transport, (peer, info) => this.connectionClosed(link, peer, info));
    if (firstFrame) stream.deliver(firstFrame);
    port.resume();
    this.scheduleStats(link);
  }

  private connectionClosed(link: Link, peer: PeerConnection, info: CloseInfo): void {
    if (link.peer !== peer) return;
    link.peer = undefined;
    // A restarted connection leaves its stream open (finish() destroys only on a close by the far end).
    link.stream?.destroy();
    link.stream = undefined;
    this.scheduler.cancel(link.statsTimer);
    this.log.info(`link ${link.spec.path} closed: ${info.reason}`, { ...this.statsFields(peer), code: info.code });
    if (peer.establishedAt > 0 && this.scheduler.now() - peer.establishedAt >= this.config.timings.reconnectResetAfterMs) link.backoff.reset();
    if (info.code === 'restarted' || this.stopped) return;
    if (info.code === 'network' || info.code === 'genesis') {
      this.log.warn(`${link.spec.path}: the far end is on another ${info.code}; retrying in ${this.config.timings.mismatchRedialMs / 60_000} min`);
      link.timer = this.scheduler.after(this.config.timings.mismatchRedialMs, () => this.connect(link, undefined));
      return;
    }
    if (link.port?.isOpen) this.retry(link, `connection on ${link.spec.path} ended`);
  }

  private scheduleStats(link: Link): void {
    this.scheduler.cancel(link.statsTimer);
    link.statsTimer = this.scheduler.after(this.config.serial.statsLogIntervalMs, () => {
      const peer = link.peer;
      if (!peer) return;
      if (peer.state === 'established') this.log.info(`link ${link.spec.path}`, this.statsFields(peer));
      this.scheduleStats(link);
    });
  }

  private statsFields(peer: PeerConnection): Record<string, string | number | undefined> {
    const s = peer.line?.stats();
    return {
      baud: s?.baud,
      node: peer.hello?.node.toString('hex').slice(0, 16),
      inBps: s?.bytesPerSecIn,
      outBps: s?.bytesPerSecOut,
      crcDrops: peer.framesDropped,
      refusedLarge: s?.refusedLarge,
      rttMs: peer.ping.stats.rttSmoothedMs === undefined ? undefined : Math.round(peer.ping.stats.rttSmoothedMs),
    };
  }
}
