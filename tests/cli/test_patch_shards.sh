#!/usr/bin/env bash
# Sharded `patches` (--plan-only, patches-shard, patches-merge) against one `patches` run with the
# same seed: byte-identical npz, validation npz, config JSON and sheets for 1, 2 and 5 shards, one
# channel and all channels, with and without a validation fraction, on a dataset with two image
# sizes; a killed shard re-run; and every refusal of the merge, which then writes nothing.
set -u
cli=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/common.sh"

# Two image sizes (64 and 48) in one dataset; patches of 32 fit both.
"$cli" synth "$tmp/raw/a" --images 3 --size 64 --frames 8 --channels 2 --seed 3 >/dev/null 2>&1
"$cli" synth "$tmp/raw/b" --images 3 --size 48 --frames 8 --channels 2 --seed 4 >/dev/null 2>&1
name=20250101_6I_denoising_2to8F
"$cli" create "$tmp/raw" --datasets "$tmp/ds" --out "$tmp/out" --input-frames 2 --gt-frames 8 \
  --test-fraction 0 --seed 5 --date 20250101 >/dev/null 2>&1
check "dataset created" test -s "$tmp/ds/$name.json"
# image_shapes holds [1, C, Y, X] per image: both heights must be there.
shapes=$(tr -d ' \n' <"$tmp/ds/$name.json" | grep -o '"image_shapes":\[\[[^"]*')
check "two image sizes" test -n "$(echo "$shapes" | grep '\[1,2,64,')" -a -n "$(echo "$shapes" | grep '\[1,2,48,')"

# Files of the single run's folder ($1) and the merged one ($2): same names (the plan aside, and
# the logs, which hold times), same bytes.
same_outputs() {
  local a=$1 b=$2 f
  test "$(cd "$a" && ls | grep -v '^patches.log$')" = \
    "$(cd "$b" && ls | grep -v '^patches.log$' | grep -v '\.plan\.json$')" || return 1
  for f in $(cd "$a" && ls | grep -v '^patches.log$'); do cmp -s "$a/$f" "$b/$f" || return 1; done
}

for opts in "" "--all-channels" "--validation-fraction 0.3" "--all-channels --validation-fraction 0.3"; do
  tag=$(echo "x$opts" | tr -dc 'a-z0-9')
  # shellcheck disable=SC2086
  "$cli" patches "$name" --datasets "$tmp/ds" --out "$tmp/single-$tag" --patch-size 32 --seed 7 \
    $opts >/dev/null 2>&1
  check "[$opts] single run" test $? -eq 0
  for n in 1 2 5; do
    out=$tmp/sharded-$tag-$n
    # shellcheck disable=SC2086
    "$cli" patches "$name" --datasets "$tmp/ds" --out "$out" --patch-size 32 --seed 7 $opts \
      --plan-only >"$tmp/plan.txt" 2>&1
    check "[$opts] N=$n: plan" test $? -eq 0
    plan=$(tail -1 "$tmp/plan.txt")
    check "[$opts] N=$n: plan path absolute and last" test "${plan:0:1}" = / -a -s "$plan"
    ok=0
    for k in $(seq 1 $n); do
      # Two threads: slots in thread order, unlike the canonical order of the records.
      "$cli" patches-shard "$plan" --shard "$k/$n" --threads 2 >/dev/null 2>&1 || ok=1
    done
    check "[$opts] N=$n: shards" test $ok -eq 0
    "$cli" patches-merge "$plan" >"$tmp/merge.txt" 2>&1
    check "[$opts] N=$n: merge" test $? -eq 0
    check "[$opts] N=$n: identical outputs" same_outputs "$tmp/single-$tag/$name" "$out/$name"
    check "[$opts] N=$n: shard files removed" test -z "$(ls "$out/$name" | grep '\.shard-')"
    check "[$opts] N=$n: npz recorded in the dataset JSON" grep -q "$out/$name/.*npz" "$tmp/ds/$name.json"
  done
done
check "the validation npz was compared" test -s "$tmp/single-xvalidationfraction03/$name/${name}_patch32_8PpI_1Chan_val.npz"

# A shard killed after cutting, before its files are published: no state, the merge refuses;
# the re-run replaces its leftovers and the merge gives the single run's outputs.
out=$tmp/crash
"$cli" patches "$name" --datasets "$tmp/ds" --out "$out" --patch-size 32 --seed 7 --plan-only \
  >"$tmp/plan.txt" 2>&1
plan=$(tail -1 "$tmp/plan.txt")
for k in 1 3; do "$cli" patches-shard "$plan" --shard $k/3 >/dev/null 2>&1; done
start_stopping_at patches-shard:cut patches-shard "$plan" --shard 2/3
check "crash: shard 2/3 reached its stop" wait_stopped "$pid"
kill -KILL "$pid"
finish_of "$pid" >/dev/null 2>&1
check "crash: no state of the killed shard" test ! -e "$out/$name/${name}_patch32_8PpI_1Chan.shard-2-of-3.json"
"$cli" patches-merge "$plan" >/dev/null 2>"$tmp/err"
check "crash: merge refuses (exit 1)" test $? -eq 1
check "crash: merge names the missing shard" grep -q "shard 2/3 has not finished" "$tmp/err"
check "crash: merge wrote nothing" test -z "$(ls "$out/$name" | grep -v '\.shard-\|\.plan\.json\|^\.')"
"$cli" patches-shard "$plan" --shard 2/3 >/dev/null 2>&1
check "crash: re-run shard" test $? -eq 0
"$cli" patches-merge "$plan" >/dev/null 2>&1
check "crash: merge after the re-run" test $? -eq 0
check "crash: identical outputs" same_outputs "$tmp/single-x/$name" "$out/$name"
check "crash: no temporaries left" test -z "$(ls -a "$out/$name" | grep 'tmp')"

# A merge killed before its npz: a second merge finishes the job.
out=$tmp/merge-crash
"$cli" patches "$name" --datasets "$tmp/ds" --out "$out" --patch-size 32 --seed 7 --plan-only \
  >"$tmp/plan.txt" 2>&1
plan=$(tail -1 "$tmp/plan.txt")
for k in 1 2; do "$cli" patches-shard "$plan" --shard $k/2 >/dev/null 2>&1; done
start_stopping_at patches:before-npz patches-merge "$plan"
check "merge crash: stopped before the npz" wait_stopped "$pid"
kill -KILL "$pid"
finish_of "$pid" >/dev/null 2>&1
check "merge crash: no npz" test ! -e "$out/$name/${name}_patch32_8PpI_1Chan.npz"
"$cli" patches-merge "$plan" >/dev/null 2>&1
check "merge crash: the second merge succeeds" test $? -eq 0
check "merge crash: identical outputs" same_outputs "$tmp/single-x/$name" "$out/$name"

# Refusals: each exits 1 with a clear message and writes no npz and no config.
fresh_plan() {  # fresh_plan DIR: plans into DIR, sets plan
  "$cli" patches "$name" --datasets "$tmp/ds" --out "$1" --patch-size 32 --seed 7 \
    --plan-only >"$tmp/plan.txt" 2>&1
  plan=$(tail -1 "$tmp/plan.txt")
}
nothing_written() {  # no npz, no config, no sheets in $1
  test -z "$(ls "$1" | grep -v '\.shard-\|\.plan\.json')"
}
refused() {  # refused WHAT DIR PATTERN: the last merge exited 1 naming PATTERN, wrote nothing
  check "$1: exit 1" test "$rc" -eq 1
  check "$1: message" grep -q "$3" "$tmp/err"
  check "$1: nothing written" nothing_written "$2"
}

fresh_plan "$tmp/none"
"$cli" patches-merge "$plan" >/dev/null 2>"$tmp/err"; rc=$?
refused "no shard at all" "$tmp/none/$name" "no shard has finished"

fresh_plan "$tmp/missing"
for k in 1 2 4 5; do "$cli" patches-shard "$plan" --shard $k/5 >/dev/null 2>&1; done
"$cli" patches-merge "$plan" >/dev/null 2>"$tmp/err"; rc=$?
refused "shard 3/5 missing" "$tmp/missing/$name" "shard 3/5 has not finished"

fresh_plan "$tmp/othern"
for k in 1 2; do "$cli" patches-shard "$plan" --shard $k/2 >/dev/null 2>&1; done
"$cli" patches-shard "$plan" --shard 1/3 >/dev/null 2>&1
"$cli" patches-merge "$plan" >/dev/null 2>"$tmp/err"; rc=$?
refused "states of another N" "$tmp/othern/$name" "stale shards: states of 2 shards"

fresh_plan "$tmp/stale"
for k in 1 2; do "$cli" patches-shard "$plan" --shard $k/2 >/dev/null 2>&1; done
# The same npz planned again with another seed.
"$cli" patches "$name" --datasets "$tmp/ds" --out "$tmp/stale" --patch-size 32 --seed 8 \
  --plan-only >/dev/null 2>&1
"$cli" patches-merge "$plan" >/dev/null 2>"$tmp/err"; rc=$?
refused "states of an older plan" "$tmp/stale/$name" "stale: shard 1/2 was cut for another plan"

fresh_plan "$tmp/damaged"
for k in 1 2; do "$cli" patches-shard "$plan" --shard $k/2 >/dev/null 2>&1; done
state=$tmp/damaged/$name/${name}_patch32_8PpI_1Chan.shard-2-of-2
truncate -s 100 "$state.X.bin"
"$cli" patches-merge "$plan" >/dev/null 2>"$tmp/err"; rc=$?
refused "truncated shard store" "$tmp/damaged/$name" "shard-2-of-2.X.bin: 100 bytes, expected"
"$cli" patches-shard "$plan" --shard 2/2 >/dev/null 2>&1
rm "$state.Y.bin"
"$cli" patches-merge "$plan" >/dev/null 2>"$tmp/err"; rc=$?
refused "shard store gone" "$tmp/damaged/$name" "shard-2-of-2.Y.bin: cannot open"
"$cli" patches-shard "$plan" --shard 2/2 >/dev/null 2>&1
cp "$state.json" "$tmp/state.bak"
# A record of shard 2/2 claims sample 0, which belongs to shard 1/2.
python3 -c 'import json, sys
s = json.load(open(sys.argv[1])); s["records"][0][0] = 0; json.dump(s, open(sys.argv[2], "w"))' \
  "$tmp/state.bak" "$state.json"
"$cli" patches-merge "$plan" >/dev/null 2>"$tmp/err"; rc=$?
refused "record of another shard" "$tmp/damaged/$name" "record 0 does not belong to shard 2/2"
sed 's/"shard": 2/"shard": 1/' "$tmp/state.bak" >"$state.json"
"$cli" patches-merge "$plan" >/dev/null 2>"$tmp/err"; rc=$?
refused "state of another shard under this name" "$tmp/damaged/$name" "not the state of shard 2/2"
echo '{"format": "flamecare patches shard"' >"$state.json"
"$cli" patches-merge "$plan" >/dev/null 2>"$tmp/err"; rc=$?
refused "damaged shard state" "$tmp/damaged/$name" "damaged shard state"

# The plan itself: damaged, missing, or no longer matching the dataset.
fresh_plan "$tmp/badplan"
cp "$plan" "$tmp/plan.bak"
echo '{"format": "something else", "version": 1}' >"$plan"
"$cli" patches-shard "$plan" --shard 1/1 >/dev/null 2>"$tmp/err"; rc=$?
refused "not a plan (shard)" "$tmp/badplan/$name" "not a flamecare patches plan"
echo 'not json' >"$plan"
"$cli" patches-merge "$plan" >/dev/null 2>"$tmp/err"; rc=$?
refused "not JSON (merge)" "$tmp/badplan/$name" "damaged plan"
sed 's/"background_threshold": 0.5/"background_threshold": 0.25/' "$tmp/plan.bak" >"$plan"
"$cli" patches-shard "$plan" --shard 1/1 >/dev/null 2>"$tmp/err"; rc=$?
refused "edited plan" "$tmp/badplan/$name" "changed since it was made"
"$cli" patches-shard "$tmp/nowhere.plan.json" --shard 1/1 >/dev/null 2>"$tmp/err"; rc=$?
check "missing plan: exit 1" test "$rc" -eq 1
check "missing plan: named" grep -q "nowhere.plan.json" "$tmp/err"

# Usage errors of --shard: exit 2.
for bad in 0/2 3/2 2 a/b 1/0 1/2x; do
  "$cli" patches-shard "$tmp/plan.bak" --shard "$bad" >/dev/null 2>"$tmp/err"
  check "--shard $bad: exit 2" test $? -eq 2
  check "--shard $bad: message" grep -q "expected K/N" "$tmp/err"
done

# Planning refuses an npz that exists, as patches does.
"$cli" patches "$name" --datasets "$tmp/ds" --out "$tmp/single-x" --patch-size 32 --seed 7 \
  --plan-only >/dev/null 2>"$tmp/err"
check "plan over an existing npz: exit 1" test $? -eq 1
check "plan over an existing npz: already exists" grep -q "already exists" "$tmp/err"
check "plan over an existing npz: no plan" test -z "$(ls "$tmp/single-x/$name" | grep plan)"

# An output folder that cannot be made: exit 1 naming it (a filesystem error, not an internal one).
touch "$tmp/a-file"
"$cli" patches "$name" --datasets "$tmp/ds" --out "$tmp/a-file/x" --patch-size 32 --plan-only \
  >/dev/null 2>"$tmp/err"
check "plan into a file: exit 1" test $? -eq 1
check "plan into a file: named" grep -q "a-file/x/$name: Not a directory" "$tmp/err"

finish
