#!/usr/bin/env bash
# Messages that say what happened: a new index is announced, a failed dataset lookup writes
# nothing and lists what exists, a patch larger than an image says so, every error kind has its own
# words (no "invalid argument:" on what is not an argument, no JSON parser codes), --type is
# checked, an unknown command gets a suggestion, -v works after the command, missing files are
# named, and an npz's int32 coords refuse image ids beyond them before any work.
set -u
cli=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/common.sh"

"$cli" synth "$tmp/raw" --images 4 --size 48 --frames 8 --channels 1 --seed 2 >/dev/null 2>&1

# A datasets dir without an index: index and create both say they start a new one.
"$cli" index "$tmp/raw" --datasets "$tmp/ds0" >/dev/null 2>"$tmp/err"
check "index: no index in DIR: starting a new one" \
  grep -qx "warning: no index in $tmp/ds0: starting a new one" "$tmp/err"
"$cli" index "$tmp/raw" --datasets "$tmp/ds0" >/dev/null 2>"$tmp/err"
check "index: said only when there is none" test -z "$(grep 'no index' "$tmp/err")"
create=(create "$tmp/raw" --datasets "$tmp/ds" --out "$tmp/out" --input-frames 2 --gt-frames 6
  --seed 1 --date 20250101)
"$cli" "${create[@]}" >"$tmp/out.txt" 2>"$tmp/err"
check "create: no index in DIR: starting a new one" \
  grep -qx "warning: no index in $tmp/ds: starting a new one" "$tmp/err"
name=20250101_4I_denoising_2to6F

# patches with a dataset that is not there: nothing written anywhere, the datasets named.
mkdir "$tmp/cwd"
(cd "$tmp/cwd" && "$cli" patches nope --datasets "$tmp/newds" >/dev/null 2>"$tmp/err")
check "unknown dataset: exit 1" test $? -eq 1
check "unknown dataset: no --datasets folder made" test ! -e "$tmp/newds"
check "unknown dataset: nothing in the cwd" test -z "$(ls -A "$tmp/cwd")"
(cd "$tmp/cwd" && "$cli" patches nope --datasets "$tmp/ds" >/dev/null 2>"$tmp/err")
check "unknown dataset: the existing ones are listed" grep -q "datasets in $tmp/ds: $name" "$tmp/err"
check "unknown dataset: no patches.log in the datasets dir" test ! -e "$tmp/ds/patches.log"
check "unknown dataset: nothing in the cwd (2)" test -z "$(ls -A "$tmp/cwd")"
(cd "$tmp/cwd" && "$cli" patches nope >/dev/null 2>"$tmp/err")
check "unknown dataset without --datasets: the folder is named" grep -q "$tmp/cwd holds no dataset" "$tmp/err"
check "unknown dataset without --datasets: no empty folder name" test -z "$(grep '" in *$' "$tmp/err")"
check "unknown dataset without --datasets: nothing in the cwd" test -z "$(ls -A "$tmp/cwd")"

# A patch larger than every image (48 x 48, some 46 wide after bidirectional correction).
"$cli" patches "$name" --datasets "$tmp/ds" --patch-size 49 >/dev/null 2>"$tmp/err"
check "patch larger than every image: usage error (2)" test $? -eq 2
check "patch larger than every image: names an image and both sizes" \
  grep -Eq "image [0-9]+ \(.*Im_[0-9]+\.tif\) is 4[68] x 48 pixels.*smaller than the patch size 49|smaller than the patch size 49: image [0-9]+ \(.*\) is 4[68] x 48 pixels" "$tmp/err"
check "patch larger than every image: no threshold talk" test -z "$(grep 'background threshold' "$tmp/err")"
bidir=$(grep -Ec '"bidirectional_correction": -?[1-9]' "$tmp/ds/$name.json")
check "the corpus has a bidirectionally corrected (narrower) image" test "$bidir" -gt 0
"$cli" patches "$name" --datasets "$tmp/ds" --patch-size 48 --seed 1 >/dev/null 2>"$tmp/err"
check "some images narrower than the patch: the run goes on" test $? -eq 0
check "some images narrower than the patch: each is named with its size" \
  grep -Eq "image [0-9]+ \(.*\) is 4[0-7] x 48 pixels \(width x height, after a bidirectional correction of [0-9]+ columns\), smaller than the patch size 48; skipped" "$tmp/err"

# Each kind of failure in its own words.
no_prefix() {  # no_prefix FILE: none of the generic kind prefixes or parser codes
  ! grep -Eq "invalid argument:|not found:|already exists: .*already exists|\[json\.exception" "$1"
}
"$cli" create "$tmp/raw" --datasets "$tmp/ds" --out "$tmp/out" --input-frames 2 --gt-frames 60 \
  >/dev/null 2>"$tmp/err"
check "too few frames: exit 1" test $? -eq 1
check "too few frames: says so" grep -q "no usable image with at least 60 frames" "$tmp/err"
check "too few frames: no kind prefix" no_prefix "$tmp/err"
"$cli" patches "$name" --datasets "$tmp/ds" --patch-size 16 --seed 1 >/dev/null 2>&1
"$cli" patches "$name" --datasets "$tmp/ds" --patch-size 16 --seed 1 >/dev/null 2>"$tmp/err"
check "npz exists: exit 1" test $? -eq 1
check "npz exists: says so once" grep -qx "flamecare: .*\.npz: already exists; not overwriting" "$tmp/err"
check "npz exists: no kind prefix" no_prefix "$tmp/err"
echo '{"FLAME_Dataset": {"name": "broken", ' >"$tmp/ds/broken.json"
"$cli" patches broken --datasets "$tmp/ds" >/dev/null 2>"$tmp/err"
check "broken dataset JSON: exit 1" test $? -eq 1
check "broken dataset JSON: the parser's words" grep -q "broken.json: not valid JSON: parse error" "$tmp/err"
check "broken dataset JSON: no parser code" no_prefix "$tmp/err"
"$cli" datasets --datasets "$tmp/ds" >/dev/null 2>"$tmp/err"
check "datasets skips it without a parser code" no_prefix "$tmp/err"
rm "$tmp/ds/broken.json"
printf '{"TileData": ' >"$tmp/raw/S001_PL/$(ls "$tmp/raw/S001_PL" | head -1)/bad.tileData.txt"
cp "$(find "$tmp/raw" -name '*.tif' | head -1)" "$(dirname "$(find "$tmp/raw" -name 'bad.tileData.txt')")/bad.tif"
"$cli" index "$tmp/raw" --datasets "$tmp/ds" >/dev/null 2>"$tmp/err"
check "bad sidecar: reported" grep -q "bad.tif: bad_sidecar" "$tmp/err"
check "bad sidecar: no parser code" no_prefix "$tmp/err"
check "bad sidecar: no parser code in the index" test -z "$(grep 'json.exception' "$tmp/ds/raw_image_index.csv")"
usage() {  # usage DESCRIPTION PATTERN ARGS...: exit 2, the pattern in stderr, no kind prefix
  local what=$1 pattern=$2; shift 2
  "$cli" "$@" >/dev/null 2>"$tmp/err"
  local rc=$?
  check "$what: exit 2 (got $rc)" test $rc -eq 2
  check "$what: says so" grep -Eq -- "$pattern" "$tmp/err"
  check "$what: no kind prefix" no_prefix "$tmp/err"
}
usage "--type foo" "--type: must be one of: denoising; got foo" "${create[@]}" --type foo
usage "crate" 'unknown command "crate"; did you mean "create"\?' crate "$tmp/raw"
usage "pach" 'unknown command "pach"; did you mean "patches"\?' pach x
usage "frobnicate" 'unknown command "frobnicate" \(commands: synth, inspect, index, create' frobnicate
usage "gt below input" "--gt-frames \(2\) must be larger than --input-frames \(6\)" \
  create "$tmp/raw" --datasets "$tmp/ds" --out "$tmp/out" --input-frames 6 --gt-frames 2
usage "test ids with groups" "test ids name single images; they cannot be combined with grouping by mosaic" \
  "${create[@]}" --test-ids 1 --group-by mosaic

# -v after the command name.
"$cli" "${create[@]}" -v >/dev/null 2>"$tmp/err"
check "create -v: exit 0" test $? -eq 0
check "create -v: informational lines shown" grep -Eq "^summing [0-9]+ images \(2 → 6 frames, nested pairing\) with seed 1" "$tmp/err"
"$cli" index -v "$tmp/raw" --datasets "$tmp/ds" >/dev/null 2>"$tmp/err"
check "index -v: informational lines shown" grep -q "raw_image_index.csv: 5 files" "$tmp/err"

# The index summary names missing files (the first five, then a count).
for f in $(find "$tmp/raw" -name 'Im_*.tif' | sort | head -3); do mv "$f" "$f.gone"; done
"$cli" index "$tmp/raw" --datasets "$tmp/ds" >"$tmp/out.txt" 2>/dev/null
check "missing count" grep -qx "missing: 3" "$tmp/out.txt"
for f in $(find "$tmp/raw" -name 'Im_*.tif.gone' | sort); do
  rel=${f#"$tmp/raw/"}
  check "missing file named: ${rel%.gone}" grep -qx "  ${rel%.gone}" "$tmp/out.txt"
done
for f in $(find "$tmp/raw" -name '*.gone'); do mv "$f" "${f%.gone}"; done

# Image ids beyond the npz's int32 coords: refused before any work.
mkdir "$tmp/bigds"
printf 'id,image,imgarr_nframes\n2147483647,gone.tif,\n' >"$tmp/bigds/raw_image_index.csv"
"$cli" create "$tmp/raw" --datasets "$tmp/bigds" --out "$tmp/bigout" --input-frames 2 --gt-frames 6 \
  --seed 1 --date 20250101 --test-fraction 0 >/dev/null 2>&1
check "a dataset with ids past 2^31 - 1" grep -q '"image_ids": \[' "$tmp/bigds/$name.json"
check "its ids are past 2^31 - 1" grep -q '214748364[89],' "$tmp/bigds/$name.json"
"$cli" patches "$name" --datasets "$tmp/bigds" --patch-size 16 >/dev/null 2>"$tmp/err"
check "id past int32: exit 1" test $? -eq 1
check "id past int32: says so" grep -q "image id 21474836[0-9]* does not fit the npz's int32 coords" "$tmp/err"
check "id past int32: no npz, config or sheets" \
  test -z "$(find "$tmp/bigout" -name '*_patch*' -o -name 'patch_samples*' -o -name '.patches-*')"

finish
