/* COBS for the serial link (PROTOCOL.md §1), with memchr finding each run of
 * non-zero bytes and memcpy moving it. Twin of src/wire/js/cobs.ts: a block
 * of 254 data bytes (code 0xff) carries no implied zero, and a frame that
 * ends with such a block gets no extra code byte. */
#include <string.h>
#include "hotpath.h"

#define FULL_RUN 254

size_t tn_cobs_max_encoded(size_t n) {
  return n + n / FULL_RUN + 1;
}

size_t tn_cobs_encode(const uint8_t *src, size_t n, uint8_t *dst) {
  size_t i = 0;
  size_t o = 0;
  for (;;) {
    size_t room = n - i;
    size_t limit = room < FULL_RUN ? room : FULL_RUN;
    const uint8_t *zero = memchr(src + i, 0, limit);
    size_t run = zero ? (size_t)(zero - (src + i)) : limit;
    dst[o] = (uint8_t)(run + 1);
    memcpy(dst + o + 1, src + i, run);
    o += run + 1;
    i += run;
    if (zero) {
      i++; /* the zero is implied by the code byte */
    } else if (run < FULL_RUN || i == n) {
      return o;
    }
  }
}

int64_t tn_cobs_decode(const uint8_t *src, size_t n, uint8_t *dst) {
  if (n == 0) return TN_COBS_EMPTY;
  /* The first pass walks the codes only, as the TS decoder does, so that both
   * report the same error first. */
  for (size_t i = 0; i < n;) {
    uint8_t code = src[i];
    if (code == 0) return TN_COBS_ZERO_AT(i);
    if (n - i < code) return TN_COBS_PAST_END_AT(i);
    i += code;
  }
  size_t o = 0;
  for (size_t i = 0; i < n;) {
    uint8_t code = src[i];
    size_t run = (size_t)code - 1;
    const uint8_t *zero = memchr(src + i + 1, 0, run);
    if (zero) return TN_COBS_ZERO_AT(zero - src);
    memcpy(dst + o, src + i + 1, run);
    o += run;
    i += code;
    if (code != 0xff && i < n) dst[o++] = 0;
  }
  return (int64_t)o;
}
