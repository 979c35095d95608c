/* CRC-32C (Castagnoli, reflected 0x82f63b78), the serial frame's checksum.
 * The CPU's own instruction where there is one — SSE4.2 on x86-64, the ARMv8
 * CRC extension on aarch64, both checked at run time so that one build serves
 * every CPU of its architecture — and slicing-by-8 everywhere else (armv7,
 * older CPUs, other compilers). Twin of src/wire/js/crc32c.ts. */
#include <string.h>
#include "hotpath.h"

#define POLY 0x82f63b78u

static uint32_t table[8][256];

/* Whether this CPU has the CRC instruction the build can use. */
static void detect(void);

/* Fills the tables and asks the CPU, once per process (every call sets the same values). */
void tn_crc32c_init(void) {
  detect();
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

#elif defined(__ARM_FEATURE_CRC32) || (defined(__aarch64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__))
/* ARMv8's CRC extension: every Raspberry Pi from the 3 on has it. Used
 * directly where the compiler targets it (-march=armv8-a+crc, armv8.1+, Apple
 * silicon); on aarch64 Linux with GCC the function is compiled for it and
 * runs only if the kernel reports it (HWCAP_CRC32). armv7 boards (Pi 2 and
 * older) take slicing-by-8. */
#include <arm_acle.h>
#define HAVE_HW_CRC 1
#define HW_NAME "armv8-crc"

#if defined(__ARM_FEATURE_CRC32)
#define CRC_TARGET
#else
#include <sys/auxv.h>
#include <asm/hwcap.h>
#define CRC_TARGET __attribute__((target("+crc")))
#endif

CRC_TARGET static uint32_t crc32c_hw(const uint8_t *p, size_t n) {
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
#if defined(__ARM_FEATURE_CRC32)
  return 1;
#else
  return (getauxval(AT_HWCAP) & HWCAP_CRC32) != 0;
#endif
}
#endif

#ifdef HAVE_HW_CRC
static int use_hw;

static void detect(void) {
  use_hw = cpu_has_hw_crc();
}

uint32_t tn_crc32c(const uint8_t *buf, size_t n) {
  return use_hw ? crc32c_hw(buf, n) : tn_crc32c_portable(buf, n);
}

const char *tn_crc32c_impl(void) {
  return use_hw ? HW_NAME : "slicing-by-8";
}
#else
static void detect(void) {}

uint32_t tn_crc32c(const uint8_t *buf, size_t n) {
  return tn_crc32c_portable(buf, n);
}

const char *tn_crc32c_impl(void) {
  return "slicing-by-8";
}
#endif
