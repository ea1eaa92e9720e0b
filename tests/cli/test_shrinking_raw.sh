#!/usr/bin/env bash
# A raw stack truncated by someone else while `create` reads it in place (through a memory map):
# that image is skipped with a `truncated` reason, the others make the dataset, and the process
# is not killed by SIGBUS.
set -u
cli=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/common.sh"

"$cli" synth "$tmp/raw" --images 3 --size 256 --frames 8 --channels 2 --seed 4 >/dev/null 2>&1
"$cli" index "$tmp/raw" --datasets "$tmp/ds" >/dev/null 2>&1
start_stopping_at sum:opened create "$tmp/raw" --datasets "$tmp/ds" --out "$tmp/out" \
  --input-frames 2 --gt-frames 8 --threads 1 --seed 1 --date 20250101
check "stops with a stack open" wait_stopped "$pid"
# The stack it has open: the only .tif among its descriptors.
victim=$(for fd in /proc/"$pid"/fd/*; do readlink "$fd"; done | grep '\.tif$' | head -1)
check "found the open stack" test -n "$victim"
truncate -s $(($(stat -c %s "$victim") / 2)) "$victim"
# Let it go on; it stops again at each later image.
for _ in 1 2 3 4; do
  kill -CONT "$pid" 2>/dev/null
  wait_stopped "$pid" || break
done
finish_of "$pid"
status=$?
check "exits 0, not killed by SIGBUS (status $status)" test "$status" -eq 0
check "names the truncated stack" grep -q "$(basename "$(dirname "$victim")").*truncated while being read" "$tmp/bg.err"
check "makes the dataset of the other two" grep -q "^dataset 20250101_2I_" "$tmp/bg.out"
check "lists the skipped image" grep -q "skipped" "$tmp/bg.out"
# The other two were summed after the failure in the same worker's kept buffers: their sums equal
# a run in which nothing fails half-way (the truncated stack is now refused when it is opened).
"$cli" create "$tmp/raw" --datasets "$tmp/ds" --out "$tmp/out2" --input-frames 2 --gt-frames 8 \
  --threads 1 --seed 1 --date 20250101 >/dev/null 2>&1
first=$(find "$tmp/out" -mindepth 1 -maxdepth 1 -type d ! -name '.*')
again=$(find "$tmp/out2" -mindepth 1 -maxdepth 1 -type d ! -name '.*')
same_sums() {
  [ -n "$first" ] && [ -n "$again" ] || return 1
  [ "$(cd "$first" && find . -name '*.tif' | sort)" = "$(cd "$again" && find . -name '*.tif' | sort)" ] ||
    return 1
  local f
  for f in $(cd "$first" && find . -name '*.tif'); do cmp -s "$first/$f" "$again/$f" || return 1; done
  [ "$(cd "$first" && find . -name '*.tif' | wc -l)" -eq 4 ]
}
check "the others' sums equal a run without the half-way failure" same_sums
finish
