# flamecare: `make demo` and `make test` work on a fresh Debian 12 machine.
JOBS ?= $(shell nproc)
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
# Seconds per fuzz target: `make fuzz` explores, `make test` checks the seeds and a short run.
FUZZ_SECONDS ?= 60
FUZZ_TEST_SECONDS ?= 15
FUZZ_CXX ?= clang++-14
FORMAT_FILES = $(shell git ls-files '*.cpp' '*.hpp' 2>/dev/null)
# ccache (installed by scripts/install-deps.sh) makes rebuilds and fresh clones cheap; paths are
# hashed relative to the checkout so a clone elsewhere on the same machine reuses the cache.
CCACHE := $(shell command -v ccache 2>/dev/null)
CMAKE_LAUNCHER = $(if $(CCACHE),-DCMAKE_CXX_COMPILER_LAUNCHER=$(CCACHE))
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1

.PHONY: all deps build build-asan build-fuzz test test-fast test-asan test-fuzz fuzz format \
	format-check demo bench clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_LAUNCHER) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

build-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DFLAMECARE_SANITIZE=ON $(CMAKE_LAUNCHER) >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)

# libFuzzer targets (fuzz/): the library built with clang, libFuzzer coverage, ASan and UBSan.
build-fuzz: deps
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=$(FUZZ_CXX) \
	  -DFLAMECARE_FUZZ=ON -DFLAMECARE_TESTS=OFF $(CMAKE_LAUNCHER) >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_scanimage_reader fuzz_si_text \
	  fuzz_tile_data fuzz_index_csv

# Each fuzz target for FUZZ_SECONDS on a corpus kept in $(FUZZ_BUILD)/corpus (seeds: fixtures,
# synth output, the crafted crash inputs); a crash keeps its input in $(FUZZ_BUILD)/artifacts.
fuzz: build build-fuzz
	@bash scripts/fuzz.sh $(FUZZ_BUILD) $(BUILD) $(FUZZ_SECONDS) keep

# make test's share: every seed (each crash input of issue 7 among them) and FUZZ_TEST_SECONDS of
# fuzzing per target from the seeds alone.
test-fuzz: build build-fuzz
	@bash scripts/fuzz.sh $(FUZZ_BUILD) $(BUILD) $(FUZZ_TEST_SECONDS) fresh

format-check: deps
	@clang-format --dry-run --Werror $(FORMAT_FILES)
	@echo "format-check: $(words $(FORMAT_FILES)) files clean"

format:
	@clang-format -i $(FORMAT_FILES)

# Every test: format check, the release suite (unit, CLI, python cross-checks), the unit and CLI
# suites again under AddressSanitizer + UndefinedBehaviorSanitizer, then a short fuzzing run.
test: format-check build test-asan
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory test-fuzz

test-fast: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: build-asan
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	  ctest --output-on-failure -j $(JOBS) -L 'unit|cli'

demo: build
	@bash scripts/demo.sh $(BUILD)/flamecare

bench: build
	@$(BUILD)/bench/flamecare_micro_bench
	@bash bench/run.sh $(BUILD)/flamecare

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) demo-output
