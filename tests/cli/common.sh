# Helpers shared by the CLI tests (sourced; not a test itself).
# Usage: source common.sh, after setting `cli` and `tmp`.
passed=0 failed=0
check() {  # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $what"; fi
}

finish() {  # prints the counts and exits 0 only when nothing failed
  echo "$(basename "$0"): $passed passed, $failed failed"
  test "$failed" -eq 0
}

# Starts `flamecare ARGS...` in the background stopped at the named test point
# (FLAMECARE_TEST_STOP_AT); sets `pid`. Job control is on, so the child does not inherit the
# SIG_IGN for SIGINT that a script gives its background jobs. stderr goes to $tmp/bg.err.
start_stopping_at() {  # start_stopping_at POINT ARGS...
  local point=$1; shift
  set -m
  FLAMECARE_TEST_STOP_AT=$point "$cli" "$@" >"$tmp/bg.out" 2>"$tmp/bg.err" &
  pid=$!
  set +m
}

# Waits until process $1 is stopped (reached its test point); false if it ended or timed out.
wait_stopped() {
  local i
  for i in $(seq 1 1200); do
    case $(ps -o stat= -p "$1" 2>/dev/null) in
      T*) return 0 ;;
      Z*) return 1 ;;
      "") return 1 ;;
    esac
    sleep 0.05
  done
  return 1
}

# The exit code of background process $1 (killing it when it outlives $2 seconds).
finish_of() {
  local i
  for i in $(seq 1 $((${2:-120} * 20))); do
    kill -0 "$1" 2>/dev/null || break
    sleep 0.05
  done
  kill -KILL "$1" 2>/dev/null
  wait "$1"
}

# Paths under $1 whose names say a run left them behind: staging dirs, temporaries, stores.
debris() {
  find "$1" \( -name '.create-*' -o -name '*.tmp-*' -o -name '.patches-*.tmp' \
    -o -name '.flamecare-publishing' \) -print 2>/dev/null
}

# A raw root of $2 copies (hard links: no space) of one synthetic 2-channel stack of side $3
# with 40 frames, so summing takes a while without a slow synth.
linked_corpus() {  # linked_corpus DIR COPIES SIZE
  "$cli" synth "$1.src" --images 1 --size "$3" --frames 40 --channels 2 --seed 9 >/dev/null 2>&1
  local src i
  src=$(find "$1.src" -name '*.tif' | head -1)
  for i in $(seq 1 "$2"); do
    mkdir -p "$1/c$i"
    ln "$src" "$1/c$i/Im_00001.tif"
    ln "${src%.tif}.tileData.txt" "$1/c$i/Im_00001.tileData.txt"
  done
}
