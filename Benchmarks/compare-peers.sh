#!/usr/bin/env bash
# RackFocus vs FFmpeg varblur on the same 48-frame 1920x1080 rack focus, side by side.
#   Benchmarks/compare-peers.sh [RUNS]        (default 3 alternating runs of each tool)
# The scene comes from shared/peers/gen_inputs.py (a 1 m foreground disc, a 3 m panel, a 20 m
# background); focus pulls from 1000 mm to 20000 mm in diopters over frames 1-48, maximum radius
# 32 px (r = 32 |1 - focus/depth|, shared/peers/coc_map.py's thin-lens model = RackFocus --size 32).
# FFmpeg's 48 radius maps are prepared before timing. Both tools read 48 PNG frames and write 48.
# Prints each tool's median wall time and the ratio RackFocus / FFmpeg.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
peers="${PEERS_DIR:-$root/../shared/peers}"
runs="${1:-3}"
work="${WORK_DIR:-$root/out/compare-peers}"
command -v ffmpeg >/dev/null || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -qq ffmpeg >/dev/null; }
python3 -c "import numpy, PIL" 2>/dev/null || pip install -q numpy pillow
# RackFocus's AVX2 build (README, Performance; the same output bit for bit) where the CPU can run it,
# unless RACKFOCUS_BASELINE=1 asks for the default build.
if [ "${RACKFOCUS_BASELINE:-0}" != 1 ] && grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo && grep -qw bmi2 /proc/cpuinfo; then
  (cd "$root" && swift build -c release --product rackfocus --build-path .build-avx2 -Xswiftc -target-cpu -Xswiftc haswell >/dev/null)
  rackfocus="$root/.build-avx2/release/rackfocus"
  echo "RackFocus build: AVX2 (-Xswiftc -target-cpu -Xswiftc haswell)"
else
  (cd "$root" && swift build -c release --product rackfocus >/dev/null)
  rackfocus="$root/.build/release/rackfocus"
  echo "RackFocus build: default (x86-64 baseline)"
fi

mkdir -p "$work/in" "$work/maps" "$work/out_ff" "$work/out_rf"
cp "$peers"/gen_inputs.py "$peers"/coc_map.py "$work/"
(cd "$work" && [ -f out/scene_rgb.png ] || python3 gen_inputs.py >/dev/null)
for i in $(seq 1 48); do
  n=$(printf '%04d' "$i")
  ln -sf "$work/out/scene_rgb.png" "$work/in/rgb.$n.png"
  ln -sf "$work/out/scene_depth16.png" "$work/in/depth.$n.png"
done
# Radius maps for FFmpeg: focus eased linearly in diopters, as RackFocus does by default.
if [ ! -f "$work/maps/map.0048.png" ]; then
  for i in $(seq 1 48); do
    focus=$(python3 -c "t=($i-1)/47; print(round(1/((1-t)/1000+t/20000), 3))")
    python3 "$work/coc_map.py" "$work/out/scene_depth16.png" "$focus" 32 "$work/maps/map.$(printf '%04d' "$i").png" --encode ffmpeg > "$work/maps/params"
  done
fi
eval "$(cat "$work/maps/params")"   # VARBLUR_MAX_R

ffmpeg_run() {
  ffmpeg -nostdin -hide_banner -loglevel error -y -start_number 1 -i "$work/in/rgb.%04d.png" -start_number 1 -i "$work/maps/map.%04d.png" \
    -filter_complex "[0:v]format=gbrp[c];[1:v]format=gbrp[r];[c][r]varblur=min_r=0:max_r=${VARBLUR_MAX_R}:planes=7,format=rgb24" \
    -start_number 1 "$work/out_ff/ff.%04d.png"
}
rackfocus_run() {
  "$rackfocus" render --rgb "$work/in/rgb.%04d.png" --depth "$work/in/depth.%04d.png" --frames 1-48 \
    --math depth --depth-range 0,65535 --depth-unit mm --size 32 --maximum 32 \
    --focus 1:1000mm --focus 48:20000mm --quiet --output "$work/out_rf/rf.%04d.png"
}
seconds() { local s e; s=$(date +%s.%N); "$@"; e=$(date +%s.%N); python3 -c "print(f'{$e-$s:.3f}')"; }

ff=(); rf=()
for i in $(seq 1 "$runs"); do
  ff+=("$(seconds ffmpeg_run)")
  rf+=("$(seconds rackfocus_run)")
  echo "run $i: ffmpeg ${ff[-1]} s, rackfocus ${rf[-1]} s"
done
python3 - "${ff[*]}" "${rf[*]}" <<'PY'
import statistics, sys
ff = [float(x) for x in sys.argv[1].split()]
rf = [float(x) for x in sys.argv[2].split()]
mf, mr = statistics.median(ff), statistics.median(rf)
print(f"FFmpeg varblur : median {mf:.2f} s ({mf / 48 * 1000:.0f} ms/frame)")
print(f"RackFocus      : median {mr:.2f} s ({mr / 48 * 1000:.0f} ms/frame)")
print(f"ratio RackFocus/FFmpeg: {mr / mf:.2f} (target <= 0.5)")
PY
