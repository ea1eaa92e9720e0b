#!/usr/bin/env bash
# make demo: a synthetic FLAME corpus through the whole pipeline, printing where everything is.
set -euo pipefail
cli=$(realpath "${1:-build/flamecare}")
root=$(pwd)/demo-output
if [[ -e "$root" ]]; then
  echo "demo: removing the previous demo run in $root"
  rm -rf "$root"
fi
mkdir -p "$root"
raw="$root/raw" datasets="$root/datasets" data="$root/data"

echo "== 1. synth: a small synthetic FLAME corpus (8 good stacks, 5 deliberately bad files)"
"$cli" synth "$raw" --images 8 --size 256 --frames 40 --channels 2 --seed 7 --with-bad-files

first=$(find "$raw" -name 'Im_*.tif' | sort | head -n 1)
echo
echo "== 2. inspect one raw image"
"$cli" inspect "$first"

echo
echo "== 3. index the raw folder"
"$cli" index "$raw" --datasets "$datasets"

echo
echo "== 4. create a 5 -> 40 frame dataset"
"$cli" create "$raw" --datasets "$datasets" --out "$data" --input-frames 5 --gt-frames 40 \
  --test-fraction 0.25 --seed 7 | tee "$root/create.txt"
name=$(head -n 1 "$root/create.txt" | awk '{print $2}')

echo
echo "== 5. cut 64x64 training patches"
"$cli" patches "$name" --datasets "$datasets" --data "$data" --patch-size 64 --seed 7

echo
echo "demo outputs:"
echo "  raw corpus:     $raw"
echo "  index:          $datasets/raw_image_index.csv"
echo "  dataset JSON:   $datasets/$name.json"
echo "  preview:        $datasets/$name.png"
echo "  train/test:     $data/$name/{train,test}"
echo "  patches:        $(ls "$data/$name"/*.npz)"
echo "  patch samples:  $data/$name/patch_samples1.png $data/$name/patch_samples2.png"

echo
echo "== 6. load the patches with numpy, as CSBDeep's load_training_data does"
/usr/bin/python3 - "$(ls "$data/$name"/*.npz)" <<'PY'
import sys
import numpy as np
f = np.load(sys.argv[1])
X, Y, axes, coords = f["X"], f["Y"], str(f["axes"]), f["coords"]
print(f"X {X.shape} {X.dtype}, Y {Y.shape} {Y.dtype}, axes {axes}, values in [{X.min():.2f}, {X.max():.2f}]")
print(f"first patch: image id {coords[0, 0]}, channel {coords[0, 1]}, y0 {coords[0, 2]}, x0 {coords[0, 3]}")
PY
