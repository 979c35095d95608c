// One line per event on stderr: time, level, component, sentence, then
// key=value pairs (or one JSON object with --log-format json). Under systemd
// (stderr is the journal's stream) a line carries no time of its own and
// starts with the syslog priority `<N>`, so `journalctl -p warning` works.
// The same line repeated faster than the bound is counted, not written, so a
// noisy peer cannot wear out an SD card. Operators read it; tests grep it.
import { fstatSync } from 'node:fs';

export type Level = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
/** syslog priorities (RFC 5424): what journald reads from a `<N>` prefix. */
const PRIORITY: Record<Level, number> = { debug: 7, info: 6, warn: 4, error: 3 };

export type LogFields = Record<string, string | number | boolean | undefined>;
export type LogFormat = 'text' | 'json';

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger for a part of this one; `fields` (read at each line) go on every line it writes. */
  child(component: string, fields?: () => LogFields): Logger;
}

export type LogSink = (line: string) => void;

/** The process's logger: its level can change while it runs (SIGHUP re-reads log-level). */
export interface RootLogger extends Logger {
  setLevel(level: Level): void;
}

export interface RateLimit {
  /** Identical lines (same level, component, text) written per window; the rest are counted. */
  burst: number;
  windowMs: number;
  /** Distinct lines tracked; past this the oldest is forgotten (the map has a bound like every other). */
  maxKeys: number;
}

/** Five of the same line a minute: enough to see a problem, too few to fill a card. */
export const DEFAULT_RATE_LIMIT: RateLimit = { burst: 5, windowMs: 60_000, maxKeys: 1024 };

export interface LogOptions {
  format?: LogFormat;
  /** No own timestamp and a `<N>` priority prefix: journald adds the time and reads the priority. */
  journald?: boolean;
  rateLimit?: RateLimit;
  now?: () => number;
}

/**
 * True when stderr is the journal's stream: systemd sets JOURNAL_STREAM to
 * its device:inode, so a stderr redirected elsewhere by the unit is not
 * mistaken for it.
 */
export function stderrIsJournal(env: NodeJS.ProcessEnv = process.env): boolean {
  const stream = env.JOURNAL_STREAM;
  if (!stream) return false;
  const [dev, ino] = stream.split(':');
  try {
    const st = fstatSync(2);
    return String(st.dev) === dev && String(st.ino) === ino;
  } catch {
    return false;
  }
}

interface Repeat {
  windowStart: number;
  written: number;
  suppressed: number;
  level: Level;
  component: string;
  msg: string;
}

/** The shared state of a logger and its children: one rate limit across the whole process. */
class LineLimiter {
  private readonly repeats = new Map<string, Repeat>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number,
    private readonly report: (level: Level, component: string, msg: string, fields: LogFields) => void,
  ) {}

  /** True when the line may be written now. */
  admit(level: Level, component: string, msg: string): boolean {
    const key = `${level}\u0000${component}\u0000${msg}`;
    const now = this.now();
    let r = this.repeats.get(key);
    if (r && now - r.windowStart >= this.limit.windowMs) {
      this.flush(key, r);
      r = undefined;
    }
    if (!r) {
      if (this.repeats.size >= this.limit.maxKeys) this.evict();
      r = { windowStart: now, written: 0, suppressed: 0, level, component, msg };
      this.repeats.set(key, r);
      this.arm();
    }
    if (r.written < this.limit.burst) {
      r.written++;
      return true;
    }
    r.suppressed++;
    return false;
  }

  /** Writes what was held back for every window that has ended (also run by a timer, so a burst that stops is still reported). */
  sweep(): void {
    const now = this.now();
    for (const [key, r] of this.repeats) if (now - r.windowStart >= this.limit.windowMs) this.flush(key, r);
    if (this.repeats.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private flush(key: string, r: Repeat): void {
    this.repeats.delete(key);
    if (r.suppressed > 0) this.report(r.level, r.component, `${r.msg} (repeated ${r.suppressed} more times in ${Math.round(this.limit.windowMs / 1000)} s, not written)`, { suppressed: r.suppressed });
  }

  private evict(): void {
    this.sweep();
    if (this.repeats.size < this.limit.maxKeys) return;
    const [oldestKey, oldest] = this.repeats.entries().next().value as [string, Repeat];
    this.flush(oldestKey, oldest);
  }

  private arm(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.sweep(), this.limit.windowMs);
    this.timer.unref();
  }
}

export function createLogger(component: string, minLevel: Level = 'info', sink: LogSink = (l) => process.stderr.write(l + '\n'), options: LogOptions = {}): RootLogger {
  let min = minLevel;
  const format = options.format ?? 'text';
  const journald = options.journald ?? false;
  const now = options.now ?? Date.now;
  const emit = (level: Level, comp: string, msg: string, fields: LogFields | undefined): void => {
    sink(formatLine(level, comp, msg, fields, format, journald, now()));
  };
  const limiter = options.rateLimit ? new LineLimiter(options.rateLimit, now, emit) : undefined;
  const make = (comp: string, bound: (() => LogFields) | undefined): Logger => {
    const write = (level: Level, msg: string, fields?: LogFields): void => {
      if (RANK[level] < RANK[min]) return;
      if (limiter && !limiter.admit(level, comp, msg)) return;
      // The line's own fields first (tests and operators read `code=` right after the sentence), then the bound ones.
      emit(level, comp, msg, bound ? { ...fields, ...bound() } : fields);
    };
    return {
      debug: (m, f) => write('debug', m, f),
      info: (m, f) => write('info', m, f),
      warn: (m, f) => write('warn', m, f),
      error: (m, f) => write('error', m, f),
      child: (c, f) => {
        const parent = bound;
        const merged = parent && f ? () => ({ ...parent(), ...f() }) : (f ?? parent);
        return make(`${comp}/${c}`, merged);
      },
    };
  };
  return {
    ...make(component, undefined),
    setLevel: (level) => {
      min = level;
    },
  };
}

/** One event as one line: a message with newlines in it is escaped, never split. */
export function formatLine(level: Level, component: string, msg: string, fields: LogFields | undefined, format: LogFormat, journald: boolean, at: number): string {
  const prefix = journald ? `<${PRIORITY[level]}>` : '';
  if (format === 'json') {
    const doc: Record<string, string | number | boolean> = journald ? {} : { time: new Date(at).toISOString() };
    Object.assign(doc, { level, component, msg });
    if (fields) for (const [k, v] of Object.entries(fields)) if (v !== undefined && !(k in doc)) doc[k] = v;
    return prefix + JSON.stringify(doc);
  }
  let line = `${journald ? '' : `${new Date(at).toISOString()} `}${level.toUpperCase().padEnd(5)} [${component}] ${oneLine(msg)}`;
  if (fields) {
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) line += ` ${k}=${typeof v === 'string' && /[\s"]/.test(v) ? JSON.stringify(v) : v}`;
  }
  return prefix + line;
}

function oneLine(text: string): string {
  return text.includes('\n') || text.includes('\r') ? text.replace(/\r?\n|\r/g, '\\n') : text;
}

/** For tests and library use: drops everything. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
