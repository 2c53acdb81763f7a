#!/usr/bin/env bash
# The test command: install dependencies, build, run every test (unit at 1/2/4 ranks, e2e, fault, Slurm).
set -euo pipefail
cd "$(dirname "$0")/.."
bash jobs/build.sh
source jobs/env.sh
ctest --test-dir build --output-on-failure --timeout 900 "$@"
