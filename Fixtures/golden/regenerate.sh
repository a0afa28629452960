#!/usr/bin/env bash
# Re-renders every golden in cases.txt with the current code (release build). Use it only when the
# look changes on purpose; look at the new PNGs before committing them.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
swift build -c release --product rackfocus >/dev/null
grep -v '^#' Fixtures/golden/cases.txt | grep -v '^$' | while IFS= read -r line; do
  name="${line%%:*}"
  args="${line#*: }"
  ext=png
  # shellcheck disable=SC2086
  .build/release/rackfocus render $args --quiet --output "Fixtures/golden/$name.$ext"
  echo "wrote Fixtures/golden/$name.$ext"
done
