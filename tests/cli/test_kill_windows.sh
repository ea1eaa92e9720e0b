#!/usr/bin/env bash
# SIGKILL at every publishing step of `create` and `patches`: the next run recognises what the
# killed run left and finishes or undoes it, so no data dir or preview without its JSON lingers,
# no name is lost to a `_2`, and no npz is left that a re-run refuses without its config.
set -u
cli=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/common.sh"

"$cli" synth "$tmp/raw" --images 4 --size 64 --frames 8 --channels 2 --seed 3 >/dev/null 2>&1
name=20250101_4I_denoising_2to8F
create() {  # create DATASETS OUT
  "$cli" create "$tmp/raw" --datasets "$1" --out "$2" --input-frames 2 --gt-frames 8 \
    --test-fraction 0.25 --seed 5 --date 20250101
}
kill_at() {  # kill_at POINT ARGS...: runs flamecare, SIGKILLs it at POINT
  local point=$1; shift
  start_stopping_at "$point" "$@"
  check "reaches $point" wait_stopped "$pid"
  kill -KILL "$pid"
  finish_of "$pid" >/dev/null
}

# Killed after the data dir is in place (before the preview) and after the preview (before the
# JSON): the next run takes the half-published dataset back and makes it under the same name.
for point in create:claimed create:preview; do
  ds=$tmp/ds-${point#create:} out=$tmp/out-${point#create:}
  kill_at "$point" create "$tmp/raw" --datasets "$ds" --out "$out" --input-frames 2 \
    --gt-frames 8 --test-fraction 0.25 --seed 5 --date 20250101
  check "$point: the data dir was in place when killed" test -d "$out/$name"
  check "$point: no JSON after the kill" test ! -e "$ds/$name.json"
  create "$ds" "$out" >"$tmp/out.txt" 2>"$tmp/err"
  check "$point: the re-run succeeds" test $? -eq 0
  check "$point: under the same name, not _2" grep -q "^dataset $name (id" "$tmp/out.txt"
  check "$point: says what it removed" grep -q "removed the half-published dataset" "$tmp/err"
  check "$point: one data dir" test "$(ls "$out")" = "$name"
  check "$point: every preview has its JSON" test "$(ls "$ds"/*.png | wc -l)" -eq "$(ls "$ds"/2025*.json | wc -l)"
  check "$point: no debris" test -z "$(debris "$out")$(debris "$ds")"
done

# Killed after the JSON, before its marker was removed: the dataset is complete and stays.
ds=$tmp/ds-published out=$tmp/out-published
kill_at create:published create "$tmp/raw" --datasets "$ds" --out "$out" --input-frames 2 \
  --gt-frames 8 --test-fraction 0.25 --seed 5 --date 20250101
create "$ds" "$out" >"$tmp/out.txt" 2>&1
check "published: the complete dataset is kept" test -s "$ds/$name.json" -a -d "$out/$name/train"
check "published: the re-run takes _2" grep -q "^dataset ${name}_2 " "$tmp/out.txt"
check "published: no marker left" test -z "$(debris "$out")"
"$cli" patches "$name" --datasets "$ds" --patch-size 16 --seed 1 >/dev/null 2>&1
check "published: the kept dataset is usable" test $? -eq 0

# patches killed after its config and sheets, before the npz: the re-run is not refused.
create "$tmp/ds-p" "$tmp/out-p" >/dev/null 2>&1
patches=(patches "$name" --datasets "$tmp/ds-p" --patch-size 16 --seed 1)
kill_at patches:before-npz "${patches[@]}"
"$cli" "${patches[@]}" >/dev/null 2>"$tmp/err"
check "before-npz: the re-run succeeds" test $? -eq 0
stem=$tmp/out-p/$name/${name}_patch16_16PpI_1Chan
check "before-npz: npz and its config" test -s "$stem.npz" -a -s "$stem.json"
check "before-npz: no debris" test -z "$(debris "$tmp/out-p")"

# patches killed after the npz appeared: the npz has its config; a re-run refuses, rightly.
"$cli" create "$tmp/raw" --datasets "$tmp/ds-q" --out "$tmp/out-q" --input-frames 2 \
  --gt-frames 8 --test-fraction 0.25 --seed 5 --date 20250101 >/dev/null 2>&1
kill_at patches:npz-committed patches "$name" --datasets "$tmp/ds-q" --patch-size 16 --seed 1
stem=$tmp/out-q/$name/${name}_patch16_16PpI_1Chan
check "npz-committed: the npz has its config" test -s "$stem.npz" -a -s "$stem.json"
check "npz-committed: and its sheets" test -s "${stem}_samples1.png" -a -s "${stem}_samples2.png"
"$cli" patches "$name" --datasets "$tmp/ds-q" --patch-size 16 --seed 1 >/dev/null 2>"$tmp/err"
check "npz-committed: a re-run refuses (exit 1)" test $? -eq 1
check "npz-committed: because it exists" grep -q "already exists" "$tmp/err"

# Random kills: whatever the moment, after the next run every data dir and preview has its JSON
# and nothing a killed run wrote lingers.
ds=$tmp/ds-random out=$tmp/out-random
for i in $(seq 1 15); do
  "$cli" create "$tmp/raw" --datasets "$ds" --out "$out" --input-frames 2 --gt-frames 8 \
    --seed 5 --date 20250101 >/dev/null 2>&1 &
  victim=$!
  sleep "0.$((RANDOM % 40))"
  kill -KILL "$victim" 2>/dev/null
  wait "$victim" 2>/dev/null
done
create "$ds" "$out" >/dev/null 2>&1
complete=true
for dir in "$out"/*/; do
  test -s "$ds/$(basename "$dir").json" || complete=false
done
for png in "$ds"/*.png; do
  test -s "${png%.png}.json" || complete=false
done
check "random kills: every data dir and preview has its JSON" $complete
check "random kills: no debris after the next run" test -z "$(debris "$out")$(debris "$ds")"

finish
