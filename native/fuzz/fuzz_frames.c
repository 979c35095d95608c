/* libFuzzer target: tn_scan_frames (frames.c) over any bytes, any max_frame,
 * any start offset and a small output array, called again after each FULL
 * as the addon does. Every frame reported lies inside the buffer, within
 * 1..max_frame, and each call makes progress. ASan sees every read. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include "hotpath.h"

#define MAX_FRAMES 7

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 3) return 0;
  uint32_t max_frame = 1 + (((uint32_t)data[0] << 8) | data[1]);
  size_t offset = data[2];
  /* A private copy of exactly the buffer's size, so a read past it is caught. */
  size_t len = size - 3;
  uint8_t *buf = malloc(len ? len : 1);
  memcpy(buf, data + 3, len);
  if (offset > len) offset = len;
  uint32_t frames[2 * MAX_FRAMES];
  tn_scan_result result;
  size_t at = offset;
  for (;;) {
    size_t n = tn_scan_frames(buf, len, at, max_frame, frames, MAX_FRAMES, &result);
    assert(n <= MAX_FRAMES);
    size_t expect = at;
    for (size_t k = 0; k < n; k++) {
      assert(frames[2 * k] == expect + 4);
      assert(frames[2 * k + 1] >= 1 && frames[2 * k + 1] <= max_frame);
      assert((size_t)frames[2 * k] + frames[2 * k + 1] <= len);
      expect = (size_t)frames[2 * k] + frames[2 * k + 1];
    }
    assert(result.stop == expect && result.stop <= len);
    if (result.status != TN_SCAN_FULL) break;
    assert(n == MAX_FRAMES);
    at = result.stop;
  }
  if (result.status == TN_SCAN_BAD_LENGTH) assert(result.bad_length == 0 || result.bad_length > max_frame);
  free(buf);
  return 0;
}
