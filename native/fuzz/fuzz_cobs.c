/* libFuzzer target: COBS (cobs.c). Any bytes decoded into a buffer of
 * exactly their length (the bound the addon allocates) either fail with one
 * of the typed errors or decode shorter than the input with no zero byte
 * read as data; any bytes encoded into tn_cobs_max_encoded() decode back to
 * themselves. ASan checks both buffers to the byte. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include "hotpath.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *src = malloc(size ? size : 1);
  memcpy(src, data, size);

  uint8_t *dst = malloc(size ? size : 1);
  int64_t n = tn_cobs_decode(src, size, dst);
  if (size == 0) assert(n == TN_COBS_EMPTY);
  assert(n < 0 || (size_t)n < size);
  free(dst);

  size_t room = tn_cobs_max_encoded(size);
  uint8_t *enc = malloc(room);
  size_t m = tn_cobs_encode(src, size, enc);
  assert(m <= room && m >= 1);
  assert(memchr(enc, 0, m) == NULL);
  uint8_t *back = malloc(m);
  int64_t k = tn_cobs_decode(enc, m, back);
  assert(k == (int64_t)size);
  assert(size == 0 || memcmp(back, src, size) == 0);
  free(back);
  free(enc);
  free(src);
  return 0;
}
