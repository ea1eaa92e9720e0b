#!/usr/bin/env bash
# End-to-end benchmark: index, create and patches on a synthetic corpus, each reported as a ratio
# to a floor measured in the same run (reading the same raw bytes with cat, page cache warm),
# plus a numpy/tifffile baseline doing what the original notebooks did.
# Usage: bench/run.sh [path/to/flamecare] [images] [size] [frames]; $PYTHON (default
# .venv/bin/python, see `make venv`) runs the baseline with numpy and tifffile.
set -euo pipefail
cli=$(realpath "${1:-build/flamecare}")
python=$(realpath -s "${PYTHON:-.venv/bin/python}")
images=${2:-12}
size=${3:-512}
frames=${4:-40}
work=$(mktemp -d /tmp/flamecare-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc; }
# Peak resident memory (MiB) of a command, from GNU time.
peak() { /usr/bin/time -f %M -o "$work/rss" "$@" && echo "scale=0; $(cat "$work/rss") / 1024" | bc; }

"$cli" synth "$work/raw" --images "$images" --size "$size" --frames "$frames" --channels 2 --seed 1 >/dev/null
bytes=$(find "$work/raw" -name '*.tif' -printf '%s\n' | awk '{s+=$1} END {print s}')
find "$work/raw" -name '*.tif' -exec cat {} + >/dev/null  # warm the page cache

t=$(now); find "$work/raw" -name '*.tif' -exec cat {} + >/dev/null; floor=$(elapsed "$t")
t=$(now); "$cli" index "$work/raw" --datasets "$work/ds" >/dev/null 2>&1; index=$(elapsed "$t")
t=$(now)
create_mib=$(peak "$cli" create "$work/raw" --datasets "$work/ds" --out "$work/data" --input-frames 5 \
  --gt-frames "$frames" --seed 1 --test-fraction 0.1 2>/dev/null | tee "$work/create.txt" | tail -n 1)
create=$(elapsed "$t")
name=$(head -n 1 "$work/create.txt" | awk '{print $2}')
t=$(now)
patches_mib=$(peak "$cli" patches "$name" --datasets "$work/ds" --seed 1 2>/dev/null | tee "$work/patches.txt" |
  tail -n 1)
patches=$(elapsed "$t")

t=$(now)
cat >"$work/baseline.py" <<'PY'
# What the original notebook did per dataset: read whole stacks, sum, concatenate, percentiles.
import glob, sys
import numpy as np, tifffile
root, n_in, n_gt = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ins, gts = [], []
for path in sorted(glob.glob(root + "/**/*.tif", recursive=True)):
    data = tifffile.imread(path)
    ins.append(data[:n_in].sum(axis=0, dtype=np.int32)); gts.append(data[:n_gt].sum(axis=0, dtype=np.int32))
for arrs in (ins, gts):
    allpix = np.concatenate([a.reshape(a.shape[0], -1) for a in arrs], axis=1)
    [np.percentile(allpix[c], [0.1, 1, 5, 95, 99, 99.9]) for c in range(allpix.shape[0])]
    allpix.mean(), allpix.std(), allpix.min(), allpix.max()
PY
numpy_mib=$(peak "$python" "$work/baseline.py" "$work/raw" 5 "$frames")
numpy=$(elapsed "$t")

mib=$(echo "scale=1; $bytes / 1048576" | bc)
printf 'corpus: %d images, %dx%d, %d frames, 2 channels, int16: %s MiB\n' "$images" "$size" "$size" "$frames" "$mib"
printf '%-34s %8.2f s  (%6.0f MiB/s)\n' "floor: cat of the raw bytes" "$floor" "$(echo "$mib / $floor" | bc -l)"
printf '%-34s %8.2f s  x%.1f floor\n' "index (screen every file)" "$index" "$(echo "$index / $floor" | bc -l)"
printf '%-34s %8.2f s  x%.1f floor  peak %s MiB\n' "create 5->$frames (sums, stats, TIFFs)" "$create" \
  "$(echo "$create / $floor" | bc -l)" "$create_mib"
printf '%-34s %8.2f s              peak %s MiB\n' "patches (P=128, m=4)" "$patches" "$patches_mib"
printf '  %s\n' "$(head -n 1 "$work/patches.txt")" "$(grep 'npz:' "$work/patches.txt")"
printf '%-34s %8.2f s  x%.1f floor  peak %s MiB\n' "numpy/tifffile baseline (sum+stats)" "$numpy" \
  "$(echo "$numpy / $floor" | bc -l)" "$numpy_mib"
