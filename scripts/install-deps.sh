#!/usr/bin/env bash
# Installs the Debian packages flamecare needs to build, test and run its demo. Python packages
# (numpy, tifffile, pandas, CSBDeep, pytest, the build backend) come from PyPI into the project
# virtualenv instead: `make venv`, pinned in python/requirements-test.txt.
# Idempotent and quiet when everything is already present.
set -euo pipefail

packages=(
  build-essential cmake pkg-config make git ccache clang-format bc
  clang-14 libclang-rt-14-dev  # make fuzz / make test: clang with its libFuzzer + ASan runtimes
  libtiff-dev nlohmann-json3-dev libcli11-dev libfmt-dev
  zlib1g-dev libdeflate-dev libisal-dev libpng-dev libcairo2-dev libtomlplusplus-dev
  libgtest-dev googletest fonts-dejavu-core imagej default-jre-headless time procps
  python3 python3-venv python3-dev
  slurm-wlm munge  # tests/python/test_workflow.py: a one-node Slurm cluster for the workflow
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "flamecare: installing missing packages: ${missing[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "flamecare: packages installed"
