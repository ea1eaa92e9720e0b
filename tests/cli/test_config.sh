#!/usr/bin/env bash
# Configs that re-make a dataset: every option of create and patches (the raw root, datasets, out
# and the dataset included) can come from --config; lists are TOML arrays; unknown keys and tables
# are usage errors naming them; the command line wins; `--test-ids` fixes the test set; and
# `show --config` gives a config with which `create --config` makes the same dataset again.
set -u
cli=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/common.sh"

"$cli" synth "$tmp/raw" --images 6 --size 48 --frames 10 --channels 1 --seed 2 >/dev/null 2>&1
json_of() { sed -n 's/^  json: *//p' "$1"; }
field() {  # field JSON EXPR: a value of FLAME_Dataset, printed by Python
  python3 -c "import json,sys; d=json.load(open(sys.argv[1]))['FLAME_Dataset']; print($2)" "$1"
}

# Everything from the file, lists as TOML arrays.
cat >"$tmp/all.toml" <<TOML
raw-root = "$tmp/raw"
datasets = "$tmp/ds"
out = "$tmp/out"
input-frames = 2
gt-frames = 8
test-ids = [1, 4]
seed = 7
date = "20250101"
threads = 1
TOML
"$cli" create --config "$tmp/all.toml" >"$tmp/a.txt" 2>"$tmp/err"
check "create from the config alone: exit 0" test $? -eq 0
a=$(json_of "$tmp/a.txt")
check "raw root, datasets and out from the config" test "$a" = "$tmp/ds/20250101_6I_denoising_2to8F.json"
check "test-ids = [1, 4]: exactly those in test" test "$(field "$a" "d['test_ids']")" = "[1, 4]"
check "the options are recorded" \
  test "$(field "$a" "d['create_options']['test_ids'], d['create_options']['raw_root']")" = "[1, 4] $tmp/raw"
check "no test fraction recorded with test ids" test "$(field "$a" "'test_fraction' in d")" = "False"

"$cli" create --config "$tmp/all.toml" --test-ids 0,2,3 --date 20250102 >"$tmp/b.txt" 2>/dev/null
check "the command line wins" test "$(field "$(json_of "$tmp/b.txt")" "d['test_ids']")" = "[0, 2, 3]"

"$cli" create --config <(printf 'ladder = [2, 4, 8]\ndate = "20250103"\nseed = 3\n') "$tmp/raw" \
  --datasets "$tmp/ds" --out "$tmp/out" >"$tmp/l.txt" 2>"$tmp/err"
check "ladder as a TOML array, config from a pipe: exit 0" test $? -eq 0
check "ladder as a TOML array makes every pair" test "$(grep -c '^dataset 20250103_6I' "$tmp/l.txt")" -eq 2
"$cli" create --config <(printf 'ladder = "2,4"\ndate = "20250104"\n') "$tmp/raw" \
  --datasets "$tmp/ds" --out "$tmp/out" >"$tmp/l.txt" 2>&1
check "the string form of a list stays" grep -q '^dataset 20250104_6I_denoising_2to4F ' "$tmp/l.txt"

usage() {  # usage DESCRIPTION PATTERN TOML ARGS...: a usage error naming what is wrong, nothing made
  local what=$1 pattern=$2 toml=$3; shift 3
  printf '%b' "$toml" >"$tmp/bad.toml"
  rm -rf "$tmp/none"
  "$cli" "$@" --config "$tmp/bad.toml" >/dev/null 2>"$tmp/err"
  local rc=$?
  check "$what: exit 2 (got $rc)" test $rc -eq 2
  check "$what: message" grep -Eq -- "$pattern" "$tmp/err"
  check "$what: nothing made" test ! -e "$tmp/none"
}
base=(create "$tmp/raw" --datasets "$tmp/none" --out "$tmp/none/out")
usage "unknown key" 'bad.toml: unknown option "input-frame" for `flamecare create`' \
  'input-frame = 2\n' "${base[@]}"
usage "unknown table" 'bad.toml: unknown table \[creat\]' '[creat]\ninput-frames = 2\n' "${base[@]}"
usage "list for a single value" '"seed" takes one value, not a list' 'seed = [1, 2]\n' "${base[@]}"
usage "bad list item" '"test-ids": .*must be an image id' 'test-ids = [1, -3]\n' "${base[@]}"
usage "ladder with input-frames in the config" '--ladder and --input-frames cannot be used together|--input-frames and --ladder cannot be used together' \
  'ladder = [2, 4]\ninput-frames = 2\n' "${base[@]}"
usage "test-ids with test-fraction" '--test-fraction and --test-ids|--test-ids and --test-fraction' \
  'test-ids = [1]\ntest-fraction = 0.5\n' "${base[@]}"
usage "raw root missing" 'RAW_ROOT is required: give it on the command line or as raw-root in --config' \
  'input-frames = 2\n' create --datasets "$tmp/none" --out "$tmp/none/out"
usage "patches: unknown key" 'unknown option "size" for `flamecare patches`' 'size = 3\n' patches x
usage "patches: dataset missing" 'DATASET is required' 'patch-size = 16\n' patches

# --test-ids on the command line: unknown or repeated ids are usage errors naming them.
cmd=(create "$tmp/raw" --datasets "$tmp/ds" --out "$tmp/out" --input-frames 2 --gt-frames 8)
"$cli" "${cmd[@]}" --test-ids 3,77,99 >/dev/null 2>"$tmp/err"
check "unknown test ids: exit 2" test $? -eq 2
check "unknown test ids: named" grep -q "test ids 77, 99 are not among the 6 selected images" "$tmp/err"
"$cli" "${cmd[@]}" --test-ids 3,3 >/dev/null 2>"$tmp/err"
check "repeated test id: exit 2" test $? -eq 2
check "repeated test id: named" grep -q "test ids listed more than once: 3" "$tmp/err"
"$cli" "${cmd[@]}" --test-ids 3,x >/dev/null 2>"$tmp/err"
check "a test id that is not a number: exit 2" test $? -eq 2
check "a test id that is not a number: named" grep -q -- "--test-ids: must be an image id.*got x" "$tmp/err"
"$cli" "${cmd[@]}" --test-ids 0,1,2,3,4,5 >/dev/null 2>"$tmp/err"
check "all images in test: exit 2" test $? -eq 2
"$cli" "${cmd[@]}" --test-ids 1 --test-fraction 0.5 >/dev/null 2>"$tmp/err"
check "test ids with a test fraction: exit 2" test $? -eq 2

# patches from a config: the dataset, its folder and a boolean flag.
name=20250101_6I_denoising_2to8F
printf 'dataset = "%s"\ndatasets = "%s"\nout = "%s"\npatch-size = 16\nall-channels = true\nseed = 1\n' \
  "$name" "$tmp/ds" "$tmp/pout" >"$tmp/p.toml"
"$cli" patches --config "$tmp/p.toml" >"$tmp/p.txt" 2>"$tmp/err"
check "patches from the config alone: exit 0" test $? -eq 0
check "patches: dataset, out and all-channels from the config" \
  test -s "$tmp/pout/$name/${name}_patch16_12PpI_AllChan.npz"

# Re-make: create → show --config → create --config gives the same split and statistics.
"$cli" create "$tmp/raw" --datasets "$tmp/ds" --out "$tmp/out" --input-frames 3 --gt-frames 9 \
  --test-fraction 0.34 >"$tmp/r1.txt" 2>/dev/null
first=$(json_of "$tmp/r1.txt")
"$cli" show "$(basename "$first" .json)" --datasets "$tmp/ds" --config >"$tmp/remake.toml"
check "show --config: exit 0" test $? -eq 0
(cd / && "$cli" create --config "$tmp/remake.toml") >"$tmp/r2.txt" 2>"$tmp/err"
check "create --config of it: exit 0 (from another directory)" test $? -eq 0
second=$(json_of "$tmp/r2.txt")
check "a new dataset" test -n "$second" -a "$second" != "$first"
same() { test "$(field "$first" "$1")" = "$(field "$second" "$1")"; }
check "same images" same "d['image_ids']"
check "same split" same "d['test_ids']"
check "same seed" same "d['seed']"
check "same input statistics" same "{k: v for k, v in d['input'].items()}"
check "same ground-truth statistics" same "{k: v for k, v in d['output'].items()}"
check "same recorded options" same "d['create_options']"

finish
