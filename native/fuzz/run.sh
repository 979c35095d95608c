#!/usr/bin/env bash
# libFuzzer + AddressSanitizer (and UBSan) over the addon's C sources, one
# target per hot path (native/fuzz/fuzz_*.c), each for a bounded time:
#   native/fuzz/run.sh [SECONDS_PER_TARGET]   (default 20; CI calls it from .ci/run)
# Needs Debian's clang. Prints the executions per target; a crash fails the
# run and leaves its input in native/fuzz/crashes/ — turn it into a
# regression seed in native/fuzz/regressions/TARGET/ (replayed on every run).
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-20}"
cc="${CC_FUZZ:-clang}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p crashes
declare -A sources=(
  [fuzz_frames]=../src/frames.c
  [fuzz_cobs]=../src/cobs.c
  [fuzz_crc32c]=../src/crc32c.c
  [fuzz_timer_heap]=../src/timer_heap.c
)
status=0
for target in fuzz_frames fuzz_cobs fuzz_crc32c fuzz_timer_heap; do
  bin="$work/$target"
  "$cc" -g -O1 -std=c99 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I ../src "$target.c" "${sources[$target]}" -o "$bin"
  corpus="$work/corpus-$target"
  mkdir -p "$corpus"
  # Earlier crashes first: each must now pass.
  if [ -d "regressions/$target" ] && [ -n "$(ls -A "regressions/$target")" ]; then
    "$bin" "regressions/$target"/* > "$work/$target.replay" 2>&1 || { cat "$work/$target.replay"; echo "fuzz: $target fails a regression input"; status=1; }
  fi
  if "$bin" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="crashes/$target-" "$corpus" > "$work/$target.log" 2>&1; then
    execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$target.log" | grep -o '[0-9]*$')"
    echo "fuzz: $target: $execs executions in ${seconds} s, no crash"
  else
    tail -40 "$work/$target.log"
    echo "fuzz: $target CRASHED; input saved under native/fuzz/crashes/"
    status=1
  fi
done
exit "$status"
