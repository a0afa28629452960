#!/usr/bin/env bash
# The farm binary: a release build with the Swift runtime linked in (--static-swift-stdlib), which
# runs on a render node that has no Swift toolchain. Checks that ldd lists no Swift library, then,
# with the toolchain's library folder hidden (a private mount namespace with an empty folder over
# it; needs root or unprivileged user namespaces), prints its version and renders every golden
# case byte for byte.
#   scripts/check-static-binary.sh [BUILD_PATH]        default .build-static
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
build="${1:-.build-static}"
swift build -c release --static-swift-stdlib --product rackfocus --scratch-path "$build" >/dev/null
binary="$root/$build/release/rackfocus"
if ldd "$binary" | grep -i swift; then
  echo "static binary: links a Swift library (above)" >&2
  exit 1
fi
echo "static binary: ldd lists no Swift library ($(ldd "$binary" | wc -l) libraries: libc, the codecs)"
toolchain_lib="$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")/lib"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mount_as=()
[ "$(id -u)" -eq 0 ] || mount_as=(--map-root-user)
unshare "${mount_as[@]}" --mount bash -euo pipefail -c '
  mount -t tmpfs none "$1"
  [ -z "$(ls -A "$1")" ] || { echo "toolchain library folder still visible" >&2; exit 1; }
  "$2" --version
  status=0
  while IFS= read -r line; do
    name="${line%%:*}"
    "$2" render ${line#*: } --quiet --output "$3/$name.png"
    if cmp -s "$3/$name.png" "Fixtures/golden/$name.png"; then echo "golden $name: identical without the toolchain"; else echo "golden $name: DIFFERS" >&2; status=1; fi
  done < <(grep -v "^#" Fixtures/golden/cases.txt | grep -v "^$")
  exit $status
' check "$toolchain_lib" "$binary" "$work"
