# flamecare: `make demo` and `make test` work on a fresh Debian 12 machine.
JOBS ?= $(shell nproc)
BUILD ?= build
ASAN_BUILD ?= build-asan
RELEASE_BUILD ?= build-release
FORMAT_FILES = $(shell git ls-files '*.cpp' '*.hpp' 2>/dev/null)
# ccache (installed by scripts/install-deps.sh) makes rebuilds and fresh clones cheap; paths are
# hashed relative to the checkout so a clone elsewhere on the same machine reuses the cache.
CCACHE := $(shell command -v ccache 2>/dev/null)
CMAKE_LAUNCHER = $(if $(CCACHE),-DCMAKE_CXX_COMPILER_LAUNCHER=$(CCACHE))
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1

.PHONY: all deps build build-asan build-release test test-fast test-asan format format-check demo \
	bench clean

all: build

deps:
	@bash scripts/install-deps.sh

# Developer builds treat warnings as errors (FLAMECARE_WERROR); a user's plain cmake build does not.
build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFLAMECARE_WERROR=ON $(CMAKE_LAUNCHER) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

build-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DFLAMECARE_SANITIZE=ON -DFLAMECARE_WERROR=ON \
	  $(CMAKE_LAUNCHER) >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)

# The build type users pick (-O3 brings warnings the other builds do not see); library and CLI only.
build-release: deps
	@cmake -S . -B $(RELEASE_BUILD) -DCMAKE_BUILD_TYPE=Release -DFLAMECARE_WERROR=ON \
	  -DFLAMECARE_TESTS=OFF $(CMAKE_LAUNCHER) >/dev/null
	@cmake --build $(RELEASE_BUILD) -j $(JOBS) --target flamecare

format-check: deps
	@clang-format --dry-run --Werror $(FORMAT_FILES)
	@echo "format-check: $(words $(FORMAT_FILES)) files clean"

format:
	@clang-format -i $(FORMAT_FILES)

# Every test: format check, the release suite (unit, CLI, python cross-checks), then the unit and
# CLI suites again under AddressSanitizer + UndefinedBehaviorSanitizer, then a Release build of
# the library and CLI as users build it.
test: format-check build test-asan
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory build-release

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
	rm -rf $(BUILD) $(ASAN_BUILD) $(RELEASE_BUILD) demo-output
