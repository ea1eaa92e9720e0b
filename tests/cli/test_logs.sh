#!/usr/bin/env bash
# Logs worth reading: create.log, patches.log and index.log start with the version and the full
# command line and end with "done in N s" or "failed: …"; a run that did nothing logs no seed;
# summaries name absolute paths whatever the working directory.
set -u
cli=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/common.sh"

"$cli" synth "$tmp/raw" --images 3 --size 48 --frames 8 --channels 2 --seed 2 >/dev/null 2>&1
version=$("$cli" --version)
name=20250101_3I_denoising_2to6F

# Relative paths on the command line, run from $tmp.
cd "$tmp" || exit 1
"$cli" create raw --datasets ds --out out --input-frames 2 --gt-frames 6 --seed 4 \
  --date 20250101 >create.txt 2>/dev/null
check "create exits 0" test $? -eq 0
log=out/$name/create.log
# Log lines are "<date> <time> <level> <text>".
text() { sed -E 's/^[0-9-]+ [0-9:]+ [a-z]+ +//' "$1"; }
check "create.log: version first" test "$(text "$log" | sed -n 1p)" = "$version"
check "create.log: command line second" \
  test "$(text "$log" | sed -n 2p)" = "command: flamecare create raw --datasets ds --out out --input-frames 2 --gt-frames 6 --seed 4 --date 20250101"
check "create.log: done in N s last" grep -Eqx "done in [0-9]+\.[0-9] s" <(text "$log" | tail -1)
for key in train test json preview log; do
  check "create summary: $key path is absolute" grep -Eq "^  $key: +$tmp/" create.txt
done

# A create that did nothing: its log (in the datasets dir) ends with the failure, and no seed.
"$cli" create raw --datasets ds --out out --input-frames 2 --gt-frames 60 >/dev/null 2>&1
check "failed create: exit 1" test $? -eq 1
check "failed create: version and command line" \
  test "$(text ds/create.log | sed -n 2p)" = "command: flamecare create raw --datasets ds --out out --input-frames 2 --gt-frames 60"
check "failed create: failed: … last" \
  grep -Eqx "failed: .*no usable image with at least 60 frames.*" <(text ds/create.log | tail -1)
check "failed create: no seed line" test -z "$(grep -i seed ds/create.log)"
"$cli" create nope --datasets ds_new --out out --input-frames 2 --gt-frames 6 >/dev/null 2>&1
check "create failing before any folder: no datasets folder made for its log" test ! -e ds_new

# patches: the same, in the npz's folder.
"$cli" patches "$name" --datasets ds --patch-size 16 --seed 2 >patches.txt 2>/dev/null
check "patches exits 0" test $? -eq 0
plog=out/$name/patches.log
check "patches.log: version first" test "$(text "$plog" | sed -n 1p)" = "$version"
check "patches.log: command line second" \
  test "$(text "$plog" | sed -n 2p)" = "command: flamecare patches $name --datasets ds --patch-size 16 --seed 2"
check "patches.log: done in N s last" grep -Eqx "done in [0-9]+\.[0-9] s" <(text "$plog" | tail -1)
for key in npz config samples log; do
  check "patches summary: $key path is absolute" grep -Eq "^  $key: +$tmp/" patches.txt
done
lines=$(wc -l <"$plog")
"$cli" patches "$name" --datasets ds --patch-size 16 --seed 2 >/dev/null 2>&1
check "patches into an existing npz: exit 1" test $? -eq 1
check "failed patches: failed: … last" \
  grep -Eqx "failed: .*already exists; not overwriting" <(text "$plog" | tail -1)
check "failed patches: no seed line for a run that did nothing" \
  test -z "$(tail -n +$((lines + 1)) "$plog" | grep -v 'command:' | grep -i seed)"

# index.log: the same shape.
"$cli" index raw --datasets ds >index.txt 2>/dev/null
check "index.log: version" grep -q "note    $version$" ds/index.log
check "index.log: command line" grep -q "note    command: flamecare index raw --datasets ds$" ds/index.log
check "index.log: done in N s last" grep -Eqx "done in [0-9]+\.[0-9] s" <(text ds/index.log | tail -1)
check "index summary: absolute path" grep -qx "index: $tmp/ds/raw_image_index.csv" index.txt
echo 'test-fraction = 0.5' >"my config.toml"
"$cli" create raw --datasets ds --out out --input-frames 2 --gt-frames 6 --seed 4 \
  --date 20250101 --config "my config.toml" >/dev/null 2>&1
log2=out/${name}_2/create.log
check "create.log: an argument with a space is quoted" \
  grep -q "note    command: flamecare create .* --config 'my config.toml'$" "$log2"
check "create.log: config settings are logged" \
  grep -q "note    config my config.toml: test-fraction = 0.5$" "$log2"

finish
