#!/usr/bin/env bash
# `flamecare create` from the command line: exit codes, messages, TOML config, progress, log.
set -u
cli=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
check() {  # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $what"; fi
}

"$cli" synth "$tmp/raw" --images 3 --size 48 --frames 8 --channels 1 --seed 2 >/dev/null

"$cli" create "$tmp/raw" --datasets "$tmp/ds" >/dev/null 2>"$tmp/err"
check "missing --out is a usage error (2)" test $? -eq 2

"$cli" create "$tmp/nope" --datasets "$tmp/ds" --out "$tmp/out" --input-frames 2 --gt-frames 6 2>"$tmp/err"
check "missing raw root exits 1" test $? -eq 1
check "missing raw root is named" grep -q "$tmp/nope" "$tmp/err"

"$cli" create "$tmp/raw" --datasets "$tmp/ds" --out "$tmp/out" --input-frames 6 --gt-frames 2 2>"$tmp/err"
check "gt frames below input frames is a usage error (2)" test $? -eq 2
check "the message names both options" grep -q -- "--gt-frames (2) must be larger than --input-frames (6)" "$tmp/err"

cat >"$tmp/dataset.toml" <<'TOML'
# a dataset kept in version control
input-frames = 2
gt-frames = 6
test-fraction = 0.5
seed = 3
date = "20250101"
TOML
"$cli" create "$tmp/raw" --datasets "$tmp/ds" --out "$tmp/out" --config "$tmp/dataset.toml" >"$tmp/out.txt" 2>"$tmp/err"
check "create with --config exits 0" test $? -eq 0
check "config options are used" grep -q "dataset 20250101_3I_denoising_2to6F" "$tmp/out.txt"
check "seed from the config" grep -q "seed 3" "$tmp/out.txt"
check "piped progress is plain lines" grep -q "^summing: 3/3" "$tmp/err"
check "summary names the preview" grep -q "preview: $tmp/ds/20250101_3I_denoising_2to6F.png" "$tmp/out.txt"
check "log file written" test -s "$tmp/out/20250101_3I_denoising_2to6F/create.log"
check "JSON written" test -s "$tmp/ds/20250101_3I_denoising_2to6F.json"

"$cli" create "$tmp/raw" --datasets "$tmp/ds" --out "$tmp/out" --config "$tmp/dataset.toml" >"$tmp/out2.txt" 2>"$tmp/err"
check "a second run does not overwrite" grep -q "dataset 20250101_3I_denoising_2to6F_2 " "$tmp/out2.txt"
check "and says so" grep -q "exists already" "$tmp/err"

"$cli" create "$tmp/raw" --datasets "$tmp/ds" --out "$tmp/out" --ladder 2,4,8 --seed 4 --date 20250202 \
  >"$tmp/ladder.txt" 2>"$tmp/err"
check "ladder exits 0" test $? -eq 0
check "ladder makes 2to4" grep -q "dataset 20250202_3I_denoising_2to4F " "$tmp/ladder.txt"
check "ladder makes 4to8" grep -q "dataset 20250202_3I_denoising_4to8F " "$tmp/ladder.txt"
"$cli" create "$tmp/raw" --datasets "$tmp/ds" --out "$tmp/out" --ladder 2,4 --gt-frames 8 >/dev/null 2>&1
check "ladder with --gt-frames is a usage error" test $? -eq 2

echo "test_create.sh: $passed passed, $failed failed"
test "$failed" -eq 0
