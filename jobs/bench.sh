#!/usr/bin/env bash
# The README "Performance" table: every acceptance figure of issue #8 measured with its reference in the
# same run, on this machine's 2 cores. Each step appends JSON lines to $OUT/results.jsonl; the summary
# (target, measured ratio, met or missed) is printed by jobs/bench_summary.py at the end.
#   usage: jobs/bench.sh [BUILD_DIR]   env: OUT (default BUILD_DIR/bench-results), REPS (3), NUMPY_PAIRS (5),
#          STEPS="svd numpy joint butterfly memory io traffic" (the default: all) picks steps.
# pdgesvd on 4000x3000 takes minutes; the whole script ~10-15 minutes on an idle 2-core machine.
set -uo pipefail
cd "$(dirname "$0")/.."
source jobs/bench_common.sh "${1:-build}"
NUMPY_PAIRS=${NUMPY_PAIRS:-5}
STEPS=${STEPS:-"svd numpy joint butterfly memory io traffic"}
RESULTS=$OUT/results.jsonl
WORK=$(mktemp -d /tmp/jf-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
want() { [[ " $STEPS " == *" $1 "* ]]; }
# bench NP ARGS...: runs `jointfact bench` on NP ranks, shows the table, keeps the JSON lines.
bench() {
  local np=$1
  shift
  mpirun -q --oversubscribe -np "$np" "$BIN" bench "$@" --quiet | tee "$WORK/last" | grep -v '^{"bench"'
  grep '^{"bench"' "$WORK/last" >>"$RESULTS"
}

echo "# $(date -u +%FT%TZ) $(getconf _NPROCESSORS_ONLN) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(git rev-parse --short HEAD 2>/dev/null)" |
  tee -a "$OUT/log.txt"

# Randomized rank-50 SVD (p = 10, q = 2) of 4000 x 3000 on 2 ranks: vs pdgesvd, the exact fast path and
# the DGEMM floor; then numpy's randomized SVD (2 OpenBLAS threads) and jointfact's, in alternating pairs.
if want svd; then bench 2 svd 4000x3000 --rank 50 --reps "$REPS"; fi
if want numpy; then
  # Alternating pairs (numpy, then jointfact) so that drift in the machine's speed hits both sides;
  # the summary reports the median of the per-pair ratios.
  echo "{\"bench\":\"numpy_pairs_start\",\"pairs\":$NUMPY_PAIRS}" >>"$RESULTS"
  for pair in $(seq "$NUMPY_PAIRS"); do
    /usr/bin/python3 jobs/bench_numpy_rsvd.py --shape 4000,3000 --rank 50 --reps "$REPS" --threads 2 | tee "$WORK/np"
    grep '^{"bench"' "$WORK/np" >>"$RESULTS"
    bench 2 svd 4000x3000 --rank 50 --reps "$REPS" --reference none --no-exact
  done
fi

# Joint iterations (rowsum, k = 50) on 4000 x 3000 vs their GEMM floor.
if want joint; then bench 2 joint 4000x3000 --rank 50 --iters 10 --reps "$REPS"; fi

# Butterfly: the whole command (mpirun start-up, HDF5 read, factorization, write), best of 3, and the
# in-memory bench against one pass over the matrix per level.
if want butterfly; then
  for n in 1024 4096; do
    mpirun -q -np 2 "$BIN" generate --kind hadamard --shape "$n,$n" --output "$WORK/H$n.h5" --quiet
    : >"$WORK/times"
    for rep in 1 2 3; do
      TIMEFORMAT=%R
      { time mpirun -q -np 2 "$BIN" butterfly --input "$WORK/H$n.h5" --output "$WORK/B$n.h5" --quiet >/dev/null; } \
        2>>"$WORK/times"
    done
    best=$(sort -g "$WORK/times" | head -n 1)
    echo "butterfly command N=$n, 2 ranks: best of 3 = $best s"
    echo "{\"bench\":\"butterfly_cli\",\"case\":\"command\",\"m\":$n,\"n\":$n,\"ranks\":2,\"reps\":3,\"seconds\":$best}" >>"$RESULTS"
  done
  bench 2 butterfly 1024 4096 --reps "$REPS"
fi

# Peak RSS per rank at P = 4 vs P = 1 (randomized rank 50 of 8000 x 4000, the `svd` command).
if want memory; then
  bash jobs/measure-svd-memory.sh "$BUILD" | tee "$WORK/mem"
  ratio=$(sed -n 's/^ratio max peak P=4 \/ P=1 = \([0-9.]*\).*/\1/p' "$WORK/mem")
  echo "{\"bench\":\"svd_memory\",\"case\":\"peak_rss_ratio_p4_p1\",\"m\":8000,\"n\":4000,\"ranks\":4,\"ratio\":$ratio}" >>"$RESULTS"
fi

# Reading the input: read_matrix on 2 ranks vs one rank's sequential H5Dread and read(2) of the file.
if want io; then bench 2 io 4000x3000 8000x4000 --reps "$REPS" --dir "$WORK"; fi

# Bytes sent per rank as P grows (for jobs/scale_model.py): randomized svd at P = 1, 2, 4, 8.
if want traffic; then
  for np in 1 2 4 8; do bench "$np" svd 4000x3000 --rank 50 --reps 1 --reference none --no-exact --dgemm-size 512; done
fi

/usr/bin/python3 jobs/bench_summary.py "$RESULTS"
