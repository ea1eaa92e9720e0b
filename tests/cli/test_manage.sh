#!/usr/bin/env bash
# Managing datasets: `datasets` lists them (with their npz files, found wherever `patches` wrote
# them), `show` prints one, `remove` deletes one's JSON, preview, data folder and npz outputs after
# a confirmation, never raw data, another dataset or the index, and ids are never given again.
set -u
cli=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/common.sh"

"$cli" synth "$tmp/raw" --images 4 --size 48 --frames 8 --channels 2 --seed 2 >/dev/null 2>&1
create() {  # create DATE INPUT_FRAMES [ARGS...]
  "$cli" create "$tmp/raw" --datasets "$tmp/ds" --out "$tmp/out" --input-frames "$2" --gt-frames 6 \
    --seed 5 --date "$1" "${@:3}" >/dev/null 2>&1
}
a=20250101_4I_denoising_2to6F
b=20250102_4I_denoising_3to6F
create 20250101 2 --test-fraction 0.5
create 20250102 3
"$cli" patches "$a" --datasets "$tmp/ds" --patch-size 16 --seed 1 >/dev/null 2>&1
"$cli" patches "$a" --datasets "$tmp/ds" --patch-size 16 --seed 1 --out "$tmp/elsewhere" >/dev/null 2>&1
"$cli" patches "$b" --datasets "$tmp/ds" --patch-size 16 --seed 1 >/dev/null 2>&1
npz_a1=$tmp/out/$a/${a}_patch16_12PpI_1Chan.npz
npz_a2=$tmp/elsewhere/$a/${a}_patch16_12PpI_1Chan.npz
check "the npz files exist" test -s "$npz_a1" -a -s "$npz_a2"

# datasets: one line per dataset, its npz files under it.
"$cli" datasets --datasets "$tmp/ds" >"$tmp/list.txt" 2>"$tmp/err"
check "datasets: exit 0" test $? -eq 0
check "datasets: a header" grep -Eq "^name +id +created +images +train +test +frames +pairing +seed +npz$" "$tmp/list.txt"
check "datasets: first dataset's line" \
  grep -Eq "^$a +0x0001 +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{5} +4 +2 +2 +2to6 +nested +5 +2$" "$tmp/list.txt"
check "datasets: second dataset's line" grep -Eq "^$b +0x0002 .* 4 +3 +1 +3to6 +nested +5 +1$" "$tmp/list.txt"
check "datasets: npz in the data folder" grep -qx "    npz: $npz_a1" "$tmp/list.txt"
check "datasets: npz written elsewhere (recorded)" grep -qx "    npz: $npz_a2" "$tmp/list.txt"
"$cli" datasets --datasets "$tmp/ds" --json >"$tmp/list.json"
check "datasets --json: valid JSON with both" \
  test "$(python3 -c "import json,sys; print([d['name'] for d in json.load(open(sys.argv[1]))])" "$tmp/list.json")" = "['$a', '$b']"
check "datasets --json: npz files" test "$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))[0]['npz_files']))" "$tmp/list.json")" = 2
mkdir "$tmp/empty"
"$cli" datasets --datasets "$tmp/empty" >"$tmp/list.txt"
check "datasets: an empty dir says so" grep -qx "no datasets in $tmp/empty" "$tmp/list.txt"
"$cli" datasets --datasets "$tmp/nope" >/dev/null 2>"$tmp/err"
check "datasets: a missing dir is an error" test $? -eq 1
check "datasets: and names it" grep -q "$tmp/nope: no such datasets dir" "$tmp/err"

# show: options, split, statistics and outputs.
"$cli" show "$a" --datasets "$tmp/ds" >"$tmp/show.txt" 2>"$tmp/err"
check "show: exit 0" test $? -eq 0
check "show: name and id" grep -qx "dataset $a (id 0x0001)" "$tmp/show.txt"
check "show: options" grep -qx "  type denoising, input frames 2, ground-truth frames 6" "$tmp/show.txt"
check "show: split options" grep -qx "  split: test fraction 0.5, seed 5" "$tmp/show.txt"
check "show: split" grep -qx "split: 4 images, 2 train, 2 test (2 channels)" "$tmp/show.txt"
check "show: per-channel statistics" test "$(grep -Ec '^ +[12] +-?[0-9.e+-]+( +-?[0-9.e+-]+){7}$' "$tmp/show.txt")" -eq 4
check "show: outputs" grep -qx "  $npz_a2" "$tmp/show.txt"
check "show: the preview" grep -qx "  preview: $tmp/ds/$a.png" "$tmp/show.txt"
"$cli" show nope --datasets "$tmp/ds" >/dev/null 2>"$tmp/err"
check "show: unknown dataset lists the datasets" grep -q "datasets in $tmp/ds: $a, $b" "$tmp/err"

# remove: needs a confirmation; without a terminal only --yes does it.
find "$tmp/raw" -type f -exec sha256sum {} + | sort >"$tmp/raw.before"
cp "$tmp/ds/raw_image_index.csv" "$tmp/index.before"
"$cli" remove "$a" --datasets "$tmp/ds" </dev/null >"$tmp/rm.txt" 2>"$tmp/err"
check "remove without a terminal or --yes: usage error" test $? -eq 2
check "remove without a terminal or --yes: says why" grep -q "stdin is not a terminal; add --yes" "$tmp/err"
check "remove without a terminal or --yes: nothing removed" test -e "$tmp/ds/$a.json" -a -d "$tmp/out/$a"
check "remove lists what it removes" grep -qx "  $tmp/out/$a/  (the data folder, with everything in it)" "$tmp/rm.txt"
"$cli" remove "$a" --datasets "$tmp/ds" --yes >"$tmp/rm.txt" 2>"$tmp/err"
check "remove --yes: exit 0" test $? -eq 0
check "remove: the JSON" test ! -e "$tmp/ds/$a.json"
check "remove: the preview" test ! -e "$tmp/ds/$a.png"
check "remove: the data folder" test ! -e "$tmp/out/$a"
check "remove: the npz elsewhere and its folder" test ! -e "$tmp/elsewhere/$a"
check "remove: not the folder holding it" test -d "$tmp/elsewhere"
check "remove: raw data untouched" cmp -s "$tmp/raw.before" <(find "$tmp/raw" -type f -exec sha256sum {} + | sort)
check "remove: the index untouched" cmp -s "$tmp/index.before" "$tmp/ds/raw_image_index.csv"
check "remove: the other dataset untouched" \
  test -s "$tmp/ds/$b.json" -a -s "$tmp/ds/$b.png" -a -s "$tmp/out/$b/${b}_patch16_12PpI_1Chan.npz"
check "remove: the id is kept" grep -qx "0x0002" "$tmp/ds/.last_dataset_id"

# Ids are never given again: removing the newest, even with the id record gone beforehand.
"$cli" remove "$b" --datasets "$tmp/ds" --yes >/dev/null 2>&1
create 20250103 2
check "after removing the newest, the next id is new" grep -q '"id": "0x0003"' "$tmp/ds/20250103_4I_denoising_2to6F.json"
rm "$tmp/ds/.last_dataset_id"  # as a datasets dir made before the record existed
"$cli" remove 20250103_4I_denoising_2to6F --datasets "$tmp/ds" --yes >/dev/null 2>&1
create 20250104 2
check "remove records the id when no record existed" grep -q '"id": "0x0004"' "$tmp/ds/20250104_4I_denoising_2to6F.json"

# A disjoint dataset (target frames [2, 8)) says so in the pairing column and in --json.
"$cli" create "$tmp/raw" --datasets "$tmp/ds" --out "$tmp/out" --input-frames 2 --gt-frames 6 \
  --pairing disjoint --seed 5 --date 20250105 >/dev/null 2>&1
"$cli" datasets --datasets "$tmp/ds" >"$tmp/list.txt"
check "datasets: the pairing" \
  grep -Eq "^20250105_4I_denoising_2to6F_disjoint .* 2to6 +disjoint +5 +0$" "$tmp/list.txt"
check "datasets --json: the pairing" \
  grep -q '"pairing": "disjoint"' <("$cli" datasets --datasets "$tmp/ds" --json)

# Raw data is never removed, whatever a JSON says.
name=20250104_4I_denoising_2to6F
mkdir -p "$tmp/raw/$name"
touch "$tmp/raw/$name/keep.tif"
sed -i "s|\"data_dir\": \"[^\"]*\"|\"data_dir\": \"$tmp/raw/$name\"|" "$tmp/ds/$name.json"
"$cli" remove "$name" --datasets "$tmp/ds" --yes >/dev/null 2>"$tmp/err"
check "a data folder inside the raw root: refused" test $? -eq 1
check "a data folder inside the raw root: says why" grep -q "lies inside the raw root" "$tmp/err"
check "a data folder inside the raw root: nothing removed" test -e "$tmp/raw/$name/keep.tif" -a -e "$tmp/ds/$name.json"
"$cli" remove nope --datasets "$tmp/ds" --yes >/dev/null 2>"$tmp/err"
check "remove: unknown dataset is an error naming the datasets" grep -q "datasets in $tmp/ds: $name" "$tmp/err"

finish
