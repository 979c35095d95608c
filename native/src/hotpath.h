/* The plain-C hot paths, free of N-API so each can be compiled and checked
 * on its own (for aarch64 or armv7 with a cross compiler, say). timenode.c
 * binds them to JavaScript. Each mirrors a TypeScript twin in src/wire/js/
 * byte for byte; test/hotpath/ feeds both the same random inputs. */
#ifndef TIMENODE_HOTPATH_H
#define TIMENODE_HOTPATH_H

#include <stddef.h>
#include <stdint.h>

/* --- frames.c: the u32be length prefix of PROTOCOL.md §1 ------------------ */

enum tn_scan_status {
  TN_SCAN_END = 0,        /* every whole frame found; `stop` is where the partial tail (if any) begins */
  TN_SCAN_FULL = 1,       /* the output ran out of room; call again from `stop` */
  TN_SCAN_BAD_LENGTH = 2  /* the prefix at `stop` holds a length of 0 or over max_frame */
};

typedef struct {
  size_t stop;
  uint32_t status;
  uint32_t bad_length;
} tn_scan_result;

/* Finds the whole frames in buf[offset..len): writes (payload offset, payload
 * length) pairs to `frames` (room for max_frames pairs) and returns how many. */
size_t tn_scan_frames(const uint8_t *buf, size_t len, size_t offset, uint32_t max_frame,
                      uint32_t *frames, size_t max_frames, tn_scan_result *result);

/* --- cobs.c: Consistent Overhead Byte Stuffing ---------------------------- */

/* dst must hold tn_cobs_max_encoded(n) bytes; returns the encoded length. */
size_t tn_cobs_max_encoded(size_t n);
size_t tn_cobs_encode(const uint8_t *src, size_t n, uint8_t *dst);

/* dst must hold n bytes. Returns the decoded length, or one of the errors
 * below (the same errors, found in the same order, as the TS decoder). */
#define TN_COBS_EMPTY (-1)
#define TN_COBS_ZERO_AT(off) (-2 - 2 * (int64_t)(off))
#define TN_COBS_PAST_END_AT(off) (-3 - 2 * (int64_t)(off))
int64_t tn_cobs_decode(const uint8_t *src, size_t n, uint8_t *dst);

/* --- crc32c.c: CRC-32C (Castagnoli) --------------------------------------- */

void tn_crc32c_init(void);
uint32_t tn_crc32c(const uint8_t *buf, size_t n);
/* The portable slicing-by-8 path, whatever the CPU offers: for the parity tests. */
uint32_t tn_crc32c_portable(const uint8_t *buf, size_t n);
/* "sse4.2", "armv8-crc" or "slicing-by-8": what tn_crc32c runs on this CPU. */
const char *tn_crc32c_impl(void);

/* --- timer_heap.c: a binary min-heap by (due, seq) of task ids ------------- */

typedef struct tn_heap tn_heap;
tn_heap *tn_heap_new(void);
void tn_heap_free(tn_heap *heap);
/* Returns 0, or -1 when memory runs out. Ties on `due` pop in `seq` order. */
int tn_heap_push(tn_heap *heap, double due, double seq, uint32_t id);
/* Removes the earliest entry and returns its id; -1 when empty. */
int64_t tn_heap_pop(tn_heap *heap);
/* The id of the earliest entry, left in place; -1 when empty. */
int64_t tn_heap_peek(const tn_heap *heap);
size_t tn_heap_size(const tn_heap *heap);
void tn_heap_clear(tn_heap *heap);

#endif
