#!/usr/bin/env bash
# Option limits are usage errors (exit 2) with a short message naming the option, checked before
# any work; values at the limits are accepted.
set -u
cli=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/common.sh"

"$cli" synth "$tmp/raw" --images 3 --size 48 --frames 8 --channels 1 --seed 2 >/dev/null 2>&1
create=(create "$tmp/raw" --datasets "$tmp/ds" --out "$tmp/out")

usage_error() {  # usage_error FLAG ARGS...: exit 2, one short message naming FLAG, nothing made
  local flag=$1; shift
  "$cli" "$@" >/dev/null 2>"$tmp/err"
  local rc=$?
  check "$* : exit 2 (got $rc)" test $rc -eq 2
  check "$* : names $flag" grep -q -- "$flag" "$tmp/err"
  check "$* : short message" test "$(wc -c <"$tmp/err")" -lt 300
  check "$* : no dataset" test ! -e "$tmp/ds"
}

usage_error --input-frames "${create[@]}" --input-frames 0 --gt-frames 8
usage_error --gt-frames "${create[@]}" --input-frames 6 --gt-frames 2
usage_error --test-fraction "${create[@]}" --input-frames 2 --gt-frames 8 --test-fraction 2
usage_error --test-fraction "${create[@]}" --input-frames 2 --gt-frames 8 --test-fraction 1
usage_error --seed "${create[@]}" --input-frames 2 --gt-frames 8 --seed 18446744073709551616
usage_error --seed "${create[@]}" --input-frames 2 --gt-frames 8 --seed -1
usage_error --date "${create[@]}" --input-frames 2 --gt-frames 8 --date 20241399
usage_error --date "${create[@]}" --input-frames 2 --gt-frames 8 --date 20230229
usage_error --threads "${create[@]}" --input-frames 2 --gt-frames 8 --threads -1
usage_error --channels "${create[@]}" --input-frames 2 --gt-frames 8 --channels 0
usage_error --threads index "$tmp/raw" --datasets "$tmp/ds" --threads -1
echo 'seed = -1' >"$tmp/bad.toml"
usage_error seed "${create[@]}" --input-frames 2 --gt-frames 8 --config "$tmp/bad.toml"

# At the limits: accepted.
"$cli" "${create[@]}" --input-frames 1 --gt-frames 8 --seed 18446744073709551615 \
  --date 20240229 --test-fraction 0 --threads 0 >"$tmp/ok.txt" 2>&1
check "limits accepted" test $? -eq 0
check "the largest seed is kept" grep -q "seed 18446744073709551615" "$tmp/ok.txt"
check "a leap day is a date" grep -q "dataset 20240229_" "$tmp/ok.txt"

name=$(sed -n 's/^dataset \([^ ]*\) .*/\1/p' "$tmp/ok.txt")
patches=(patches "$name" --datasets "$tmp/ds")
rm -rf "$tmp/ds.keep" && cp -r "$tmp/ds" "$tmp/ds.keep"
patch_usage_error() {  # as usage_error, for patches (the dataset exists)
  local flag=$1; shift
  "$cli" "$@" >/dev/null 2>"$tmp/err"
  local rc=$?
  check "$* : exit 2 (got $rc)" test $rc -eq 2
  check "$* : names $flag" grep -q -- "$flag" "$tmp/err"
  check "$* : short message" test "$(wc -c <"$tmp/err")" -lt 300
}
patch_usage_error --patch-size "${patches[@]}" --patch-size 1
patch_usage_error --patch-multiple "${patches[@]}" --patch-multiple 0
patch_usage_error --patches-per-image "${patches[@]}" --patches-per-image 0
patch_usage_error --background-threshold "${patches[@]}" --background-threshold 1.5
patch_usage_error --seed "${patches[@]}" --seed -1
patch_usage_error --threads "${patches[@]}" --threads -1
check "no npz from a usage error" test -z "$(find "$tmp/out" -name '*.npz')"

finish
