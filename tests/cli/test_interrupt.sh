#!/usr/bin/env bash
# SIGINT / SIGTERM during `create` and `patches`: exit 130, "interrupted; nothing was written", no
# dataset JSON, no staging dir or temporary file left, and the next run works.
set -u
cli=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/common.sh"

linked_corpus "$tmp/raw" 32 320
create_args=(create "$tmp/raw" --datasets "$tmp/ds" --out "$tmp/out" --input-frames 5
  --gt-frames 40 --threads 1 --seed 1 --date 20250101)

nothing_left() {  # nothing_left LABEL
  check "$1: no dataset JSON" test -z "$(find "$tmp/ds" -name '2025*.json' 2>/dev/null)"
  check "$1: no preview" test -z "$(find "$tmp/ds" -name '*.png' 2>/dev/null)"
  check "$1: no data dir" test -z "$(ls -A "$tmp/out" 2>/dev/null)"
  check "$1: no debris" test -z "$(debris "$tmp")"
}

# A signal that arrives while the run is stopped just before summing (deterministic).
for sig in INT TERM; do
  start_stopping_at create:staged "${create_args[@]}"
  check "create reaches the test point ($sig)" wait_stopped "$pid"
  kill -"$sig" "$pid"
  kill -CONT "$pid"
  finish_of "$pid"
  check "SIG$sig: create exits 130" test $? -eq 130
  check "SIG$sig: one line says so" grep -qx "interrupted; nothing was written" "$tmp/bg.err"
  nothing_left "SIG$sig"
done

# index: a signal while it screens leaves no index (or the one before) and says so.
for sig in INT TERM; do
  start_stopping_at index:screening index "$tmp/raw" --datasets "$tmp/ids"
  check "index reaches the test point ($sig)" wait_stopped "$pid"
  kill -"$sig" "$pid"
  kill -CONT "$pid"
  finish_of "$pid"
  check "SIG$sig: index exits 130" test $? -eq 130
  check "SIG$sig: index says so" grep -qx "interrupted; nothing was written" "$tmp/bg.err"
  check "SIG$sig: no index written" test ! -e "$tmp/ids/raw_image_index.csv"
  check "SIG$sig: no temporary index" test -z "$(debris "$tmp/ids")"
done
"$cli" index "$tmp/raw" --datasets "$tmp/ids" >/dev/null 2>&1
cp "$tmp/ids/raw_image_index.csv" "$tmp/index.before"
start_stopping_at index:screening index "$tmp/raw" --datasets "$tmp/ids" --rescreen
check "index --rescreen reaches the test point" wait_stopped "$pid"
kill -INT "$pid"
kill -CONT "$pid"
finish_of "$pid"
check "SIGINT during a rescreen: exit 130" test $? -eq 130
check "SIGINT during a rescreen: the index as before" cmp -s "$tmp/index.before" "$tmp/ids/raw_image_index.csv"

# A signal in the middle of summing: the run stops within about a second.
set -m
"$cli" "${create_args[@]}" >/dev/null 2>"$tmp/mid.err" &
pid=$!
set +m
for i in $(seq 1 600); do
  test -n "$(find "$tmp/out" -name 'image*.tif' 2>/dev/null)" && break
  sleep 0.02
done
kill -INT "$pid"
start=$(date +%s%N)
finish_of "$pid"
rc=$?
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
check "mid-run SIGINT: exit 130 (got $rc)" test "$rc" -eq 130
# About a second is the aim; the bound leaves room for a loaded machine and sanitizer builds.
check "mid-run SIGINT: stopped within 3 s (took $elapsed_ms ms)" test "$elapsed_ms" -lt 3000
nothing_left "mid-run SIGINT"

"$cli" "${create_args[@]}" >"$tmp/again.out" 2>"$tmp/again.err"
check "a re-run works" test $? -eq 0
check "and takes the name" test -s "$tmp/ds/20250101_32I_denoising_5to40F.json"
check "one data dir" test "$(ls "$tmp/out" | wc -l)" -eq 1

# patches: SIGTERM once every patch is in the temporary npz removes it.
name=20250101_32I_denoising_5to40F
start_stopping_at patches:cut patches "$name" --datasets "$tmp/ds" --patch-size 32 --seed 2
check "patches reaches the test point" wait_stopped "$pid"
check "the temporary npz exists while it runs" test -n "$(find "$tmp/out" -name '*.npz.tmp-*')"
kill -TERM "$pid"
kill -CONT "$pid"
finish_of "$pid"
check "SIGTERM: patches exits 130" test $? -eq 130
check "SIGTERM: patches says so" grep -qx "interrupted; nothing was written" "$tmp/bg.err"
check "SIGTERM: no temporary npz" test -z "$(debris "$tmp/out")"
check "SIGTERM: no npz, config or sheets" \
  test -z "$(find "$tmp/out/$name" -name '*_patch*' -o -name 'patch_samples*' -o -name '*Chan_patch_config.json')"
"$cli" patches "$name" --datasets "$tmp/ds" --patch-size 32 --seed 2 >/dev/null 2>&1
check "patches re-run works" test $? -eq 0

finish
