/* The native twin of the scheduler's timer heap (TimerHeap in
 * src/net/scheduler.ts): a binary min-heap by (due, seq) carrying a task id.
 * It exists to be measured (bench/hotpath.ts): two or three N-API calls per
 * timer against a few JIT-compiled compares, and it lost, so the scheduler
 * keeps the TS heap. */
#include <stdlib.h>
#include "hotpath.h"

typedef struct {
  double due;
  double seq; /* the caller's push order: a JS number, exact up to 2^53 */
  uint32_t id;
} entry;

struct tn_heap {
  entry *items;
  size_t size;
  size_t cap;
};

tn_heap *tn_heap_new(void) {
  return calloc(1, sizeof(tn_heap));
}

void tn_heap_free(tn_heap *heap) {
  if (!heap) return;
  free(heap->items);
  free(heap);
}

static int earlier(const entry *a, const entry *b) {
  return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

int tn_heap_push(tn_heap *heap, double due, double seq, uint32_t id) {
  if (heap->size == heap->cap) {
    size_t cap = heap->cap ? heap->cap * 2 : 64;
    entry *items = realloc(heap->items, cap * sizeof(entry));
    if (!items) return -1;
    heap->items = items;
    heap->cap = cap;
  }
  entry e = {due, seq, id};
  size_t i = heap->size++;
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!earlier(&e, &heap->items[parent])) break;
    heap->items[i] = heap->items[parent];
    i = parent;
  }
  heap->items[i] = e;
  return 0;
}

int64_t tn_heap_pop(tn_heap *heap) {
  if (heap->size == 0) return -1;
  entry *items = heap->items;
  uint32_t top = items[0].id;
  entry last = items[--heap->size];
  size_t n = heap->size;
  if (n > 0) {
    size_t i = 0;
    for (;;) {
      size_t l = 2 * i + 1;
      if (l >= n) break;
      size_t child = (l + 1 < n && earlier(&items[l + 1], &items[l])) ? l + 1 : l;
      if (!earlier(&items[child], &last)) break;
      items[i] = items[child];
      i = child;
    }
    items[i] = last;
  }
  return top;
}

int64_t tn_heap_peek(const tn_heap *heap) {
  return heap->size ? (int64_t)heap->items[0].id : -1;
}

void tn_heap_clear(tn_heap *heap) {
  heap->size = 0;
}

size_t tn_heap_size(const tn_heap *heap) {
  return heap->size;
}
