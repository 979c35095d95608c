# timenode's own addon: the wire hot paths no package does well (frame
# scanning over a chunk, COBS, CRC-32C), the timer heap's twin, and the
# process calls Node 20 lacks (execve, mallopt, flock), in C over
# N-API so one build serves every Node >= 20. Built by native/install.js
# (npm ci); loaded by src/wire/native/addon.ts with node-gyp-build.
{
  "targets": [
    {
      "target_name": "timenode",
      "sources": [
        "src/timenode.c",
        "src/frames.c",
        "src/cobs.c",
        "src/crc32c.c",
        "src/timer_heap.c",
        "src/process.c"
      ],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O3", "-std=c99", "-Wall", "-Wextra"],
      "cflags!": ["-O2"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["-O3", "-std=c99", "-Wall", "-Wextra"]
      },
      "msvs_settings": {
        "VCCLCompilerTool": { "Optimization": 2 }
      }
    }
  ]
}
