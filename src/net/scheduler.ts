// The one owner of the node's timers. Every ping, pong deadline, handshake
// deadline and redial is a task here, so a node with 100 peers runs one Node
// timer, not 300. Tasks sit in a binary min-heap by due time (TimerHeap).
//
// The heap is a hot path with a native twin in the addon
// (native/src/timer_heap.c), measured and left unused: each timer costs two
// or three N-API calls against a few JIT-compiled compares
// (bench/hotpath.ts, x64, Node 20, timers/s for peek + pop + push, ts vs native):
//   300 timers (100 peers)   1.82M vs 1.07M  (0.59×)
//   10 000 timers            543k  vs 432k   (0.79×)
import { recordChoice } from '../base/hotpath-selection';

recordChoice({
  path: 'timer-heap',
  kind: 'fallback',
  impl: 'ts',
  why: 'ts only: the addon heap measured slower, 1.82M vs 1.07M timers/s at 300 timers (bench/hotpath)',
});

export interface Task {
  readonly due: number;
  cancelled: boolean;
}

interface Entry extends Task {
  due: number;
  run: () => void;
  seq: number;
}

export type Clock = () => number;

export class Scheduler {
  private readonly heap = new TimerHeap<Entry>();
  private timer: NodeJS.Timeout | undefined;
  private timerDue = Infinity;
  private seq = 0;
  private stopped = false;
  private cancelledInHeap = 0;

  constructor(readonly now: Clock = Date.now) {}

  get size(): number {
    return this.heap.size;
  }

  /** Runs `run` once, `delayMs` from now. */
  after(delayMs: number, run: () => void): Task {
    const entry: Entry = { due: this.now() + Math.max(0, delayMs), run, seq: this.seq++, cancelled: false };
    this.heap.push(entry);
    this.arm();
    return entry;
  }

  cancel(task: Task | undefined): void {
    // Lazy deletion: a cancelled entry is skipped when it reaches the top,
    // and the heap is rebuilt once they are the majority, so cancelled pong
    // deadlines cannot pile up.
    if (!task || task.cancelled) return;
    task.cancelled = true;
    if (++this.cancelledInHeap > 64 && this.cancelledInHeap * 2 > this.heap.size) this.compact();
  }

  private compact(): void {
    this.heap.keep((e) => !e.cancelled);
    this.cancelledInHeap = 0;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.heap.clear();
    this.cancelledInHeap = 0;
  }

  private arm(): void {
    if (this.stopped) return;
    while (this.heap.peek()?.cancelled) {
      this.heap.pop();
      this.cancelledInHeap--;
    }
    const top = this.heap.peek();
    if (!top) return;
    if (this.timer && this.timerDue <= top.due) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = top.due;
    this.timer = setTimeout(() => this.fire(), Math.max(0, top.due - this.now()));
    // The scheduler never keeps a process alive on its own: sockets and the
    // server do that, and a stopped node must be able to exit.
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    this.timerDue = Infinity;
    const now = this.now();
    while ((this.heap.peek()?.due ?? Infinity) <= now) {
      const entry = this.heap.pop() as Entry;
      if (entry.cancelled) {
        this.cancelledInHeap--;
      } else {
        entry.cancelled = true;
        entry.run();
      }
    }
    this.arm();
  }
}

export interface HeapEntry {
  readonly due: number;
  /** Push order: ties on `due` run first in, first out. */
  readonly seq: number;
}

/** A binary min-heap by (due, seq). */
export class TimerHeap<E extends HeapEntry> {
  private readonly items: E[] = [];

  get size(): number {
    return this.items.length;
  }

  /** The earliest entry, left in place. */
  peek(): E | undefined {
    return this.items[0];
  }

  push(entry: E): void {
    const heap = this.items;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!earlier(entry, heap[parent] as E)) break;
      heap[i] = heap[parent] as E;
      i = parent;
    }
    heap[i] = entry;
  }

  /** Removes and returns the earliest entry; undefined when empty. */
  pop(): E | undefined {
    const heap = this.items;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= heap.length) break;
        const r = l + 1;
        const child = r < heap.length && earlier(heap[r] as E, heap[l] as E) ? r : l;
        if (!earlier(heap[child] as E, last)) break;
        heap[i] = heap[child] as E;
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }

  /** Drops every entry `live` refuses, then rebuilds the heap. */
  keep(live: (entry: E) => boolean): void {
    const kept = this.items.filter(live);
    this.items.length = 0;
    for (const entry of kept) this.push(entry);
  }

  clear(): void {
    this.items.length = 0;
  }
}

function earlier(a: HeapEntry, b: HeapEntry): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}
