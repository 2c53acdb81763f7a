#!/usr/bin/env bash
# Installs the dependencies (cmake/install-deps.sh) and builds jointfact and its tests in build/ (Release).
# Used by jobs/demo.sh and jobs/test.sh; on its own: `bash jobs/build.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash cmake/install-deps.sh
source jobs/env.sh
# ccache, where installed, makes rebuilds of unchanged files (other clones, other branches) free.
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "${launcher[@]}"
cmake --build build -j "$(nproc)"
