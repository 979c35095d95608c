/* libFuzzer target: CRC-32C (crc32c.c). The CPU's instruction path and the
 * portable slicing-by-8 path agree on any bytes at any alignment. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include "hotpath.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int ready = 0;
  if (!ready) {
    tn_crc32c_init();
    ready = 1;
  }
  for (size_t shift = 0; shift < 8 && shift <= size; shift++) {
    size_t n = size - shift;
    uint8_t *buf = malloc(n ? n : 1);
    memcpy(buf, data + shift, n);
    assert(tn_crc32c(buf, n) == tn_crc32c_portable(buf, n));
    free(buf);
  }
  return 0;
}
