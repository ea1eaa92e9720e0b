# flamecare: `make demo` and `make test` work on a fresh Debian 12 machine.
JOBS ?= $(shell nproc)
BUILD ?= build
ASAN_BUILD ?= build-asan
# The project virtualenv: Debian's Python with python/requirements-test.txt (pinned) and the
# package built from this checkout in PY_BUILD (incremental, ccache shared with BUILD).
PYTHON ?= /usr/bin/python3
VENV ?= .venv
PY_BUILD ?= build-python
VENV_PY = $(VENV)/bin/python
# The unit tests' numpy cross-checks run in the virtualenv too.
TEST_PYTHON = -DFLAMECARE_TEST_PYTHON=$(abspath $(VENV_PY))
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

.PHONY: all deps build build-asan build-fuzz venv venv-ml stubs test test-fast test-asan test-python \
	test-fuzz fuzz format format-check demo bench clean

all: build

deps:
	@bash scripts/install-deps.sh

# Developer builds treat warnings as errors (FLAMECARE_WERROR); a user's plain cmake build does not.
build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFLAMECARE_WERROR=ON \
	  $(CMAKE_LAUNCHER) $(TEST_PYTHON) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

build-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DFLAMECARE_SANITIZE=ON -DFLAMECARE_WERROR=ON \
	  $(CMAKE_LAUNCHER) $(TEST_PYTHON) >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)

# The virtualenv is made once and refreshed when the pinned requirements change (the test
# requirements and the workflow's Snakemake, resolved together); the package is
# reinstalled every time (CMake rebuilds only what changed): `pip install .` without build
# isolation, as users build it (CMAKE_BUILD_TYPE=Release: -O3 brings warnings the other builds do
# not see) but with warnings as errors; c++ unless CXX is set (scikit-build-core would otherwise
# pick Python's compiler name).
$(VENV)/.requirements: python/requirements-test.txt python/requirements-workflow.txt
	@test -x $(VENV_PY) || $(PYTHON) -m venv $(VENV)
	@$(VENV_PY) -m pip install --quiet --disable-pip-version-check $(addprefix -r ,$^)
	@touch $@

venv: deps $(VENV)/.requirements
	@CXX=$${CXX:-c++} $(VENV_PY) -m pip install --quiet --disable-pip-version-check \
	  --no-build-isolation \
	  --config-settings=build-dir=$(PY_BUILD) \
	  --config-settings=cmake.define.FLAMECARE_WERROR=ON \
	  $(if $(CCACHE),--config-settings=cmake.define.CMAKE_CXX_COMPILER_LAUNCHER=$(CCACHE)) .
	@echo "venv: $(VENV) has flamecare $$($(VENV)/bin/flamecare --version | cut -d' ' -f2)"

# The CAREamics training tests' packages (PyTorch for the CPU, CAREamics), pinned in
# python/requirements-ml.txt, installed without dependency resolution (see that file) on top of
# the test requirements; `make test` needs them, `make venv` alone does not install them.
$(VENV)/.requirements-ml: python/requirements-ml.txt $(VENV)/.requirements
	@$(VENV_PY) -m pip install --quiet --disable-pip-version-check --no-deps -r $<
	@$(VENV_PY) -c "import torch, sys; sys.exit('torch is a CUDA build' if torch.version.cuda else 0)"
	@touch $@

venv-ml: venv $(VENV)/.requirements-ml

# python/flamecare/_core.pyi from the installed module (tests/python/test_package.py checks it).
stubs: venv
	@$(VENV_PY) -m nanobind.stubgen -q -m flamecare._core -o python/flamecare/_core.pyi

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

# Every test: format check, the release suite (unit, CLI, installed C++ package), the unit and
# CLI suites again under AddressSanitizer + UndefinedBehaviorSanitizer, the Python suite (pytest
# in the virtualenv, on the package built as users build it: the package's API and the
# numpy/tifffile/CSBDeep cross-checks, the CAREamics training runs and the Snakemake workflow,
# locally and on a one-node Slurm cluster the test starts), then a short fuzzing run.
test: format-check build venv venv-ml test-asan
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@FLAMECARE_REQUIRE_CAREAMICS=1 FLAMECARE_REQUIRE_SLURM=1 $(VENV_PY) -m pytest
	@$(MAKE) --no-print-directory test-fuzz

test-fast: build venv
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@$(VENV_PY) -m pytest

test-python: build venv
	@$(VENV_PY) -m pytest

test-asan: build-asan venv
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	  ctest --output-on-failure -j $(JOBS) -L 'unit|cli'

demo: build venv
	@bash scripts/demo.sh $(BUILD)/flamecare $(VENV_PY)

# The micro benchmarks, then bench/run.py: the end-to-end tables of docs/BENCHMARKS.md (both
# corpora, warm cache medians of 5, cold cache of 3; 5-6 minutes; corpora are kept in
# /tmp/flamecare-bench). Smaller or quicker:
# make bench BENCH_ARGS="--cases 8x512 --runs 1" or BENCH_ARGS=--quick.
BENCH_ARGS ?=
bench: build venv
	@$(BUILD)/bench/flamecare_micro_bench
	@$(VENV_PY) bench/run.py --cli $(BUILD)/flamecare --floor $(BUILD)/bench/flamecare_bench_floor \
	  $(BENCH_ARGS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(PY_BUILD) $(FUZZ_BUILD) demo-output
