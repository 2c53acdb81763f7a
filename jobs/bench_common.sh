# Sourced by jobs/bench.sh and jobs/bench_sweep.sh from the repository root, with the build folder as $1:
# the MPI environment (jobs/env.sh), BUILD, BIN (the jointfact binary), OUT (results folder, created) and
# REPS (timed repetitions per case).
source jobs/env.sh
BUILD=${1:-build}
BIN=$PWD/$BUILD/jointfact
OUT=${OUT:-$BUILD/bench-results}
REPS=${REPS:-3}
mkdir -p "$OUT"
