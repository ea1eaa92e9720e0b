#!/usr/bin/env bash
# What killed runs leave (preview and JSON temporaries, patch stores, npz temporaries) is removed by
# the next run once its process is gone, and never while that process still runs.
set -u
cli=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/common.sh"

"$cli" synth "$tmp/raw" --images 3 --size 64 --frames 8 --channels 1 --seed 3 >/dev/null 2>&1
name=20250101_3I_denoising_2to8F
create() {
  "$cli" create "$tmp/raw" --datasets "$tmp/ds" --out "$tmp/out" --input-frames 2 --gt-frames 8 \
    --test-fraction 0 --seed 5 --date "$1" >/dev/null 2>&1
}
create 20250101
dir=$tmp/out/$name
sleep 0 & gone=$!   # a process id that is free now
wait "$gone"
alive=$$            # this script: alive while the runs below look

# Debris of a gone process and of a live one, as flamecare names its temporary files.
touch "$tmp/ds/$name.png.tmp-$gone-0-1a2b" "$tmp/ds/other.json.tmp-$gone-3-ff" \
  "$tmp/ds/$name.png.tmp-$alive-0-1a2b"
touch "$dir/.patches-$gone-X.tmp" "$dir/.patches-$gone-Y.tmp" "$dir/.patches-$alive-X.tmp" \
  "$dir/${name}_patch16_4PpI_1Chan.npz.tmp-$gone-0-9c" "$dir/x.json.tmp-$gone-1-9c" \
  "$dir/${name}_patch16_4PpI_1Chan.npz.tmp-$alive-0-9c"
touch "$tmp/ds/notes.tmp-x" "$dir/.patches-notes.tmp"   # not flamecare's: never touched

create 20250102
check "create removes a gone run's preview temporary" test ! -e "$tmp/ds/$name.png.tmp-$gone-0-1a2b"
check "create removes a gone run's JSON temporary" test ! -e "$tmp/ds/other.json.tmp-$gone-3-ff"
check "create keeps a live run's temporary" test -e "$tmp/ds/$name.png.tmp-$alive-0-1a2b"
check "create keeps files that are not flamecare's" test -e "$tmp/ds/notes.tmp-x"

"$cli" patches "$name" --datasets "$tmp/ds" --patch-size 16 --seed 1 >/dev/null 2>&1
check "patches succeeds" test $? -eq 0
check "patches removes a gone run's store" test ! -e "$dir/.patches-$gone-X.tmp" -a ! -e "$dir/.patches-$gone-Y.tmp"
check "patches removes a gone run's npz temporary" test ! -e "$dir/${name}_patch16_4PpI_1Chan.npz.tmp-$gone-0-9c"
check "patches removes a gone run's JSON temporary" test ! -e "$dir/x.json.tmp-$gone-1-9c"
check "patches keeps a live run's store" test -e "$dir/.patches-$alive-X.tmp"
check "patches keeps a live run's npz temporary" test -e "$dir/${name}_patch16_4PpI_1Chan.npz.tmp-$alive-0-9c"
check "patches keeps files that are not flamecare's" test -e "$dir/.patches-notes.tmp"

# Real debris: a run killed before its npz is committed leaves the npz temporary ...
start_stopping_at patches:npz-written patches "$name" --datasets "$tmp/ds" --patch-size 32 --seed 1
check "patches reaches the point" wait_stopped "$pid"
killed=$pid
kill -KILL "$pid"
finish_of "$pid" >/dev/null 2>&1
check "the killed run left its npz temporary" test -n "$(ls "$dir" | grep "npz.tmp-$killed-")"
# ... which the next run removes.
"$cli" patches "$name" --datasets "$tmp/ds" --patch-size 32 --seed 1 >/dev/null 2>&1
check "the next run succeeds" test $? -eq 0
check "and removed the killed run's files" test -z "$(ls -a "$dir" | grep -- "-$killed-")"

finish
