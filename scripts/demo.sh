#!/usr/bin/env bash
# make demo: a synthetic FLAME corpus through the whole pipeline, printing where everything is.
# Usage: demo.sh [CLI] [PYTHON]; PYTHON (default .venv/bin/python, see `make venv`) has the
# flamecare package and numpy for the last step.
set -euo pipefail
cli=$(realpath "${1:-build/flamecare}")
python=${2:-.venv/bin/python}
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
echo "== 6. a Noise2Noise dataset: frames [0, 20) vs [20, 40), test split by whole mosaics"
"$cli" create "$raw" --datasets "$datasets" --out "$data" --input-frames 20 --gt-frames 20 \
  --pairing disjoint --group-by mosaic --test-fraction 0.25 --seed 7 | tee "$root/create_n2n.txt"
n2n=$(head -n 1 "$root/create_n2n.txt" | awk '{print $2}')

echo
echo "== 7. export it for CAREamics (train/val/test input and target folders + careamics.json)"
"$cli" export "$n2n" --datasets "$datasets" --format careamics --out "$root/careamics" \
  --validation-fraction 0.25 --seed 7

echo
echo "demo outputs:"
echo "  raw corpus:     $raw"
echo "  index:          $datasets/raw_image_index.csv"
echo "  dataset JSON:   $datasets/$name.json"
echo "  preview:        $datasets/$name.png"
echo "  train/test:     $data/$name/{train,test}"
echo "  patches:        $(ls "$data/$name"/*.npz)"
echo "  patch samples:  $data/$name/patch_samples1.png $data/$name/patch_samples2.png"
echo "  N2N dataset:    $datasets/$n2n.json ($data/$n2n/{train,test}/image<id>_frames{0-20,20-40}.tif)"
echo "  CAREamics:      $root/careamics/$n2n/{train,val,test}/{input,target}"
echo "  its config:     $root/careamics/$n2n/careamics.json"

echo
echo "== 8. in Python: a raw stack with flamecare, the patches with numpy (as CSBDeep loads them)"
"$python" - "$first" "$(ls "$data/$name"/*.npz)" <<'PY'
import sys
import numpy as np
import flamecare as fc
raw = fc.read_raw(sys.argv[1])
print(raw)
print(f"frames 0-4 of channel 0: mean {raw.frames(0, 5)[:, 0].mean():.2f}; "
      f"framesPerTile {raw.tile_data['TileData']['framesPerTile']}, "
      f"SI.hScan2D.channelsDataType {raw.header['SI.hScan2D.channelsDataType']!r}")
f = np.load(sys.argv[2])
X, Y, axes, coords = f["X"], f["Y"], str(f["axes"]), f["coords"]
print(f"X {X.shape} {X.dtype}, Y {Y.shape} {Y.dtype}, axes {axes}, values in [{X.min():.2f}, {X.max():.2f}]")
print(f"first patch: image id {coords[0, 0]}, channel {coords[0, 1]}, y0 {coords[0, 2]}, x0 {coords[0, 3]}")
PY
