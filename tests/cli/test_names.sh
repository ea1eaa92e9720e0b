#!/usr/bin/env bash
# Dataset names and ids: runs sharing an --out never collide, ids are never given twice (not even
# after the newest JSON is deleted), 64-bit ids, and stray files in the datasets dir are skipped
# with a warning naming them.
set -u
cli=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/common.sh"

"$cli" synth "$tmp/raw" --images 3 --size 64 --frames 8 --channels 1 --seed 3 >/dev/null 2>&1
name=20250101_3I_denoising_2to8F
create() {  # [DATE=YYYYMMDD] create DATASETS [ARGS...]
  "$cli" create "$tmp/raw" --datasets "$1" --out "$tmp/out" --input-frames 2 --gt-frames 8 \
    --seed 5 --date "${DATE:-20250101}" "${@:2}"
}
id_of() { sed -n 's/.*"id": "\(0x[0-9a-f]*\)".*/\1/p' "$1" | head -1; }

# Two runs with different datasets dirs and the same --out: the one that publishes second takes
# the next free name instead of failing after all its work.
start_stopping_at create:staged create "$tmp/raw" --datasets "$tmp/dsA" --out "$tmp/out" \
  --input-frames 2 --gt-frames 8 --seed 5 --date 20250101
check "run A reaches the point after its selection" wait_stopped "$pid"
create "$tmp/dsB" >"$tmp/b.out" 2>&1
check "run B succeeds" test $? -eq 0
kill -CONT "$pid"
finish_of "$pid"
check "run A succeeds too" test $? -eq 0
check "run A takes the next name" grep -q "^dataset ${name}_2 " "$tmp/bg.out"
check "each dataset dir holds its own JSON and preview only" \
  test "$(ls "$tmp/dsA" | grep -c '^2025')" -eq 2 -a "$(ls "$tmp/dsB" | grep -c '^2025')" -eq 2
check "two data dirs" test "$(ls "$tmp/out" | wc -l)" -eq 2

# Ids are never reused: deleting the newest JSON does not free its id.
ds=$tmp/ds-ids
DATE=20250201 create "$ds" >/dev/null 2>&1
DATE=20250202 create "$ds" >/dev/null 2>&1
check "ids count up" test "$(id_of "$ds/20250202_3I_denoising_2to8F.json")" = 0x0002
rm "$ds/20250202_3I_denoising_2to8F.json"
DATE=20250203 create "$ds" >/dev/null 2>&1
check "a deleted dataset's id is not given again" test "$(id_of "$ds/20250203_3I_denoising_2to8F.json")" = 0x0003

# Ids are 64-bit: after 2147483647 comes 0x80000000; after 2^64 - 1 nothing, cleanly.
ds=$tmp/ds-big
mkdir -p "$ds"
sed 's/"id": "0x0001"/"id": "0x7fffffff"/' "$tmp/dsB/$name.json" >"$ds/old.json"
DATE=20250301 create "$ds" >/dev/null 2>&1
check "the id after 0x7fffffff is 0x80000000" test "$(id_of "$ds/20250301_3I_denoising_2to8F.json")" = 0x80000000
sed 's/"id": "0x0001"/"id": "0xffffffffffffffff"/' "$tmp/dsB/$name.json" >"$ds/last.json"
DATE=20250302 create "$ds" >"$tmp/out.txt" 2>"$tmp/err"
check "no id after 2^64 - 1: exit 1" test $? -eq 1
check "no id after 2^64 - 1: says so" grep -q "0xffffffffffffffff is the largest possible" "$tmp/err"
check "no id after 2^64 - 1: nothing written" test -z "$(ls "$ds" | grep 20250302)$(ls "$tmp/out" | grep 20250302)"

# Stray files named *.json in the datasets dir: skipped with a warning naming each, never a crash
# or a hang.
ds=$tmp/ds-stray
mkdir -p "$ds"
echo '{"FLAME_Dataset": [1]}' >"$ds/array.json"
echo 'not json at all' >"$ds/text.json"
mkfifo "$ds/fifo.json"
mkdir "$ds/folder.json"
timeout 60 "$cli" create "$tmp/raw" --datasets "$ds" --out "$tmp/out-stray" --input-frames 2 \
  --gt-frames 8 --seed 5 --date 20250101 >"$tmp/out.txt" 2>"$tmp/err"
check "strays: create succeeds" test $? -eq 0
for stray in array text fifo folder; do
  check "strays: $stray.json named in a warning" grep -q "warning: .*$stray.json" "$tmp/err"
done
check "strays: no internal error" test -z "$(grep -i 'internal\|type_error' "$tmp/err")"
check "strays: the dataset gets id 1" test "$(id_of "$ds/$name.json")" = 0x0001

finish
