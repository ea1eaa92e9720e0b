#!/usr/bin/env bash
# create --plan-only, create-shard, create-merge: the same dataset as one create (N = 1, 2, 5;
# int16 and float32; odd files, an image that cannot be summed, two image sizes), reservation of
# name and id, killed shards and merges, and every refusal.
set -u
cli=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/common.sh"
opts=(--input-frames 2 --gt-frames 6 --seed 5 --threads 2 --date 20260101 --test-fraction 0.3)

# A raw root of two image sizes with unusable files, indexed into $tmp/ds0-$2; then one good
# image is damaged keeping its size and mtime, so it passes screening but cannot be summed.
make_corpus() {  # make_corpus ROOT DTYPE
  "$cli" synth "$1/a" --images 4 --size 48 --frames 12 --channels 2 --seed 3 --dtype "$2" \
    --with-bad-files >/dev/null 2>&1
  "$cli" synth "$1/b" --images 4 --size 40 --frames 12 --channels 2 --seed 4 --dtype "$2" \
    >/dev/null 2>&1
  "$cli" index "$1" --datasets "$tmp/ds0-$2" >/dev/null 2>&1
  local victim size
  victim=$(find "$1/b" -name 'Im_00002.tif')
  size=$(stat -c %s "$victim")
  cp -p "$victim" "$tmp/ref.tif"
  truncate -s $((size / 3)) "$victim"
  truncate -s "$size" "$victim"
  touch -r "$tmp/ref.tif" "$victim"
}

# True when the dataset JSONs agree in everything but times and the dirs they name.
same_json() {  # same_json A.json B.json
  python3 - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for d in (a, b):
    f = d["FLAME_Dataset"]
    for k in ("created", "data_dir"):
        f.pop(k, None)
    for k in ("out", "datasets"):
        f["create_options"].pop(k, None)
sys.exit(0 if a == b else 1)
PY
}

# True when two data dirs hold the same TIFF names with the same bytes (and nothing else).
same_tiffs() {  # same_tiffs DIR_A DIR_B
  local f
  [ "$(cd "$1" && find . -type f ! -name create.log | sort)" = \
    "$(cd "$2" && find . -type f ! -name create.log | sort)" ] || return 1
  for f in $(cd "$1" && find . -name '*.tif'); do cmp -s "$1/$f" "$2/$f" || return 1; done
}

# Plans into $tmp/ds-$1 / $tmp/out-$1 from a copy of the indexed datasets dir; sets `plan`.
plan_into() {  # plan_into TAG DTYPE
  rm -rf "$tmp/ds-$1" "$tmp/out-$1"
  cp -r "$tmp/ds0-$2" "$tmp/ds-$1"
  plan=$("$cli" create "$tmp/raw-$2" --datasets "$tmp/ds-$1" --out "$tmp/out-$1" "${opts[@]}" \
    --plan-only 2>"$tmp/plan.err" | tail -1)
}

for dtype in int16 float32; do
  make_corpus "$tmp/raw-$dtype" "$dtype"
  cp -r "$tmp/ds0-$dtype" "$tmp/ds-single-$dtype"
  "$cli" create "$tmp/raw-$dtype" --datasets "$tmp/ds-single-$dtype" \
    --out "$tmp/out-single-$dtype" "${opts[@]}" >"$tmp/single.out" 2>/dev/null
  check "$dtype: one create exits 0" test $? -eq 0
  check "$dtype: one create could not sum the damaged image" grep -q "read_failed 1" "$tmp/single.out"
  name=$(sed -n 's/^dataset \([^ ]*\) .*/\1/p' "$tmp/single.out")
  for n in 1 2 5; do
    [ "$dtype" = float32 ] && [ "$n" != 2 ] && continue
    plan_into "$n-$dtype" "$dtype"
    check "$dtype N=$n: the plan's path is the last line" test -f "$plan"
    for k in $(seq "$n" -1 1); do
      "$cli" create-shard "$plan" --shard "$k/$n" --threads 1 >/dev/null 2>&1
      check "$dtype N=$n: shard $k exits 0" test $? -eq 0
    done
    "$cli" create-merge "$plan" --threads 2 >"$tmp/merge.out" 2>"$tmp/merge.err"
    check "$dtype N=$n: merge exits 0" test $? -eq 0
    check "$dtype N=$n: merge prints create's summary" diff <(sed "s#$tmp/[a-z]*-[^/]*##" "$tmp/merge.out") \
      <(sed "s#$tmp/[a-z]*-[^/]*##" "$tmp/single.out")
    check "$dtype N=$n: same JSON as one create" \
      same_json "$tmp/ds-single-$dtype/$name.json" "$tmp/ds-$n-$dtype/$name.json"
    check "$dtype N=$n: same TIFF bytes as one create" \
      same_tiffs "$tmp/out-single-$dtype/$name" "$tmp/out-$n-$dtype/$name"
    check "$dtype N=$n: same preview as one create" \
      cmp -s "$tmp/ds-single-$dtype/$name.png" "$tmp/ds-$n-$dtype/$name.png"
    check "$dtype N=$n: plan and staging removed" test -z "$(ls -A "$tmp/out-$n-$dtype" | grep -v "^$name\$")"
  done
done

# Reservation: two planners, then a plain create, never share a name or an id (a root where
# every image can be summed, so the plain create wants the plans' name).
reserve() { "$cli" create "$tmp/raw-int16/a" --datasets "$tmp/ds-res" --out "$tmp/out-res" "${opts[@]}" "$@"; }
first=$(reserve --plan-only 2>/dev/null | tail -1)
second=$(reserve --plan-only 2>/dev/null | tail -1)
check "the first plan has the base name" test "$(basename "$first")" = 20260101_4I_denoising_2to6F.plan.json
check "a second plan gets another name" test "$(basename "$second")" = 20260101_4I_denoising_2to6F_2.plan.json
grep -o '"id": "0x[0-9a-f]*"' "$first" "$second" | cut -d'"' -f4 | sort -u >"$tmp/ids"
check "a second plan gets another id" test "$(wc -l <"$tmp/ids")" -eq 2
reserve >"$tmp/plain.out" 2>/dev/null
check "a plain create after two plans takes neither name nor id" \
  grep -q "^dataset 20260101_4I_denoising_2to6F_3 (id 0x0003)" "$tmp/plain.out"
for k in 1 2; do "$cli" create-shard "$second" --shard "$k/2" --threads 1 >/dev/null 2>&1; done
"$cli" create-merge "$second" >"$tmp/merge.out" 2>/dev/null
check "the second plan's merge takes its reserved name and id" \
  grep -q "^dataset 20260101_4I_denoising_2to6F_2 (id 0x0002)" "$tmp/merge.out"
first_staging=$(dirname "$first")/.$(basename "$first" .plan.json).plan.d

# Refusals: each exits 1 with a clear message and writes nothing.
nothing_written() {  # nothing_written TAG: no dataset JSON or data dir was published
  test -z "$(find "$tmp/ds-$1" -name '2026*.json')" -a -z "$(find "$tmp/out-$1" -maxdepth 1 -name '2026*' ! -name '*.plan.json')"
}
plan_into bad int16
"$cli" create-merge "$plan" 2>"$tmp/err"
check "merge before any shard exits 1" test $? -eq 1
check "merge before any shard says so" grep -q "no shard has finished" "$tmp/err"
"$cli" create-shard "$plan" --shard 1/3 --threads 1 >/dev/null 2>&1
"$cli" create-shard "$plan" --shard 3/3 --threads 1 >/dev/null 2>&1
"$cli" create-merge "$plan" 2>"$tmp/err"
check "merge with a shard missing exits 1" test $? -eq 1
check "the missing shard is named" grep -q "shard 2/3 of 3 not finished" "$tmp/err"
check "merge with a shard missing writes nothing" nothing_written bad
"$cli" create-shard "$plan" --shard 2/2 --threads 1 >/dev/null 2>&1
"$cli" create-merge "$plan" 2>"$tmp/err"
check "states of two shard counts: exit 1" test $? -eq 1
check "states of two shard counts are named" grep -q "different shard counts: 1 of 2 (2/2), 2 of 3 (1/3, 3/3)" "$tmp/err"
check "states of two shard counts: nothing written" nothing_written bad
staging=$(dirname "$plan")/.$(basename "$plan" .plan.json).plan.d
rm "$staging/shards/shard-2-of-2.json"
"$cli" create-shard "$first" --shard 2/3 --threads 1 >/dev/null 2>&1
cp "$first_staging/shards/shard-2-of-3.json" "$staging/shards/"
"$cli" create-merge "$plan" 2>"$tmp/err"
check "a stale shard (another plan) exits 1" test $? -eq 1
check "the stale shard is named" grep -q "shard 2/3 .*made for another plan" "$tmp/err"
check "a stale shard: nothing written" nothing_written bad
printf 'not json' >"$staging/shards/shard-2-of-3.json"
"$cli" create-merge "$plan" 2>"$tmp/err"
check "a broken state exits 1" test $? -eq 1
check "a broken state is named" grep -q "shard-2-of-3.json" "$tmp/err"
cp "$staging/shards/shard-1-of-3.json" "$staging/shards/shard-2-of-3.json"
"$cli" create-merge "$plan" 2>"$tmp/err"
check "a state renamed to another shard exits 1" test $? -eq 1
check "... naming it" grep -q "shard 2/3 .*its content names another shard" "$tmp/err"
"$cli" create-shard "$plan" --shard 2/3 --threads 1 >/dev/null 2>&1
rm "$staging/data/train/"image0_*.tif
"$cli" create-merge "$plan" 2>"$tmp/err"
check "a finished shard whose sums are gone: exit 1" test $? -eq 1
check "the shard to run again is named" grep -q "shard 1/3 finished but its sum .* is missing" "$tmp/err"
check "sums gone: nothing written" nothing_written bad
sed -i 's/"seed": 5/"seed": 6/' "$plan"
"$cli" create-shard "$plan" --shard 1/3 2>"$tmp/err"
check "an edited plan exits 1" test $? -eq 1
check "an edited plan: the fingerprint says so" grep -q "does not match the plan's content" "$tmp/err"
"$cli" create-shard "$tmp/nope.plan.json" --shard 1/3 2>"$tmp/err"
check "a missing plan exits 1" test $? -eq 1
check "a missing plan is named" grep -q "nope.plan.json" "$tmp/err"
for bad in 0/2 3/2 2 a/b 1/2x -1/2; do
  "$cli" create-shard "$first" --shard "$bad" 2>"$tmp/err"
  check "--shard $bad is a usage error (2)" test $? -eq 2
done
"$cli" create-shard "$first" 2>/dev/null
check "create-shard without --shard is a usage error (2)" test $? -eq 2
"$cli" create "$tmp/raw-int16" --datasets "$tmp/ds-bad" --out "$tmp/out-bad" --ladder 2,4,6 --plan-only 2>/dev/null
check "--plan-only with --ladder is a usage error (2)" test $? -eq 2
"$cli" create "$tmp/raw-int16" --datasets "$tmp/ds-bad" --out "$tmp/out-bad" --input-frames 2 \
  --gt-frames 99 --plan-only >/dev/null 2>"$tmp/err"
check "a plan with no usable image exits 1" test $? -eq 1
check "a plan with no usable image writes no plan" test -z "$(find "$tmp/out-bad" -name '*frames99*')"

# Killed: a shard stopped after summing (before its state) and killed, then run again; a merge
# killed after its checks, then run again: the same dataset as one create.
plan_into kill int16
start_stopping_at create-shard:summed create-shard "$plan" --shard 1/2 --threads 1
check "shard stops at its test point" wait_stopped "$pid"
kill -KILL "$pid"; wait "$pid" 2>/dev/null
staging=$(dirname "$plan")/.$(basename "$plan" .plan.json).plan.d
check "a killed shard leaves no state" test ! -e "$staging/shards/shard-1-of-2.json"
"$cli" create-shard "$plan" --shard 2/2 --threads 1 >/dev/null 2>&1
"$cli" create-merge "$plan" 2>"$tmp/err"
check "merge after a killed shard exits 1 naming it" grep -q "shard 1/2 of 2 not finished" "$tmp/err"
"$cli" create-shard "$plan" --shard 1/2 --threads 1 >/dev/null 2>&1
check "the killed shard runs again" test $? -eq 0
start_stopping_at create-merge:checked create-merge "$plan"
check "merge stops at its test point" wait_stopped "$pid"
kill -KILL "$pid"; wait "$pid" 2>/dev/null
"$cli" create-merge "$plan" >/dev/null 2>&1
check "merge after a killed merge exits 0" test $? -eq 0
check "after killed shard and merge: same JSON" \
  same_json "$tmp/ds-single-int16/20260101_7I_denoising_2to6F.json" "$tmp/ds-kill/20260101_7I_denoising_2to6F.json"
check "after killed shard and merge: same TIFFs" \
  same_tiffs "$tmp/out-single-int16/20260101_7I_denoising_2to6F" "$tmp/out-kill/20260101_7I_denoising_2to6F"
check "no debris" test -z "$(debris "$tmp/out-kill"; debris "$tmp/ds-kill")"
"$cli" create-shard "$plan" --shard 1/2 2>"$tmp/err"
check "a shard of a merged plan exits 1" test $? -eq 1
check "a merged plan is named" grep -q "$(basename "$plan")" "$tmp/err"
"$cli" create-merge "$plan" 2>"$tmp/err"
check "merging a merged plan exits 1" test $? -eq 1

# A merge killed while publishing (data dir claimed, no JSON): the next merge takes the data
# back (removed with the half-published dir), says every shard must run again; then all is as
# one create. A merge killed after publishing, before removing the plan: the plan is removed.
plan_into pub int16
for k in 1 2; do "$cli" create-shard "$plan" --shard "$k/2" --threads 1 >/dev/null 2>&1; done
start_stopping_at create:claimed create-merge "$plan"
check "merge stops after claiming the name" wait_stopped "$pid"
kill -KILL "$pid"; wait "$pid" 2>/dev/null
"$cli" create-merge "$plan" 2>"$tmp/err"
check "merge after a merge killed while publishing exits 1" test $? -eq 1
check "... saying the shards must run again" grep -q "run every shard again" "$tmp/err"
check "... and the half-published dataset is gone" test ! -e "$tmp/out-pub/20260101_7I_denoising_2to6F"
for k in 1 2; do "$cli" create-shard "$plan" --shard "$k/2" --threads 1 >/dev/null 2>&1; done
start_stopping_at create-merge:published create-merge "$plan"
check "merge stops after publishing" wait_stopped "$pid"
kill -KILL "$pid"; wait "$pid" 2>/dev/null
check "after killed publishing and a re-run: same JSON" \
  same_json "$tmp/ds-single-int16/20260101_7I_denoising_2to6F.json" "$tmp/ds-pub/20260101_7I_denoising_2to6F.json"
check "after killed publishing and a re-run: same TIFFs" \
  same_tiffs "$tmp/out-single-int16/20260101_7I_denoising_2to6F" "$tmp/out-pub/20260101_7I_denoising_2to6F"
"$cli" create-shard "$plan" --shard 1/2 2>"$tmp/err"
check "a shard of a plan merged already exits 1" test $? -eq 1
check "... naming the dataset" grep -q "merged into dataset 20260101_7I_denoising_2to6F already" "$tmp/err"
"$cli" create-merge "$plan" 2>"$tmp/err"
check "merging it again exits 1 naming the dataset" grep -q "merged into dataset 20260101_7I_denoising_2to6F already; removed the plan" "$tmp/err"
check "... and removes the plan and its staging" test -z "$(ls -A "$tmp/out-pub" | grep -v "^20260101_7I_denoising_2to6F\$")"

finish
