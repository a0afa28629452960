#!/usr/bin/env bash
# What the farm path costs: the 48-frame 1920x1080 rack focus of compare-peers.sh rendered by one
# plain `rackfocus render` and by `rackfocus farm slurm --submit` on a one-node Slurm cluster
# (scripts/with-slurm.sh), chunks of 8, one task at a time with every CPU (as the plain render has),
# until the check job has run. Alternating runs; prints both medians and the overhead.
#   Benchmarks/farm-overhead.sh [RUNS]        (default 3; needs slurmctld slurmd slurm-client munge)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ -z "${RACKFOCUS_SLURM_CLUSTER:-}" ]; then exec "$root/scripts/with-slurm.sh" "$0" "$@"; fi
peers="${PEERS_DIR:-$root/../shared/peers}"
runs="${1:-3}"
work="${WORK_DIR:-$root/out/farm-overhead}"
python3 -c "import numpy, PIL" 2>/dev/null || python3 -m pip install -q numpy pillow
(cd "$root" && swift build -c release --product rackfocus >/dev/null)
rackfocus="$root/.build/release/rackfocus"
mkdir -p "$work/in"
cp "$peers/gen_inputs.py" "$work/"
(cd "$work" && [ -f out/scene_rgb.png ] || python3 gen_inputs.py >/dev/null)
for i in $(seq 1 48); do
  n=$(printf '%04d' "$i")
  # Copies, not links: every frame is its own file, as on a farm.
  [ -f "$work/in/rgb.$n.png" ] || cp "$work/out/scene_rgb.png" "$work/in/rgb.$n.png"
  [ -f "$work/in/depth.$n.png" ] || cp "$work/out/scene_depth16.png" "$work/in/depth.$n.png"
done
shot=(--rgb "$work/in/rgb.%04d.png" --depth "$work/in/depth.%04d.png" --frames 1-48 --math depth --depth-range 0,65535
      --depth-unit mm --size 32 --maximum 32 --focus 1:1000mm --focus 48:20000mm)
cpus="$(nproc)"

plain() { rm -rf "$work/plain"; "$rackfocus" render "${shot[@]}" --quiet --output "$work/plain/f.%04d.png"; }
farm() {
  rm -rf "$work/farm"
  local ids array check
  ids="$("$rackfocus" farm slurm "${shot[@]}" --output "$work/farm/f.%04d.png" --chunk 8 --cpus-per-task "$cpus" --submit)"
  array="$(echo "$ids" | tail -1)"
  check="$(echo "$ids" | head -1 | sed -E 's/.*check job ([0-9]+).*/\1/')"
  while [ -n "$(squeue -h -j "$array,$check" 2>/dev/null)" ]; do sleep 0.2; done
  grep -q "farm check: complete" "$work/farm/logs/"*check*.log
}
seconds() { local s e; s=$(date +%s.%N); "$@"; e=$(date +%s.%N); python3 -c "print(f'{$e-$s:.3f}')"; }

p=(); f=()
for i in $(seq 1 "$runs"); do
  p+=("$(seconds plain)")
  f+=("$(seconds farm)")
  echo "run $i: plain ${p[-1]} s, farm ${f[-1]} s"
done
cmp -s "$work/plain/f.0024.png" "$work/farm/f.0024.png" && echo "frame 24: identical bytes"
python3 - "${p[*]}" "${f[*]}" <<'PY'
import statistics, sys
p = [float(x) for x in sys.argv[1].split()]
f = [float(x) for x in sys.argv[2].split()]
mp, mf = statistics.median(p), statistics.median(f)
print(f"plain render : median {mp:.2f} s ({mp / 48 * 1000:.0f} ms/frame)")
print(f"Slurm farm   : median {mf:.2f} s ({mf / 48 * 1000:.0f} ms/frame), 6 chunks of 8 + check job")
print(f"overhead     : {mf - mp:+.2f} s ({(mf / mp - 1) * 100:+.0f} %)")
PY
