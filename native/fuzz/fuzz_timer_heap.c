/* libFuzzer target: the timer heap (timer_heap.c) driven by a script of
 * push / pop / peek / clear read from the input, checked against a plain
 * array model: pops come out by (due, seq), sizes always agree. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include "hotpath.h"

#define MODEL 4096

typedef struct {
  double due;
  double seq;
  uint32_t id;
} entry;

static entry model[MODEL];
static size_t model_n;

static int64_t model_best(void) {
  if (model_n == 0) return -1;
  size_t best = 0;
  for (size_t i = 1; i < model_n; i++) {
    if (model[i].due < model[best].due || (model[i].due == model[best].due && model[i].seq < model[best].seq)) best = i;
  }
  return (int64_t)best;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tn_heap *heap = tn_heap_new();
  assert(heap);
  model_n = 0;
  double seq = 0;
  for (size_t i = 0; i + 2 < size; i += 3) {
    uint8_t op = data[i] & 3;
    double due = (double)data[i + 1] * 7 + (data[i + 2] & 3);
    if (op <= 1 && model_n < MODEL) {
      uint32_t id = (uint32_t)(i / 3);
      assert(tn_heap_push(heap, due, seq, id) == 0);
      model[model_n++] = (entry){due, seq, id};
      seq++;
    } else if (op == 2) {
      int64_t best = model_best();
      assert(tn_heap_peek(heap) == (best < 0 ? -1 : (int64_t)model[best].id));
      int64_t got = tn_heap_pop(heap);
      if (best < 0) {
        assert(got == -1);
      } else {
        assert(got == (int64_t)model[best].id);
        model[best] = model[--model_n];
      }
    } else if (data[i + 1] == 0xff) {
      tn_heap_clear(heap);
      model_n = 0;
    }
    assert(tn_heap_size(heap) == model_n);
  }
  tn_heap_free(heap);
  return 0;
}
