#!/usr/bin/env bash
# `patches` output names and option limits: several runs into one folder never overwrite each
# other's config or sample sheets, and absurd patch counts are refused up front with the numbers.
set -u
cli=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/common.sh"

"$cli" synth "$tmp/raw" --images 3 --size 64 --frames 8 --channels 2 --seed 3 >/dev/null 2>&1
name=20250101_3I_denoising_2to8F
"$cli" create "$tmp/raw" --datasets "$tmp/ds" --out "$tmp/out" --input-frames 2 --gt-frames 8 \
  --test-fraction 0 --seed 5 --date 20250101 >/dev/null 2>&1
dir=$tmp/out/$name

"$cli" patches "$name" --datasets "$tmp/ds" --patch-size 16 --seed 1 >"$tmp/p16.txt" 2>&1
check "first run (P=16) succeeds" test $? -eq 0
a=$dir/${name}_patch16_16PpI_1Chan
check "config named after the npz" test -s "$a.json"
check "sample sheets named after the npz" test -s "${a}_samples1.png" -a -s "${a}_samples2.png"
check "legacy config written (none existed)" test -s "$dir/1Chan_patch_config.json"
check "legacy sheets written (none existed)" test -s "$dir/patch_samples1.png" -a -s "$dir/patch_samples2.png"
before=$(cd "$dir" && sha256sum 1Chan_patch_config.json patch_samples1.png patch_samples2.png)

"$cli" patches "$name" --datasets "$tmp/ds" --patch-size 32 --seed 1 >"$tmp/p32.txt" 2>&1
check "second run (P=32) succeeds" test $? -eq 0
b=$dir/${name}_patch32_8PpI_1Chan
check "second config named after its npz" test -s "$b.json" -a -s "$b.npz"
check "second sheets named after its npz" test -s "${b}_samples1.png" -a -s "${b}_samples2.png"
check "legacy files untouched" test "$(cd "$dir" && sha256sum 1Chan_patch_config.json patch_samples1.png patch_samples2.png)" = "$before"
check "the legacy config still describes the first npz" grep -q "\"npz_name\": \"${name}_patch16_16PpI_1Chan.npz\"" "$dir/1Chan_patch_config.json"
check "the second config describes its npz" grep -q "\"npz_name\": \"${name}_patch32_8PpI_1Chan.npz\"" "$b.json"
check "the summary names the seed" grep -q "seed:    1$" "$tmp/p32.txt"

# One-channel sheets are grey PNGs (colour type 0, byte 25), even where fontconfig asks for
# sub-pixel (coloured) text edges, as desktops often do: the text is drawn in grey.
colour_type() { od -An -tu1 -j25 -N1 "$1" | tr -d ' '; }
check "sheets of one-channel patches are grey PNGs" test "$(colour_type "${b}_samples1.png")" = 0
cat >"$tmp/subpixel.conf" <<'XML'
<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <match target="font">
    <edit name="antialias" mode="assign"><bool>true</bool></edit>
    <edit name="rgba" mode="assign"><const>rgb</const></edit>
  </match>
</fontconfig>
XML
FONTCONFIG_FILE=$tmp/subpixel.conf "$cli" patches "$name" --datasets "$tmp/ds" --patch-size 24 \
  --seed 1 >/dev/null 2>&1
check "a run with sub-pixel fontconfig succeeds" test $? -eq 0
c=$dir/${name}_patch24_8PpI_1Chan
check "its sheets are grey PNGs too" test "$(colour_type "${c}_samples1.png")" = 0 -a \
  "$(colour_type "${c}_samples2.png")" = 0

# Absurd patch counts: a clean refusal with numbers, no bad_alloc, nothing written.
"$cli" patches "$name" --datasets "$tmp/ds" --patch-size 16 --patch-multiple 2147483647 \
  >/dev/null 2>"$tmp/err"
rc=$?
check "--patch-multiple 2147483647: refused (exit 1 or 2, got $rc)" test $rc -eq 1 -o $rc -eq 2
check "--patch-multiple 2147483647: no internal error" test -z "$(grep -i 'internal\|bad_alloc' "$tmp/err")"
check "--patch-multiple 2147483647: the numbers" grep -Eq "[0-9]+ patches need about [0-9.]+ [KMGTPE]iB of memory|not enough free space: [0-9]+ patches" "$tmp/err"
check "--patch-multiple 2147483647: nothing written" test -z "$(debris "$tmp/out")$(ls "$dir" | grep 2147483647)"

finish
