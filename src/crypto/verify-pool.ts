// Signature checks on every core: a small pool of worker threads
// (verify-worker.ts) that answers batches of (public key, message, signature)
// checks, verdicts in the order asked. A batch is cut into chunks; each
// worker holds at most WORKER_DEPTH chunks so it never waits for the main
// thread to hand it the next, and whatever is still queued beyond that the
// main thread verifies itself, oldest first, one chunk per event-loop turn
// (so the workers' answers keep being collected in between). A worker that dies is replaced
// and its chunks are redone; a chunk that kills a second worker is verified
// on the main thread, whose verdict is the reference anyway.
//
// Our own pool rather than piscina: the job is one fixed function over
// transferred ArrayBuffers, and piscina's task queue, per-task promises and
// abort plumbing would add per-message cost and a dependency for nothing
// this file does not already do in ~200 lines.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { SignedMessage } from './backend';
import { verify, verifyBackendImpl } from './index';
import { decodeReply, encodeRequest, fitsWire, FromWorker, ToWorker, VERIFY_WORKER_ROLE, VerifyWorkerData } from './verify-batch-wire';

/** Checks per worker message; bench/verify-pool.ts measured the round trip that chose it (see README). */
export const DEFAULT_VERIFY_CHUNK = 64;
/**
 * Chunks one worker holds at once, so it never idles while the main thread is
 * busy handling a batch and cannot hand it the next: with 2, a relay flood
 * left the worker doing 55 % of the verifies and the main thread the rest on
 * top of its own work; with 4 the two were even (README, "Verification on
 * every core").
 */
const WORKER_DEPTH = 4;
/** Workers that die before saying ready, in a row, before the pool gives up and verifies inline. */
const MAX_START_FAILURES = 3;
/** Times a chunk is sent to a fresh worker after the one holding it died. */
const MAX_REDO = 1;
/** A lazy pool starts its workers at the first batch this large: smaller ones are verified inline until then. */
export const LAZY_START_CHECKS = 16;
/** A worker thread's own heap: it holds a few batches and nothing else (its RSS is measured in README). */
const WORKER_RESOURCE_LIMITS = { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 1 };

export interface VerifyPoolOptions {
  threads: number;
  /** Checks per worker message. */
  chunkSize?: number;
  /** Where a worker's problems are reported (a crash, a replacement, giving up). */
  warn?: (line: string) => void;
  /**
   * Start the workers only when the first batch of LAZY_START_CHECKS checks
   * comes: a node that is idle (or sees a trickle) pays no worker's RSS.
   */
  lazy?: boolean;
  /**
   * Asked when a lazy pool would start: true keeps the workers down for now
   * (the load will be over before one could boot). Asked only then, never
   * per batch once they run.
   */
  holdStart?: () => boolean;
  /** Tests only: a worker that meets this exact message exits mid-chunk, to prove the redo. */
  crashOnMessage?: Uint8Array;
}

export interface VerifyPoolStats {
  /** Chunks answered by a worker / by the main thread. */
  workerChunks: number;
  inlineChunks: number;
  crashes: number;
  redone: number;
}

interface Job {
  verdicts: boolean[];
  pending: number;
  resolve(verdicts: boolean[]): void;
}

interface Chunk {
  job: Job;
  offset: number;
  checks: SignedMessage[];
  attempts: number;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  impl: string | undefined;
  inFlight: Map<number, Chunk>;
  /** Settles when the worker said ready, or died before it could. */
  settled: Promise<void>;
  settle(): void;
}

/** The worker script: the transpiled module beside this one, or the bundle itself (src/sea/main.ts routes it); none in a single executable. */
export function verifyWorkerScript(): string | undefined {
  const beside = join(__dirname, 'verify-worker.js');
  if (existsSync(beside)) return beside;
  let sea = false;
  try {
    sea = (require('node:sea') as typeof import('node:sea')).isSea();
  } catch {
    sea = false;
  }
  return sea ? undefined : __filename;
}

export class VerifyPool {
  readonly stats: VerifyPoolStats = { workerChunks: 0, inlineChunks: 0, crashes: 0, redone: 0 };
  private readonly slots = new Set<Slot>();
  private readonly queue: Chunk[] = [];
  private readonly chunkSize: number;
  private readonly impl = verifyBackendImpl();
  private readonly script: string | undefined;
  private nextId = 1;
  private inlineScheduled = false;
  private startFailures = 0;
  private closing = false;
  private disabled: string | undefined;
  private started = false;
  private readonly exits: Promise<void>[] = [];

  constructor(private readonly opts: VerifyPoolOptions) {
    if (!Number.isSafeInteger(opts.threads) || opts.threads < 0) throw new RangeError(`verify threads must be a whole number ≥ 0, got ${opts.threads}`);
    this.chunkSize = opts.chunkSize ?? DEFAULT_VERIFY_CHUNK;
    this.script = verifyWorkerScript();
    if (opts.threads > 0 && this.script === undefined) this.disable('a single executable has no script file to start a worker thread from');
    if (!opts.lazy) this.start();
  }

  /** Chunks waiting for a worker (or for the main thread): the pool's queue, for metrics. */
  get queuedChunks(): number {
    return this.queue.length;
  }

  /** Whether the workers were started (a lazy pool starts them at its first large batch). */
  get running(): boolean {
    return this.started;
  }

  /** Starts the workers now, if they are not running (a lazy pool otherwise waits for its first large batch). */
  start(): void {
    if (this.started || this.disabled !== undefined || this.closing) return;
    this.started = true;
    for (let i = 0; i < this.opts.threads; i++) this.spawn();
  }

  /** Workers running now (0 once closed, or after the pool gave up on them). */
  get threads(): number {
    return this.slots.size;
  }

  /** The backend each live worker said it runs ("sodium-native", "node:crypto"); undefined until it is ready. */
  get workerImpls(): (string | undefined)[] {
    return [...this.slots].map((s) => s.impl);
  }

  /** Why the pool verifies inline despite being asked for threads, if it does. */
  get inlineReason(): string | undefined {
    return this.disabled;
  }

  /** Resolves once every worker has loaded its backend (or the pool gave up on workers). */
  async ready(): Promise<void> {
    await Promise.all([...this.slots].map((s) => s.settled));
  }

  /** One verdict per check, in order: the same answers verify() gives on the main thread. */
  verify(checks: readonly SignedMessage[]): Promise<boolean[]> {
    if (checks.length === 0) return Promise.resolve([]);
    if (!this.started && checks.length >= LAZY_START_CHECKS && !this.opts.holdStart?.()) this.start();
    if (this.slots.size === 0) return Promise.resolve(checks.map((c) => verify(c.publicKey, c.message, c.signature)));
    return new Promise((resolve) => {
      const job: Job = { verdicts: new Array<boolean>(checks.length), pending: 0, resolve };
      for (let offset = 0; offset < checks.length; offset += this.chunkSize) {
        job.pending++;
        this.queue.push({ job, offset, checks: checks.slice(offset, offset + this.chunkSize), attempts: 0 });
      }
      this.pump();
    });
  }

  /** Stops every worker; whatever they held is verified here so no caller is left waiting. */
  async close(): Promise<void> {
    this.closing = true;
    for (const slot of this.slots) void slot.worker.terminate();
    await Promise.all(this.exits);
    this.drainInline();
  }

  private spawn(): void {
    const data: VerifyWorkerData = { role: VERIFY_WORKER_ROLE, impl: this.impl };
    if (this.opts.crashOnMessage !== undefined) data.crashOnMessage = this.opts.crashOnMessage;
    const worker = new Worker(this.script!, { workerData: data, resourceLimits: WORKER_RESOURCE_LIMITS, stdout: false, stderr: false });
    let settle = (): void => undefined;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    const slot: Slot = { worker, ready: false, impl: undefined, inFlight: new Map(), settled, settle };
    this.slots.add(slot);
    worker.on('message', (msg: FromWorker) => this.onMessage(slot, msg));
    worker.on('error', (err) => this.warn(`verify worker failed: ${err.message}`));
    this.exits.push(new Promise((resolve) => worker.once('exit', (code) => resolve(this.onExit(slot, code)))));
  }

  private onMessage(slot: Slot, msg: FromWorker): void {
    if (msg.kind === 'ready') {
      if (msg.impl !== this.impl) {
        // Two backends could judge one signature differently: never mix them.
        this.disable(`a verify worker loaded ${msg.impl}, the main thread verifies with ${this.impl}`);
        return;
      }
      slot.ready = true;
      slot.impl = msg.impl;
      this.startFailures = 0;
      slot.settle();
      this.pump();
      return;
    }
    const chunk = slot.inFlight.get(msg.id);
    if (chunk === undefined) return;
    slot.inFlight.delete(msg.id);
    this.stats.workerChunks++;
    this.complete(chunk, decodeReply(msg.reply));
    this.pump();
  }

  private onExit(slot: Slot, code: number): void {
    this.slots.delete(slot);
    slot.settle();
    const held = [...slot.inFlight.values()];
    slot.inFlight.clear();
    if (this.closing || this.disabled !== undefined) {
      // Stopped on purpose: what it held is verified on the main thread (now, or by close()).
      this.queue.unshift(...held);
      if (!this.closing) this.drainInline();
      return;
    }
    this.stats.crashes++;
    if (!slot.ready) this.startFailures++;
    this.warn(`verify worker exited with code ${code} holding ${held.length} chunks; ${this.startFailures >= MAX_START_FAILURES ? 'giving up on workers' : 'replacing it'}`);
    for (const chunk of held.reverse()) {
      chunk.attempts++;
      if (chunk.attempts > MAX_REDO) this.verifyInline(chunk);
      else {
        this.stats.redone++;
        this.queue.unshift(chunk);
      }
    }
    if (this.startFailures >= MAX_START_FAILURES) this.disable(`${MAX_START_FAILURES} verify workers in a row died before they were ready`);
    else if (this.disabled === undefined) this.spawn();
    this.pump();
  }

  private pump(): void {
    if (this.disabled !== undefined || this.closing) {
      if (!this.closing) this.drainInline();
      return;
    }
    for (const slot of this.slots) {
      // A worker still loading gets nothing: until it is ready the main thread does the work, so
      // starting the pool (or replacing a worker) never makes a batch wait for a thread to boot.
      if (!slot.ready) continue;
      while (slot.inFlight.size < WORKER_DEPTH && this.queue.length > 0) this.send(slot, this.queue.shift()!);
    }
    if (this.queue.length > 0 && !this.inlineScheduled) {
      // Every worker is full: the main thread takes the oldest waiting chunk itself, one per
      // turn (the oldest: its batch is the one a connection waits on first).
      this.inlineScheduled = true;
      setImmediate(() => {
        this.inlineScheduled = false;
        const chunk = this.queue.shift();
        if (chunk !== undefined) this.verifyInline(chunk);
        this.pump();
      });
    }
  }

  private send(slot: Slot, chunk: Chunk): void {
    if (!chunk.checks.every(fitsWire)) {
      this.verifyInline(chunk);
      return;
    }
    const id = this.nextId++;
    const request = encodeRequest(chunk.checks);
    slot.inFlight.set(id, chunk);
    const msg: ToWorker = { kind: 'verify', id, request };
    slot.worker.postMessage(msg, [request]);
  }

  private verifyInline(chunk: Chunk): void {
    this.stats.inlineChunks++;
    this.complete(
      chunk,
      chunk.checks.map((c) => verify(c.publicKey, c.message, c.signature)),
    );
  }

  private drainInline(): void {
    while (this.queue.length > 0) this.verifyInline(this.queue.shift()!);
  }

  private complete(chunk: Chunk, verdicts: boolean[]): void {
    const job = chunk.job;
    for (let i = 0; i < verdicts.length; i++) job.verdicts[chunk.offset + i] = verdicts[i]!;
    if (--job.pending === 0) job.resolve(job.verdicts);
  }

  private disable(reason: string): void {
    if (this.disabled !== undefined) return;
    this.disabled = reason;
    this.warn(`verifying on the main thread only: ${reason}`);
    for (const slot of this.slots) void slot.worker.terminate();
  }

  private warn(line: string): void {
    this.opts.warn?.(line);
  }
}
