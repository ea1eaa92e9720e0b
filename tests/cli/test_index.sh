#!/usr/bin/env bash
# CLI test for `flamecare index`: exit codes, summary, log, re-runs, concurrent runs, SIGKILL.
set -u
CLI="$1"
PY=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
check() {  # check DESCRIPTION COMMAND...
  if "${@:2}"; then echo "ok   $1"; else echo "FAIL $1"; failures=$((failures + 1)); fi
}
# Prints "rows unique_ids unique_paths" of an index CSV (Python's csv module, RFC 4180).
csv_stats() {
  "$PY" - "$1" <<'EOF'
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
print(len(rows), len({r["id"] for r in rows}), len({r["image"] for r in rows}))
EOF
}

# --- usage errors: exit 2 ---
"$CLI" index >/dev/null 2>&1; check "no arguments → 2" test $? -eq 2
"$CLI" index "$work" >/dev/null 2>&1; check "missing --datasets → 2" test $? -eq 2
"$CLI" index "$work" --datasets "$work/ds" --threads -1 >/dev/null 2>&1
check "negative --threads → 2" test $? -eq 2
"$CLI" index "$work" --datasets "$work/ds" --bogus >/dev/null 2>&1
check "unknown option → 2" test $? -eq 2

# --- missing root: exit 1, message names the root ---
"$CLI" index "$work/nope" --datasets "$work/ds0" >"$work/out" 2>"$work/err"
check "missing root → 1" test $? -eq 1
check "missing root message" grep -q "$work/nope: raw root is not an existing directory" "$work/err"
check "missing root writes no index" test ! -e "$work/ds0/raw_image_index.csv"

# --- a first run ---
raw="$work/raw"
mkdir -p "$raw/day 1/a,b" "$raw/x.tif"
printf 'x' >"$raw/day 1/one.tif"
printf 'xx' >"$raw/day 1/a,b/two.TIFF"
printf 'xxx' >"$raw/three.Tif"
printf '{}' >"$raw/three.tileData.txt"
ds="$work/datasets"
"$CLI" index "$raw" --datasets "$ds" --threads 2 >"$work/out" 2>"$work/err"
check "first run → 0 (even with unusable files)" test $? -eq 0
cat "$work/out"
check "summary: index path" grep -qx "index: $ds/raw_image_index.csv" "$work/out"
check "summary: files found" grep -qx "files found: 3" "$work/out"
check "summary: new" grep -qx "new: 3" "$work/out"
check "summary: screened" grep -qx "screened: 3" "$work/out"
usable=$(sed -n 's/^usable: //p' "$work/out")
unusable=$(sed -n 's/^unusable: //p' "$work/out")
check "summary: usable ($usable) + unusable ($unusable) = 3" test $((usable + unusable)) -eq 3
by_reason=$(awk '/^  [a-z_]+: [0-9]+$/ {s += $2} END {print s + 0}' "$work/out")
check "summary: reason counts add up to unusable ($unusable)" test "$by_reason" -eq "$unusable"
check "summary: missing" grep -qx "missing: 0" "$work/out"
check "index.log written" test -s "$ds/index.log"
check "index.log has the command" grep -q "flamecare index" "$ds/index.log"
check "CSV has 3 rows, unique ids and paths" test "$(csv_stats "$ds/raw_image_index.csv")" = "3 3 3"
check "CSV header" test "$(head -1 "$ds/raw_image_index.csv")" = \
  "id,image,imgarr_nframes,channels,height,width,dtype,bidirectional_correction,size_bytes,mtime_ns,sidecar_size_bytes,sidecar_mtime_ns,status,reason,image_bytes"

# --- re-run: nothing new; then a deleted file is missing and a new one gets max+1 ---
"$CLI" index "$raw" --datasets "$ds" >"$work/out" 2>/dev/null
check "second run → 0" test $? -eq 0
check "second run: new 0" grep -qx "new: 0" "$work/out"
check "second run: screened 0" grep -qx "screened: 0" "$work/out"
rm "$raw/three.Tif"
printf 'x' >"$raw/zz.tif"
"$CLI" index "$raw" --datasets "$ds" >"$work/out" 2>/dev/null
check "third run: missing 1" grep -qx "missing: 1" "$work/out"
check "third run: new 1" grep -qx "new: 1" "$work/out"
check "new file got id 3" grep -q '^3,zz.tif,' "$ds/raw_image_index.csv"
check "deleted file kept its id 2" grep -q '^2,three.Tif,.*,missing,' "$ds/raw_image_index.csv"

# --- two CLI runs at once with different new files ---
mkdir -p "$raw/c1" "$raw/c2"
for i in $(seq 1 200); do : >"$raw/c1/f$i.tif"; done
"$CLI" index "$raw" --datasets "$ds" --threads 1 >/dev/null 2>&1 &
p1=$!
for i in $(seq 1 200); do : >"$raw/c2/g$i.tif"; done
"$CLI" index "$raw" --datasets "$ds" --threads 1 >/dev/null 2>&1 &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
check "concurrent runs both → 0" test "$r1$r2" = "00"
check "concurrent runs: every file once, unique ids" \
  test "$(csv_stats "$ds/raw_image_index.csv")" = "404 404 404"

# --- SIGKILL mid-run leaves the previous index intact ---
cp "$ds/raw_image_index.csv" "$work/before.csv"
mkdir -p "$raw/many"
"$PY" -c "
import sys
for i in range(40000): open(f'{sys.argv[1]}/m{i:05d}.tif', 'w').close()" "$raw/many"
"$CLI" index "$raw" --datasets "$ds" --threads 1 >/dev/null 2>&1 &
victim=$!
sleep 0.3
kill -9 $victim 2>/dev/null
wait $victim
status=$?
if [ $status -eq 137 ]; then
  check "killed run: index unchanged" cmp -s "$work/before.csv" "$ds/raw_image_index.csv"
else
  echo "note: the run finished before the kill (exit $status); checking the new index instead"
fi
rows=$(csv_stats "$ds/raw_image_index.csv")
echo "index after the kill: rows/unique ids/unique paths = $rows"
check "index after kill parses, unique ids and paths" \
  test "$(echo "$rows" | awk '$1 == $2 && $2 == $3 {print "ok"}')" = ok
for f in "$ds"/*; do
  case "$(basename "$f")" in
    raw_image_index.csv | raw_image_index.csv.lock | index.log | raw_image_index.csv.tmp-*) ;;
    *) check "unexpected file $(basename "$f")" false ;;
  esac
done
ls "$ds"
"$CLI" index "$raw" --datasets "$ds" >"$work/out" 2>/dev/null
check "run after the kill → 0" test $? -eq 0
check "run after the kill indexes everything" \
  test "$(csv_stats "$ds/raw_image_index.csv")" = "40404 40404 40404"
check "stale temporaries removed" bash -c "! ls '$ds' | grep -q tmp-"

echo "$failures failure(s)"
test $failures -eq 0
