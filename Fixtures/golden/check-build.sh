#!/usr/bin/env bash
# Renders every golden case with a release build made with extra compiler flags and checks that the
# output matches the committed golden byte for byte (the flags must not change a single pixel).
#   Fixtures/golden/check-build.sh BUILD_PATH SWIFTC_FLAG...
#   Fixtures/golden/check-build.sh .build-avx2 -target-cpu haswell
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
build="$1"; shift
args=()
for flag in "$@"; do args+=(-Xswiftc "$flag"); done
swift build -c release --product rackfocus --build-path "$build" "${args[@]}" >/dev/null
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0
while IFS= read -r line; do
  name="${line%%:*}"
  # shellcheck disable=SC2086
  "$build/release/rackfocus" render ${line#*: } --quiet --output "$work/$name.png"
  if cmp -s "$work/$name.png" "Fixtures/golden/$name.png"; then
    echo "golden $name: identical with $*"
  else
    echo "golden $name: DIFFERS with $*" >&2
    status=1
  fi
done < <(grep -v '^#' Fixtures/golden/cases.txt | grep -v '^$')
exit $status
