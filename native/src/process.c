/* The process-level calls Node 20 lacks, bound for src/node/process-setup.ts
 * and src/node/data-lock.ts: execve(2), so the node can restart itself with
 * the V8 flags and allocator settings its memory budget needs without a
 * parent left resident (Node 20 has no process.execve); mallopt(3) for
 * glibc's mmap threshold and arena count; and flock(2), an exclusive lock on
 * the data folder that the kernel drops when the process dies, however it
 * dies. Errors come back as errno names for the TS side to word. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <node_api.h>
#include "process.h"

#define MAX_STRING 65536

static napi_value make_int(napi_env env, int value) {
  napi_value out;
  napi_create_int32(env, value, &out);
  return out;
}

/* A JS string copied into malloc'd memory; NULL (with a pending exception) if it is not a string. */
static char *copy_string(napi_env env, napi_value value) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &len) != napi_ok || len >= MAX_STRING) {
    napi_throw_type_error(env, NULL, "execve: every argument must be a string shorter than 64 KiB");
    return NULL;
  }
  char *out = malloc(len + 1);
  if (out == NULL) {
    napi_throw_error(env, NULL, "execve: out of memory");
    return NULL;
  }
  napi_get_value_string_utf8(env, value, out, len + 1, &len);
  return out;
}

/* A JS string array as a NULL-terminated char* vector; NULL on error (exception pending). */
static char **copy_vector(napi_env env, napi_value array) {
  uint32_t n = 0;
  bool is_array = false;
  if (napi_is_array(env, array, &is_array) != napi_ok || !is_array || napi_get_array_length(env, array, &n) != napi_ok) {
    napi_throw_type_error(env, NULL, "execve: argv and env must be arrays of strings");
    return NULL;
  }
  char **out = calloc((size_t)n + 1, sizeof(char *));
  if (out == NULL) return NULL;
  for (uint32_t i = 0; i < n; i++) {
    napi_value item;
    if (napi_get_element(env, array, i, &item) != napi_ok || (out[i] = copy_string(env, item)) == NULL) return NULL;
  }
  return out;
}

/* execve(file, argv, env, keepFds): replaces the process image; returns only
 * on failure, with the errno. keepFds lose FD_CLOEXEC first: Node marks every
 * fd it inherited close-on-exec at start, stdio and a parent's IPC channel
 * included, and those must survive into the new image. The copies leak on
 * failure: the caller reports the error and exits. */
static napi_value exec_ve(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 4) {
    napi_throw_type_error(env, NULL, "execve(file, argv, env, keepFds)");
    return NULL;
  }
  char *file = copy_string(env, argv[0]);
  if (file == NULL) return NULL;
  char **args = copy_vector(env, argv[1]);
  if (args == NULL) return NULL;
  char **envp = copy_vector(env, argv[2]);
  if (envp == NULL) return NULL;
  uint32_t nkeep = 0;
  napi_get_array_length(env, argv[3], &nkeep);
  for (uint32_t i = 0; i < nkeep; i++) {
    napi_value item;
    int32_t fd = -1;
    if (napi_get_element(env, argv[3], i, &item) != napi_ok || napi_get_value_int32(env, item, &fd) != napi_ok) continue;
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0) fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
  }
  /* A profiler (node --cpu-prof) leaves a SIGPROF timer armed and a tick
   * pending; both outlive execve, and the tick's default action killed the
   * new image about one start in two ("Profiling timer expired") before it
   * could handle it. The timer is disarmed and the signal ignored, which
   * discards a pending one; V8 sets up its own when the new image profiles. */
  struct itimerval off, timer;
  memset(&off, 0, sizeof off);
  setitimer(ITIMER_PROF, &off, &timer);
  struct sigaction ignore, previous;
  memset(&ignore, 0, sizeof ignore);
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPROF, &ignore, &previous);
  execve(file, args, envp);
  int failed = errno;
  sigaction(SIGPROF, &previous, NULL);
  setitimer(ITIMER_PROF, &timer, NULL);
  return make_int(env, failed);
}

/* tuneMalloc(mmapThreshold, arenaMax): glibc's M_MMAP_THRESHOLD (which also
 * stops its dynamic raising) and M_ARENA_MAX (0 = leave as is). Returns 1
 * when glibc took both, 0 otherwise (another libc: nothing to tune). */
static napi_value tune_malloc(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t threshold = 0, arenas = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 ||
      napi_get_value_int32(env, argv[0], &threshold) != napi_ok || napi_get_value_int32(env, argv[1], &arenas) != napi_ok) {
    napi_throw_type_error(env, NULL, "tuneMalloc(mmapThreshold, arenaMax)");
    return NULL;
  }
#ifdef __GLIBC__
  int ok = mallopt(M_MMAP_THRESHOLD, threshold) == 1;
  if (arenas > 0) ok = ok && mallopt(M_ARENA_MAX, arenas) == 1;
  return make_int(env, ok);
#else
  (void)threshold;
  (void)arenas;
  return make_int(env, 0);
#endif
}

/* lockExclusive(fd): flock(fd, LOCK_EX | LOCK_NB); 0, or the errno (EWOULDBLOCK: someone holds it). */
static napi_value lock_exclusive(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "lockExclusive(fd)");
    return NULL;
  }
  int rc;
  do {
    rc = flock(fd, LOCK_EX | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  return make_int(env, rc == 0 ? 0 : errno);
}

napi_status tn_register_process(napi_env env, napi_value exports) {
  napi_value ewouldblock = make_int(env, EWOULDBLOCK);
  napi_property_descriptor props[] = {
      {"execve", NULL, exec_ve, NULL, NULL, NULL, napi_enumerable, NULL},
      {"tuneMalloc", NULL, tune_malloc, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lockExclusive", NULL, lock_exclusive, NULL, NULL, NULL, napi_enumerable, NULL},
      {"EWOULDBLOCK", NULL, NULL, NULL, NULL, ewouldblock, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}
