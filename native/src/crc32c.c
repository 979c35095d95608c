/* CRC-32C (Castagnoli, reflected 0x82f63b78), the serial frame's checksum.
 * The CPU's own instruction where there is one — SSE4.2 on x86 (checked at
 * run time, so one build serves every x86-64), the ARMv8 CRC extension where
 * the compiler targets it — and slicing-by-8 everywhere else (armv7, older
 * CPUs). Twin of src/wire/js/crc32c.ts. */
#include <string.h>
#include "hotpath.h"

#define POLY 0x82f63b78u

static uint32_t table[8][256];

void tn_crc32c_init(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ POLY : c >> 1;
    table[0][i] = c;
  }
  /* table[k] advances a byte through k further zero bytes. */
  for (uint32_t i = 0; i < 256; i++) {
    for (int k = 1; k < 8; k++) table[k][i] = (table[k - 1][i] >> 8) ^ table[0][table[k - 1][i] & 0xff];
  }
}

uint32_t tn_crc32c_portable(const uint8_t *p, size_t n) {
  uint32_t crc = 0xffffffffu;
  for (; n >= 8; n -= 8, p += 8) {
    uint32_t lo = crc ^ ((uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24));
    crc = table[7][lo & 0xff] ^ table[6][(lo >> 8) & 0xff] ^ table[5][(lo >> 16) & 0xff] ^ table[4][lo >> 24] ^
          table[3][p[4]] ^ table[2][p[5]] ^ table[1][p[6]] ^ table[0][p[7]];
  }
  for (; n > 0; n--, p++) crc = table[0][(crc ^ *p) & 0xff] ^ (crc >> 8);
  return crc ^ 0xffffffffu;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
/* The function is compiled for SSE4.2 whatever -march says; it only runs
 * after the CPU said it has SSE4.2. */
#include <nmmintrin.h>
#define HAVE_HW_CRC 1
#define HW_NAME "sse4.2"

__attribute__((target("sse4.2"))) static uint32_t crc32c_hw(const uint8_t *p, size_t n) {
  uint64_t crc = 0xffffffffu;
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t word;
    memcpy(&word, p, 8);
    crc = _mm_crc32_u64(crc, word);
  }
  uint32_t c = (uint32_t)crc;
  for (; n > 0; n--, p++) c = _mm_crc32_u8(c, *p);
  return c ^ 0xffffffffu;
}

static int cpu_has_hw_crc(void) {
#if defined(__SSE4_2__)
  return 1;
#else
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
#endif
}

#elif defined(__ARM_FEATURE_CRC32)
/* aarch64 built with the CRC extension (-march=armv8-a+crc, or an armv8.1+
 * default); a plain armv8-a or armv7 build takes slicing-by-8. */
#include <arm_acle.h>
#define HAVE_HW_CRC 1
#define HW_NAME "armv8-crc"

static uint32_t crc32c_hw(const uint8_t *p, size_t n) {
  uint32_t crc = 0xffffffffu;
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t word;
    memcpy(&word, p, 8);
    crc = __crc32cd(crc, word);
  }
  for (; n > 0; n--, p++) crc = __crc32cb(crc, *p);
  return crc ^ 0xffffffffu;
}

static int cpu_has_hw_crc(void) {
  return 1;
}
#endif

#ifdef HAVE_HW_CRC
static int use_hw = -1;

static int hw_ready(void) {
  if (use_hw < 0) use_hw = cpu_has_hw_crc() ? 1 : 0;
  return use_hw;
}

uint32_t tn_crc32c(const uint8_t *buf, size_t n) {
  return hw_ready() ? crc32c_hw(buf, n) : tn_crc32c_portable(buf, n);
}

const char *tn_crc32c_impl(void) {
  return hw_ready() ? HW_NAME : "slicing-by-8";
}
#else
uint32_t tn_crc32c(const uint8_t *buf, size_t n) {
  return tn_crc32c_portable(buf, n);
}

const char *tn_crc32c_impl(void) {
  return "slicing-by-8";
}
#endif
