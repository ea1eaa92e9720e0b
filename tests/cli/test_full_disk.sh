#!/usr/bin/env bash
# A full disk at each write of `create` and `patches` (a small tmpfs mounted here): the run fails
# with exit 1, names the path and "No space left on device", and leaves nothing that looks
# complete (no JSON, preview, data dir, npz, staging dir or temporary file). Needs root (mount).
set -u
cli=$1
tmp=$(mktemp -d)
mounts=()
cleanup() {
  for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
source "$(dirname "$0")/common.sh"

disk() {  # disk DIR SIZE: a fresh tmpfs of SIZE at DIR
  mkdir -p "$1"
  mount -t tmpfs -o "size=$2" tmpfs "$1" || return 1
  mounts+=("$1")
}
fill() {  # fill DIR: takes every free byte of DIR's file system
  dd if=/dev/zero of="$1/filler" bs=64k status=none 2>/dev/null
  true
}
if ! disk "$tmp/probe" 1m 2>/dev/null; then
  echo "test_full_disk.sh: SKIPPED: cannot mount a tmpfs here (needs root and mount permission)"
  exit 77
fi

"$cli" synth "$tmp/raw" --images 6 --size 256 --frames 8 --channels 2 --seed 3 >/dev/null 2>&1
create() {  # create DATASETS OUT: the same dataset each time
  "$cli" create "$tmp/raw" --datasets "$1" --out "$2" --input-frames 2 --gt-frames 8 \
    --test-fraction 0.2 --seed 5 --date 20250101 "${@:3}"
}
name=20250101_6I_denoising_2to8F

# 1. Sums larger than the disk: refused up front with the numbers, nothing written.
disk "$tmp/small" 2m
create "$tmp/ds1" "$tmp/small/out" >/dev/null 2>"$tmp/err"
check "sums too large: exit 1" test $? -eq 1
check "sums too large: says so with numbers" grep -q "not enough free space: the sums of 6 images need about .* MiB" "$tmp/err"
check "sums too large: no JSON" test ! -e "$tmp/ds1/$name.json"
check "sums too large: no preview" test ! -e "$tmp/ds1/$name.png"
check "sums too large: out is empty" test -z "$(ls -A "$tmp/small/out")"

# 2. The disk fills while the sums are written.
disk "$tmp/d2" 20m
start_stopping_at create:staged create "$tmp/raw" --datasets "$tmp/ds2" --out "$tmp/d2/out" \
  --input-frames 2 --gt-frames 8 --test-fraction 0.2 --seed 5 --date 20250101
check "create reaches the staging point" wait_stopped "$pid"
fill "$tmp/d2"
kill -CONT "$pid"
finish_of "$pid"
check "full disk during sums: exit 1" test $? -eq 1
check "full disk during sums: ENOSPC named" grep -q "No space left on device" "$tmp/bg.err"
check "full disk during sums: the TIFF named" grep -q "$tmp/d2/out/.*image.*\.tif" "$tmp/bg.err"
check "full disk during sums: not counted as read_failed" test -z "$(grep -l read_failed "$tmp/bg.err" "$tmp/bg.out")"
check "full disk during sums: no JSON" test ! -e "$tmp/ds2/$name.json"
check "full disk during sums: no preview" test ! -e "$tmp/ds2/$name.png"
check "full disk during sums: no data dir or debris" test "$(ls -A "$tmp/d2/out")" = ""
rm -f "$tmp/d2/filler"
create "$tmp/ds2" "$tmp/d2/out" >/dev/null 2>&1
check "full disk during sums: a re-run with space works" test -s "$tmp/ds2/$name.json"

# 3. The datasets dir fills after the preview, before the JSON.
disk "$tmp/d3" 4m
start_stopping_at create:preview create "$tmp/raw" --datasets "$tmp/d3/ds" --out "$tmp/out3" \
  --input-frames 2 --gt-frames 8 --test-fraction 0.2 --seed 5 --date 20250101
check "create reaches the preview point" wait_stopped "$pid"
check "the preview exists at that point" test -e "$tmp/d3/ds/$name.png"
fill "$tmp/d3"
kill -CONT "$pid"
finish_of "$pid"
check "full disk at the JSON: exit 1" test $? -eq 1
check "full disk at the JSON: ENOSPC and the JSON named" grep -q "$name.json.*No space left on device" "$tmp/bg.err"
check "full disk at the JSON: no JSON" test ! -e "$tmp/d3/ds/$name.json"
check "full disk at the JSON: no preview" test ! -e "$tmp/d3/ds/$name.png"
check "full disk at the JSON: no data dir" test -z "$(ls -A "$tmp/out3")"
check "full disk at the JSON: no debris" test -z "$(debris "$tmp/d3")$(debris "$tmp/out3")"
rm -f "$tmp/d3/filler"

# 3b. The datasets dir fills before the preview.
disk "$tmp/d3b" 4m
start_stopping_at create:claimed create "$tmp/raw" --datasets "$tmp/d3b/ds" --out "$tmp/out3b" \
  --input-frames 2 --gt-frames 8 --test-fraction 0.2 --seed 5 --date 20250101
check "create reaches the claimed point" wait_stopped "$pid"
fill "$tmp/d3b"
kill -CONT "$pid"
finish_of "$pid"
check "full disk at the preview: exit 1" test $? -eq 1
check "full disk at the preview: ENOSPC and the PNG named" grep -q "$name.png: cannot write PNG: No space left on device" "$tmp/bg.err"
check "full disk at the preview: nothing left" test -z "$(ls "$tmp/d3b/ds" | grep 2025)$(ls -A "$tmp/out3b")$(debris "$tmp/d3b")"
rm -f "$tmp/d3b/filler"

# 4. patches on a full disk: refused up front when the estimate does not fit ...
create "$tmp/ds4" "$tmp/out4" >/dev/null 2>&1
disk "$tmp/d4" 20m
"$cli" patches "$name" --datasets "$tmp/ds4" --out "$tmp/d4" --patch-size 32 \
  --patches-per-image 20000000 --seed 1 >/dev/null 2>"$tmp/err"
check "too many patches for the disk: exit 1" test $? -eq 1
check "too many patches for the disk: numbers given" grep -Eq "not enough free space: [0-9]+ patches \(npz\) need about [0-9.]+ TiB, [0-9.]+ MiB are free" "$tmp/err"
check "too many patches for the disk: nothing written (but the log of the failure)" \
  test -z "$(find "$tmp/d4" -type f ! -name '.patches.lock' ! -name patches.log)"
check "too many patches for the disk: the log says why" \
  grep -q "failed: .*not enough free space" "$tmp/d4/$name/patches.log"
# ... and when the disk fills while the patches are cut into the npz ...
start_stopping_at patches:npz-created patches "$name" --datasets "$tmp/ds4" --out "$tmp/d4" \
  --patch-size 32 --seed 1
check "patches reaches the cutting point" wait_stopped "$pid" || cat "$tmp/bg.err"
fill "$tmp/d4"
kill -CONT "$pid"
finish_of "$pid"
check "full disk while cutting: exit 1" test $? -eq 1
check "full disk while cutting: ENOSPC and the npz named" grep -q "_1Chan.npz: cannot write block [0-9]* of [XY].npy .*No space left on device" "$tmp/bg.err"
check "full disk while cutting: no npz, config, sheets or debris" \
  test -z "$(find "$tmp/d4/$name" -type f ! -name '.patches.lock' ! -name patches.log)"
rm -f "$tmp/d4/filler"

# ... and when it fills after the cutting, as the config, the sheets and the npz's end are written.
start_stopping_at patches:cut patches "$name" --datasets "$tmp/ds4" --out "$tmp/d4" \
  --patch-size 32 --seed 1
check "patches reaches the point after cutting" wait_stopped "$pid"
fill "$tmp/d4"
kill -CONT "$pid"
finish_of "$pid"
check "full disk after cutting: exit 1" test $? -eq 1
check "full disk after cutting: ENOSPC and the config named" grep -q "_1Chan.json: .*No space left on device" "$tmp/bg.err"
check "full disk after cutting: nothing left" \
  test -z "$(find "$tmp/d4/$name" -type f ! -name '.patches.lock' ! -name patches.log)"
rm -f "$tmp/d4/filler"

# 5. The log: patches.log on a full device (/dev/full) fails the run and says why.
mkdir -p "$tmp/out5/$name"
ln -s /dev/full "$tmp/out5/$name/patches.log"
"$cli" patches "$name" --datasets "$tmp/ds4" --out "$tmp/out5" --patch-size 32 --seed 1 \
  >/dev/null 2>"$tmp/err"
check "full log device: exit 1" test $? -eq 1
check "full log device: the log and ENOSPC named" grep -q "patches.log: cannot write the log: No space left on device" "$tmp/err"

finish
