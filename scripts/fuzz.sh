#!/usr/bin/env bash
# Runs every libFuzzer target (fuzz/, built with clang + ASan + UBSan in FUZZ_BUILD) for SECONDS
# each. Seeds are made fresh each time from the real fixtures, `flamecare synth` output, an index
# written by `flamecare index`, and every crafted crash input of issue 7 (tests/support/
# crafted_inputs, written by BUILD's flamecare_crafted). Exits non-zero on the first crash, leak,
# sanitizer report or timeout; the input that did it is kept in FUZZ_BUILD/artifacts/.
#
# usage: scripts/fuzz.sh FUZZ_BUILD BUILD SECONDS [keep|fresh]
#   keep  (make fuzz): the corpus in FUZZ_BUILD/corpus/ grows from run to run
#   fresh (make test): start from the seeds only, in a temporary corpus
set -euo pipefail
fuzz_build=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
seconds=$3
mode=${4:-keep}
repo=$(cd "$(dirname "$0")/.." && pwd)
fixtures=${FLAMECARE_FIXTURES:-$repo/../shared/fixtures}
targets=(fuzz_scanimage_reader fuzz_si_text fuzz_tile_data fuzz_index_csv)

seeds=$fuzz_build/seeds
rm -rf "$seeds"
mkdir -p "$seeds" "$fuzz_build/artifacts"
for t in "${targets[@]}"; do mkdir -p "$seeds/$t"; done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Raw files: crafted inputs, small synthetic stacks of several pixel types, real fixtures.
"$build/tests/flamecare_crafted" "$work/crafted"
cp "$work/crafted"/*.tif "$seeds/fuzz_scanimage_reader/"
for dtype in int16 uint8 float32; do
  "$build/flamecare" synth "$work/synth-$dtype" --images 2 --size 16 --frames 3 --channels 2 \
    --dtype "$dtype" --with-bad-files >/dev/null 2>&1
done
i=0
while IFS= read -r -d '' f; do
  i=$((i + 1))
  case "$f" in
    *.tif | *.tiff) cp "$f" "$seeds/fuzz_scanimage_reader/synth-$i.tif" ;;
    *.tileData.txt) cp "$f" "$seeds/fuzz_tile_data/synth-$i.json" ;;
  esac
done < <(find "$work"/synth-* -type f -print0)
if [ -d "$fixtures/real" ]; then
  big="$fixtures/real/tiffstack/TS_UnitTestImage_BigTIFF.tif"
  cp "$fixtures/real/tiffstack/TS_UnitTestImage.tif" "$fixtures/real/scanimage38/"*.tif \
    "$seeds/fuzz_scanimage_reader/"
  head -c 12 "$big" >"$seeds/fuzz_scanimage_reader/bigtiff_cut12.tif"      # issue 7: truncated
  head -c 12000 "$big" >"$seeds/fuzz_scanimage_reader/bigtiff_cut12000.tif"  # header + IFD 0
  for h in "$fixtures/real/scanimage_2022_headers/"*.txt; do  # 2 bytes of page count, then text
    { printf '\x64\x00'; cat "$h"; } >"$seeds/fuzz_si_text/$(basename "$h")"
  done
else
  echo "fuzz: fixtures not found at $fixtures; seeding without them" >&2
fi

# Header texts: the two crashers (SIGFPE) and ordinary SI 3.x / SI 5 headers.
printf '\x04\x00state.software.version=3.8\rstate.acq.numberOfChannelsSave=65536\rstate.acq.numberOfZSlices=65536\r' \
  >"$seeds/fuzz_si_text/si3_huge_counts.txt"
printf '\x04\x00scanimage.SI.hChannels.channelSave = [1;2;3;4;5;6;7;8]\nscanimage.SI.hStackManager.numSlices = 536870912\nscanimage.SI.hStackManager.framesPerSlice = Inf\n' \
  >"$seeds/fuzz_si_text/si5_huge_counts.txt"
printf '\x1e\x00state.software.version=3.8\rstate.acq.numberOfFrames=30\rstate.acq.numberOfChannelsSave=1\rstate.acq.savingChannel1=1\r' \
  >"$seeds/fuzz_si_text/si3.txt"
printf '\x0c\x00SI.hChannels.channelSave = [1;2]\nSI.hStackManager.framesPerSlice = Inf\nSI.hScan2D.logAverageFactor = 2\nSI.VERSION_MAJOR = 2022\n' \
  >"$seeds/fuzz_si_text/si2022.txt"

# Sidecars: the crafted ones (100,000-deep, UTF-16) and the synthetic ones above.
for f in "$work/crafted"/*.tileData.txt; do cp "$f" "$seeds/fuzz_tile_data/$(basename "$f").json"; done

# Index CSVs: one written by flamecare over the seed corpus (with a file name that is not UTF-8),
# the 64-bit id crasher, a legacy pandas file.
mkdir -p "$work/raw/caf$(printf '\xe9')"
cp "$work/crafted"/*.tif "$work/crafted"/*.tileData.txt "$work/raw/"
cp -r "$work/synth-int16" "$work/raw/synth"
cp "$work/crafted/self_loop_ifd.tif" "$work/raw/caf$(printf '\xe9')/x.tif"
"$build/flamecare" index "$work/raw" --datasets "$work/ds" >/dev/null 2>&1
cp "$work/ds/raw_image_index.csv" "$seeds/fuzz_index_csv/written.csv"
cp "$work/crafted"/*.csv "$seeds/fuzz_index_csv/"
printf 'id,id,id.1,image,imgarr_nframes\n0,5,5,day1/a.tif,40\n1,6,6,"day1/b, c.tif",-1.0\n' \
  >"$seeds/fuzz_index_csv/legacy.csv"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$repo/tests/lsan.supp}
for t in "${targets[@]}"; do
  if [ "$mode" = keep ]; then
    corpus=$fuzz_build/corpus/$t
  else
    corpus=$work/corpus/$t
  fi
  mkdir -p "$corpus"
  echo "fuzz: $t for ${seconds}s ($(ls "$seeds/$t" | wc -l) seeds, corpus $corpus)"
  if ! "$fuzz_build/fuzz/$t" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$fuzz_build/artifacts/$t-" \
    "$corpus" "$seeds/$t" >"$fuzz_build/$t.log" 2>&1; then
    tail -n 60 "$fuzz_build/$t.log"
    echo "fuzz: $t FAILED; the input is in $fuzz_build/artifacts/ (log: $fuzz_build/$t.log)" >&2
    exit 1
  fi
  grep -E '^stat::number_of_executed_units|^Done' "$fuzz_build/$t.log" | tr '\n' ' '
  echo
done
echo "fuzz: ${#targets[@]} targets, ${seconds}s each, no failure"
