#!/bin/bash
# The narrow local products (src/distributed/narrow_gemm.hpp) against OpenBLAS dgemm on one core, both in the
# same run (ratios survive a shared machine: thread CPU time, best of the repetitions).
#   jobs/bench_narrow_gemm.sh [SIZE=4000] [REPETITIONS=3] [L...=8 16 32 64]
# Needs a built library (build/libjointfact.a: cmake --build build --target jointfact_lib).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$HERE/..
SIZE=${1:-4000} REPETITIONS=${2:-3}
shift $(( $# < 2 ? $# : 2 ))
WIDTHS=${*:-8 16 32 64}
WORK=$(mktemp -d /tmp/bench-narrow-gemm-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mpicxx -O2 -std=c++17 -I"$ROOT/src" -I"$ROOT/include" "$HERE/bench_narrow_gemm.cpp" "${BUILD:-$ROOT/build}/libjointfact.a" \
  -lopenblas -o "$WORK/bench_narrow_gemm"
# shellcheck disable=SC2086
OPENBLAS_NUM_THREADS=1 "$WORK/bench_narrow_gemm" "$SIZE" "$REPETITIONS" $WIDTHS
