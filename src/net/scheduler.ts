// The one owner of the node's timers. Every ping, pong deadline, handshake
// deadline and redial is a task here, so a node with 100 peers runs one Node
// timer, not 300. Tasks sit in a binary min-heap by due time.

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
  private readonly heap: Entry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private timerDue = Infinity;
  private seq = 0;
  private stopped = false;
  private cancelledInHeap = 0;

  constructor(readonly now: Clock = Date.now) {}

  get size(): number {
    return this.heap.length;
  }

  /** Runs `run` once, `delayMs` from now. */
  after(delayMs: number, run: () => void): Task {
    const entry: Entry = { due: this.now() + Math.max(0, delayMs), run, seq: this.seq++, cancelled: false };
    this.push(entry);
    this.arm();
    return entry;
  }

  cancel(task: Task | undefined): void {
    // Lazy deletion: a cancelled entry is skipped when it reaches the top,
    // and the heap is rebuilt once they are the majority, so cancelled pong
    // deadlines cannot pile up.
    if (!task || task.cancelled) return;
    task.cancelled = true;
    if (++this.cancelledInHeap > 64 && this.cancelledInHeap * 2 > this.heap.length) this.compact();
  }

  private compact(): void {
    const live = this.heap.filter((e) => !e.cancelled);
    this.heap.length = 0;
    this.cancelledInHeap = 0;
    for (const entry of live) this.push(entry);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.heap.length = 0;
    this.cancelledInHeap = 0;
  }

  private arm(): void {
    if (this.stopped) return;
    while (this.heap.length > 0 && (this.heap[0] as Entry).cancelled) {
      this.pop();
      this.cancelledInHeap--;
    }
    const top = this.heap[0];
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
    while (this.heap.length > 0 && (this.heap[0] as Entry).due <= now) {
      const entry = this.pop();
      if (entry.cancelled) {
        this.cancelledInHeap--;
      } else {
        entry.cancelled = true;
        entry.run();
      }
    }
    this.arm();
  }

  private push(entry: Entry): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!earlier(entry, heap[parent] as Entry)) break;
      heap[i] = heap[parent] as Entry;
      i = parent;
    }
    heap[i] = entry;
  }

  private pop(): Entry {
    const heap = this.heap;
    const top = heap[0] as Entry;
    const last = heap.pop() as Entry;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= heap.length) break;
        const r = l + 1;
        const child = r < heap.length && earlier(heap[r] as Entry, heap[l] as Entry) ? r : l;
        if (!earlier(heap[child] as Entry, last)) break;
        heap[i] = heap[child] as Entry;
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }
}

function earlier(a: Entry, b: Entry): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}
