/* Frame scanning over one chunk: every whole `u32be length || payload` frame
 * found in a single pass, so JavaScript crosses into C once per chunk rather
 * than once per frame. What is left (a partial prefix or body) is the JS
 * reader's to carry over. Twin of src/wire/js/frame-reader.ts. */
#include "hotpath.h"

static uint32_t read_u32be(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

size_t tn_scan_frames(const uint8_t *buf, size_t len, size_t offset, uint32_t max_frame,
                      uint32_t *frames, size_t max_frames, tn_scan_result *result) {
  size_t i = offset;
  size_t count = 0;
  result->status = TN_SCAN_END;
  result->bad_length = 0;
  /* A length is judged as soon as its prefix is complete, body or not (§1). */
  while (len - i >= 4) {
    uint32_t n = read_u32be(buf + i);
    if (n == 0 || n > max_frame) {
      result->status = TN_SCAN_BAD_LENGTH;
      result->bad_length = n;
      break;
    }
    if (len - i - 4 < n) break;
    if (count == max_frames) {
      result->status = TN_SCAN_FULL;
      break;
    }
    frames[2 * count] = (uint32_t)(i + 4);
    frames[2 * count + 1] = n;
    count++;
    i += 4 + (size_t)n;
  }
  result->stop = i;
  return count;
}
