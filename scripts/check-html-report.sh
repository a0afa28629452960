#!/usr/bin/env bash
# Documented check of `rackfocus compare --report`: renders two versions of a demo frame that
# differ (disc vs bladed bokeh), writes the HTML report, and screenshots it in headless Chromium
# (Debian package `chromium`, installed if missing). Look at the screenshot it prints.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
out="${1:-$root/out/report-check}"
mkdir -p "$out"
command -v chromium >/dev/null || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -qq chromium; }
swift build -c release --product rackfocus >/dev/null
lens=(--math depth --depth-range 0.9,8.1 --focal-length 49.455 --sensor-width 36 --fstop 0.8242 --breathing off --focus 8 --quiet)
for f in 1001 1012; do
  .build/release/rackfocus render --rgb "Fixtures/demo/rgb.$f.png" --depth "Fixtures/demo/depth.$f.png" "${lens[@]}" --output "$out/disc.$f.png"
  .build/release/rackfocus render --rgb "Fixtures/demo/rgb.$f.png" --depth "Fixtures/demo/depth.$f.png" "${lens[@]}" \
    --filter bladed --blades 5 --output "$out/bladed.$f.png"
done
.build/release/rackfocus compare "$out/disc.%04d.png" "$out/bladed.%04d.png" --min-psnr 45 \
  --report "$out/report.html" --json "$out/report.json" || true
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1600,1400 \
  --screenshot="$out/report.png" "file://$out/report.html" 2>/dev/null
echo "screenshot: $out/report.png"
