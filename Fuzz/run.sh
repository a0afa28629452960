#!/usr/bin/env bash
# Builds the libFuzzer harnesses (with AddressSanitizer) and runs each for a bounded time.
#   Fuzz/run.sh [SECONDS_PER_HARNESS] [HARNESS...]        default: 60 s, all harnesses
# Seeds come from Fixtures/fuzz/<kind>/; new corpus entries go to Fuzz/.corpus/<kind>/ (not committed).
# A crash stops the run: its input is written to Fuzz/crashes/ and the script exits 1. Turn each
# one into a regression fixture (Fixtures/fuzz/regressions/) and a test.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/Fuzz"
seconds="${1:-60}"
shift || true
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(PNG JPEG PFM EXR ShotFile)
declare -A seeds=([PNG]=png [JPEG]=jpeg [PFM]=pfm [EXR]=exr [ShotFile]=shot)
for h in "${harnesses[@]}"; do
  if ! build_log=$(swift build -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld --product "Fuzz$h" 2>&1); then
    echo "$build_log" | tail -20
    echo "Fuzz$h: build failed"
    exit 1
  fi
done
mkdir -p crashes
status=0
for h in "${harnesses[@]}"; do
  kind="${seeds[$h]}"
  mkdir -p ".corpus/$kind"
  log="crashes/Fuzz$h.log"
  if .build/debug/Fuzz$h ".corpus/$kind" "$root/Fixtures/fuzz/$kind" -max_total_time="$seconds" -max_len=65536 \
       -rss_limit_mb=2048 -timeout=10 -artifact_prefix="crashes/Fuzz$h-" -print_final_stats=1 >"$log" 2>&1; then
    runs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')
    echo "Fuzz$h: $runs executions in ${seconds}s, no crash"
  else
    echo "Fuzz$h: FAILED (see Fuzz/$log and Fuzz/crashes/Fuzz$h-*)"
    tail -30 "$log"
    status=1
  fi
done
exit $status
