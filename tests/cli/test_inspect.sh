#!/usr/bin/env bash
# `flamecare inspect`: text and --json output on good and bad files, exit codes 0 / 1 / 2.
set -u
CLI=${1:?usage: test_inspect.sh PATH_TO_flamecare}
HERE=$(cd "$(dirname "$0")" && pwd)
FIX=${FLAMECARE_FIXTURES:-}
for cand in "$HERE/../../../shared/fixtures" /work/shared/fixtures; do
  [ -z "$FIX" ] && [ -d "$cand/real" ] && FIX=$cand
done
[ -d "$FIX/real" ] || { echo "FAIL: fixtures not found"; exit 1; }
PY=/usr/bin/python3
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
check() {  # check NAME CONDITION-EXIT-STATUS
  if [ "$2" -eq 0 ]; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi
}
# json_is FILE.json PYTHON-EXPRESSION-over-d
json_is() {
  "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$@"
}

BIG="$FIX/real/tiffstack/TS_UnitTestImage_BigTIFF.tif"
cp "$BIG" "$TMP/good.tif"
cat > "$TMP/good.tileData.txt" <<'JSON'
{"TileData": {"tileID": 3, "tileResolution": [512, 512], "tileChannelsAvailable": 4,
 "channelsAcquired": [2], "channelsSaved": [2], "framesPerTile": 3,
 "tileScannedThisFile": true, "tileZs": [0], "bidirectionalCorrection": 1}}
JSON

# Usable file, text output.
"$CLI" inspect "$TMP/good.tif" > "$TMP/out.txt"; rc=$?
check "good file exits 0" $((rc != 0))
grep -q '^usable: *yes' "$TMP/out.txt"; check "good file usable: yes" $?
grep -q 'BigTIFF, ScanImage 2016, static header v3' "$TMP/out.txt"; check "format line" $?
grep -q 'F=3 C=1 Z=1 Y=512 X=512' "$TMP/out.txt"; check "shape line" $?
grep -q 'dtype: *int16' "$TMP/out.txt"; check "dtype line" $?
grep -q 'framesPerTile 3, channelsSaved \[2\], bidirectionalCorrection 1' "$TMP/out.txt"
check "sidecar line" $?

# Usable file, JSON output.
"$CLI" inspect --json "$TMP/good.tif" > "$TMP/good.json"; rc=$?
check "--json exits 0" $((rc != 0))
json_is "$TMP/good.json" 'd["usable"] is True and d["reason"] == "" and d["frames"] == 3 and d["channels"] == 1 and d["slices"] == 1 and d["height"] == 512 and d["width"] == 512 and d["dtype"] == "int16" and d["pages"] == 3 and d["file_size"] == 1589756 and d["format"] == "BigTIFF" and d["header_version"] == 3 and d["scanimage_version"] == "2016"'
check "--json fields of a usable file" $?
json_is "$TMP/good.json" 'd["sidecar"]["frames_per_tile"] == 3 and d["sidecar"]["channels_saved"] == [2] and d["sidecar"]["bidirectional_correction"] == 1'
check "--json sidecar object" $?
json_is "$TMP/good.json" 'list(d) == ["file","format","scanimage_version","header_version","frames","channels","slices","height","width","dtype","pages","file_size","sidecar","sidecar_path","sidecar_state","sidecar_problem","usable","reason"]'
check "--json key list" $?
json_is "$TMP/good.json" 'd["sidecar_path"] == sys.argv[3] and d["sidecar_state"] == "valid" and d["sidecar_problem"] == ""' "$TMP/good.tileData.txt"
check "--json sidecar path and state" $?
grep -qx "sidecar:   $TMP/good.tileData.txt" "$TMP/out.txt"; check "text names the sidecar" $?
grep -qx '           valid: framesPerTile 3, channelsSaved \[2\], bidirectionalCorrection 1' "$TMP/out.txt"
check "text says the sidecar is valid" $?

# Unusable files: exit 0, usable no, reason code.
expect_reason() {  # expect_reason NAME FILE CODE
  "$CLI" inspect --json "$2" > "$TMP/r.json" 2> "$TMP/r.err"; local rc=$?
  check "$1 exits 0" $((rc != 0))
  [ ! -s "$TMP/r.err" ]; check "$1 prints nothing on stderr" $?
  json_is "$TMP/r.json" "d['usable'] is False and d['reason'].startswith('$3: ')"
  check "$1 reason $3 ($(grep -o '"reason": "[^"]*' "$TMP/r.json" | cut -c12-))" $?
  "$CLI" inspect "$2" | grep -q "^usable: *no ($3: "; check "$1 text usable: no ($3)" $?
}
expect_reason "no sidecar" "$BIG" no_sidecar
expect_reason "ImageJ TIFF" "$FIX/real/tiffstack/TS_UnitTestImage.tif" not_scanimage
expect_reason "second ImageJ TIFF" "$FIX/real/imagej_resave/test_00001.tif" not_scanimage
head -c 700000 "$BIG" > "$TMP/cut.tif"
expect_reason "truncated copy" "$TMP/cut.tif" truncated
: > "$TMP/empty.tif"
expect_reason "empty file" "$TMP/empty.tif" empty
printf 'not a tiff at all' > "$TMP/text.tif"
expect_reason "garbage" "$TMP/text.tif" not_tiff
mkfifo "$TMP/fifo.tif"
expect_reason "FIFO" "$TMP/fifo.tif" unreadable
cp "$BIG" "$TMP/summed.tif"
sed 's/"framesPerTile": 3/"framesPerTile": 40/' "$TMP/good.tileData.txt" > "$TMP/summed.tileData.txt"
expect_reason "frames mismatch" "$TMP/summed.tif" frames_mismatch
grep -q '3 frames on disk, sidecar framesPerTile 40' "$TMP/r.json"; check "frames mismatch detail" $?
cp "$BIG" "$TMP/badside.tif"; echo '{"TileData": {' > "$TMP/badside.tileData.txt"
expect_reason "malformed sidecar" "$TMP/badside.tif" bad_sidecar
json_is "$TMP/r.json" 'd["format"] == "BigTIFF" and d["sidecar"] is None'
check "bad sidecar keeps TIFF facts" $?
# Issue 12: a malformed sidecar said `sidecar: none`; now its state, the reason, and no parser ids.
json_is "$TMP/r.json" 'd["sidecar_state"] == "invalid" and d["sidecar_problem"].startswith("malformed JSON at byte ")'
check "malformed sidecar: state invalid with the reason" $?
! grep -q 'json.exception' "$TMP/r.json"; check "no JSON parser ids in --json" $?
"$CLI" inspect "$TMP/badside.tif" > "$TMP/bad.txt"
grep -q '^           invalid: malformed JSON at byte [0-9]* (line 2, column 1): ' "$TMP/bad.txt"
check "text: sidecar invalid with the reason" $?
! grep -q 'json.exception\|sidecar: *none' "$TMP/bad.txt"; check "text: no parser ids, no 'none'" $?
"$CLI" inspect "$TMP/cut.tif" > "$TMP/miss.txt"
grep -qx '           missing' "$TMP/miss.txt"; check "text: missing sidecar" $?
# A valid sidecar beside an unusable TIFF is shown too (it said `none`).
cp "$FIX/real/tiffstack/TS_UnitTestImage.tif" "$TMP/ij.tif"; cp "$TMP/good.tileData.txt" "$TMP/ij.tileData.txt"
"$CLI" inspect --json "$TMP/ij.tif" > "$TMP/ij.json"
json_is "$TMP/ij.json" 'd["sidecar_state"] == "valid" and d["sidecar"]["frames_per_tile"] == 3 and d["reason"].startswith("not_scanimage: ")'
check "valid sidecar of a non-ScanImage TIFF is shown" $?

# Exit codes: 1 for a missing file, 2 for usage errors.
"$CLI" inspect "$TMP/missing.tif" > "$TMP/o" 2> "$TMP/e"; rc=$?
check "missing file exits 1 (got $rc)" $((rc != 1))
grep -q 'missing.tif: no such file' "$TMP/e"; check "missing file message" $?
# Issue 12: a directory is a usage error with a clear message, not an unusable "file".
mkdir "$TMP/dir.tif"
for d in "$TMP/dir.tif" "$TMP"; do
  "$CLI" inspect "$d" > "$TMP/o" 2> "$TMP/e"; rc=$?
  check "directory $d exits 2 (got $rc)" $((rc != 2))
  grep -q "^flamecare inspect: $d: is a directory; inspect takes one raw image file" "$TMP/e"
  check "directory message" $?
  [ ! -s "$TMP/o" ]; check "directory: nothing on stdout" $?
done
"$CLI" inspect > /dev/null 2>&1; rc=$?
check "no FILE exits 2 (got $rc)" $((rc != 2))
"$CLI" inspect --bogus "$BIG" > /dev/null 2>&1; rc=$?
check "unknown option exits 2 (got $rc)" $((rc != 2))

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
