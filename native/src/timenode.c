/* N-API bindings of the hot paths in hotpath.h. Each call does one pass over
 * its input with no allocation of its own: output buffers come from
 * JavaScript (whose Buffer pool is cheaper than napi_create_buffer), and
 * errors come back as codes that the TS wrappers turn into the same
 * WireError sentences as the TS twins. Node-API version 8 (Node >= 12.22). */
#include <node_api.h>
#include "hotpath.h"
#include "process.h"

#define CHECK(env, call)                                  \
  do {                                                    \
    if ((call) != napi_ok) return throw_last_error(env); \
  } while (0)

static napi_value throw_last_error(napi_env env) {
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_type_error(env, NULL, info && info->error_message ? info->error_message : "N-API call failed");
  return NULL;
}

static const uint8_t EMPTY[1] = {0};

/* A Buffer or Uint8Array argument; an empty one gets a valid pointer so that
 * memchr/memcpy never see NULL. */
static napi_status bytes_of(napi_env env, napi_value value, uint8_t **data, size_t *len) {
  void *ptr = NULL;
  napi_status status = napi_get_buffer_info(env, value, &ptr, len);
  if (status != napi_ok) return status;
  *data = (*len == 0 || ptr == NULL) ? (uint8_t *)EMPTY : (uint8_t *)ptr;
  return napi_ok;
}

static napi_value number(napi_env env, double value) {
  napi_value out;
  napi_create_double(env, value, &out);
  return out;
}

/* scanFrames(chunk, offset, maxFrame, out: Uint32Array) -> count.
 * out[0] = where the scan stopped, out[1] = status (tn_scan_status),
 * out[2] = the bad length, out[4 + 2k], out[5 + 2k] = payload offset, length. */
#define SCAN_HEADER 4
static napi_value scan_frames(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint8_t *buf;
  size_t len;
  uint32_t offset, max_frame;
  CHECK(env, bytes_of(env, argv[0], &buf, &len));
  CHECK(env, napi_get_value_uint32(env, argv[1], &offset));
  CHECK(env, napi_get_value_uint32(env, argv[2], &max_frame));
  napi_typedarray_type type;
  size_t words;
  void *out;
  CHECK(env, napi_get_typedarray_info(env, argv[3], &type, &words, &out, NULL, NULL));
  if (type != napi_uint32_array || words < SCAN_HEADER + 2) {
    napi_throw_type_error(env, NULL, "scanFrames: out must be a Uint32Array of at least 6 words");
    return NULL;
  }
  if (len > UINT32_MAX || offset > len) {
    napi_throw_range_error(env, NULL, "scanFrames: offset past the chunk, or a chunk of 4 GiB or more");
    return NULL;
  }
  uint32_t *words_out = (uint32_t *)out;
  tn_scan_result result;
  size_t count = tn_scan_frames(buf, len, offset, max_frame, words_out + SCAN_HEADER, (words - SCAN_HEADER) / 2, &result);
  words_out[0] = (uint32_t)result.stop;
  words_out[1] = result.status;
  words_out[2] = result.bad_length;
  return number(env, (double)count);
}

/* crc32c(data) -> uint32 */
static napi_value crc32c(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  CHECK(env, napi_get_cb_info(env, info, &argc, &arg, NULL, NULL));
  uint8_t *buf;
  size_t len;
  CHECK(env, bytes_of(env, arg, &buf, &len));
  napi_value out;
  CHECK(env, napi_create_uint32(env, tn_crc32c(buf, len), &out));
  return out;
}

/* crc32cPortable(data) -> uint32: the slicing-by-8 path even on a CPU with a
 * CRC instruction, so the parity tests cover the path an ARM board runs. */
static napi_value crc32c_portable(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  CHECK(env, napi_get_cb_info(env, info, &argc, &arg, NULL, NULL));
  uint8_t *buf;
  size_t len;
  CHECK(env, bytes_of(env, arg, &buf, &len));
  napi_value out;
  CHECK(env, napi_create_uint32(env, tn_crc32c_portable(buf, len), &out));
  return out;
}

/* cobsEncode(data, out) -> encoded length; out holds data.length + data.length/254 + 1 bytes. */
static napi_value cobs_encode(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint8_t *src, *dst;
  size_t n, room;
  CHECK(env, bytes_of(env, argv[0], &src, &n));
  CHECK(env, bytes_of(env, argv[1], &dst, &room));
  if (room < tn_cobs_max_encoded(n)) {
    napi_throw_range_error(env, NULL, "cobsEncode: output buffer too small");
    return NULL;
  }
  return number(env, (double)tn_cobs_encode(src, n, dst));
}

/* cobsDecode(encoded, out) -> decoded length, or a negative error code
 * (-1 empty, -2 - 2·offset zero byte, -3 - 2·offset code past the end);
 * out holds encoded.length bytes. */
static napi_value cobs_decode(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint8_t *src, *dst;
  size_t n, room;
  CHECK(env, bytes_of(env, argv[0], &src, &n));
  CHECK(env, bytes_of(env, argv[1], &dst, &room));
  if (room < n) {
    napi_throw_range_error(env, NULL, "cobsDecode: output buffer too small");
    return NULL;
  }
  return number(env, (double)tn_cobs_decode(src, n, dst));
}

/* The timer heap: heapNew() -> handle; heapPush(h, due, seq, id);
 * heapPop(h) -> id or -1; heapPeek(h) -> id or -1; heapSize(h); heapClear(h). */
static void heap_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  tn_heap_free((tn_heap *)data);
}

static napi_value heap_new(napi_env env, napi_callback_info info) {
  (void)info;
  tn_heap *heap = tn_heap_new();
  if (!heap) {
    napi_throw_error(env, NULL, "heapNew: out of memory");
    return NULL;
  }
  napi_value out;
  if (napi_create_external(env, heap, heap_finalize, NULL, &out) != napi_ok) {
    tn_heap_free(heap);
    return throw_last_error(env);
  }
  return out;
}

static napi_status heap_arg(napi_env env, napi_callback_info info, size_t want, napi_value *argv, tn_heap **heap) {
  size_t argc = want;
  napi_status status = napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (status != napi_ok) return status;
  return napi_get_value_external(env, argv[0], (void **)heap);
}

static napi_value heap_push(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  tn_heap *heap;
  double due, seq;
  uint32_t id;
  CHECK(env, heap_arg(env, info, 4, argv, &heap));
  CHECK(env, napi_get_value_double(env, argv[1], &due));
  CHECK(env, napi_get_value_double(env, argv[2], &seq));
  CHECK(env, napi_get_value_uint32(env, argv[3], &id));
  if (tn_heap_push(heap, due, seq, id) != 0) {
    napi_throw_error(env, NULL, "heapPush: out of memory");
    return NULL;
  }
  return NULL;
}

static napi_value heap_pop(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  tn_heap *heap;
  CHECK(env, heap_arg(env, info, 1, argv, &heap));
  return number(env, (double)tn_heap_pop(heap));
}

static napi_value heap_peek(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  tn_heap *heap;
  CHECK(env, heap_arg(env, info, 1, argv, &heap));
  return number(env, (double)tn_heap_peek(heap));
}

static napi_value heap_size(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  tn_heap *heap;
  CHECK(env, heap_arg(env, info, 1, argv, &heap));
  return number(env, (double)tn_heap_size(heap));
}

static napi_value heap_clear(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  tn_heap *heap;
  CHECK(env, heap_arg(env, info, 1, argv, &heap));
  tn_heap_clear(heap);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  tn_crc32c_init();
  napi_value impl;
  CHECK(env, napi_create_string_utf8(env, tn_crc32c_impl(), NAPI_AUTO_LENGTH, &impl));
  napi_property_descriptor props[] = {
      {"scanFrames", NULL, scan_frames, NULL, NULL, NULL, napi_enumerable, NULL},
      {"crc32c", NULL, crc32c, NULL, NULL, NULL, napi_enumerable, NULL},
      {"crc32cPortable", NULL, crc32c_portable, NULL, NULL, NULL, napi_enumerable, NULL},
      {"crc32cImpl", NULL, NULL, NULL, NULL, impl, napi_enumerable, NULL},
      {"cobsEncode", NULL, cobs_encode, NULL, NULL, NULL, napi_enumerable, NULL},
      {"cobsDecode", NULL, cobs_decode, NULL, NULL, NULL, napi_enumerable, NULL},
      {"heapNew", NULL, heap_new, NULL, NULL, NULL, napi_enumerable, NULL},
      {"heapPush", NULL, heap_push, NULL, NULL, NULL, napi_enumerable, NULL},
      {"heapPop", NULL, heap_pop, NULL, NULL, NULL, napi_enumerable, NULL},
      {"heapPeek", NULL, heap_peek, NULL, NULL, NULL, napi_enumerable, NULL},
      {"heapSize", NULL, heap_size, NULL, NULL, NULL, napi_enumerable, NULL},
      {"heapClear", NULL, heap_clear, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK(env, napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props));
  CHECK(env, tn_register_process(env, exports));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
