#!/usr/bin/env bash
# Whole-command read time: `mpirun -np P jointfact info` on an M x N dataset, minus an empty mpirun, against
# h5py's one-process read of the same dataset (f[name][...], timed inside Python, file open included), for
# contiguous float64, contiguous float32, h5py-chunked float64 and h5py-chunked + gzip 4 (files written by h5py,
# read from the page cache). The three commands run in alternating triples so that a loaded machine slows
# them alike; the medians and minima are printed with their ratios.
#
#   usage: jobs/bench_io_info.sh [BUILD_DIR]
#   env:   SHAPE=12000x6000  NP=2  REPS=5  LAYOUTS="f64 f32 chunk gzip4"
#
# Three empty runs are subtracted in turn: `mpirun -np P true` (the launcher alone), an MPI program that
# only calls MPI_Init and MPI_Finalize (built here with mpicc: the launcher and MPI's own start-up, the fair
# counterpart of h5py's time, which excludes Python's start-up), and `jointfact info` on a 4 x 4 file (the
# launcher, MPI_Init, HDF5 and the binary, no data); the first ratio of the summary is the acceptance ratio.
# CPU seconds (user + sys) are printed too: h5py's read (inside Python) and info's per rank minus those of
# the 4 x 4 run. On a loaded machine whose scheduler shares the CPU per session (autogroup), wall time
# follows the session's total CPU, so the ratio of the ranks' summed CPU to h5py's is what the wall ratio
# there shows; on idle cores, the largest rank's CPU is.
set -euo pipefail
cd "$(dirname "$0")/.."
source jobs/env.sh
BUILD=${1:-build}
BIN=$(realpath "$BUILD/jointfact")
SHAPE=${SHAPE:-12000x6000} NP=${NP:-2} REPS=${REPS:-5}
LAYOUTS=${LAYOUTS:-"f64 f32 chunk gzip4"}
PYTHON=${PYTHON:-/usr/bin/python3}
read -r M N <<<"${SHAPE/x/ }"
WORK=$(mktemp -d /tmp/jf-bench-io.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

"$PYTHON" - "$WORK" "$M" "$N" "$LAYOUTS" <<'EOF'
import sys
import h5py
import numpy as np
work, m, n, layouts = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4].split()
w = np.random.default_rng(3).standard_normal((m, n))
options = {"f64": {}, "f32": {"dtype": "f4"}, "chunk": {"chunks": True}, "gzip4": {"compression": "gzip", "compression_opts": 4}}
with h5py.File(f"{work}/bare.h5", "w") as f:
    f["W"] = np.ones((4, 4))
for layout in layouts:
    with h5py.File(f"{work}/{layout}.h5", "w") as f:
        f.create_dataset("W", data=w, **options[layout])
        print(f"{layout}: dtype {f['W'].dtype}, chunks {f['W'].chunks}, compression {f['W'].compression}")
EOF

# The empty MPI program: start-up and shutdown only.
printf '#include <mpi.h>\nint main(int argc, char** argv) { MPI_Init(&argc, &argv); MPI_Finalize(); return 0; }\n' \
  >"$WORK/empty_mpi.c"
mpicc -O2 "$WORK/empty_mpi.c" -o "$WORK/empty_mpi"

seconds() {  # wall seconds of a command, its output discarded
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || { echo "FAILED: $*" >&2; exit 1; }
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f", b - a }'
}

h5py_seconds() {  # h5py's read of the whole dataset (open included), timed inside Python: "wall cpu"
  "$PYTHON" -c '
import sys, time, h5py
t, c = time.perf_counter(), time.process_time()
with h5py.File(sys.argv[1], "r") as f:
    a = f["W"][...]
print(f"{time.perf_counter() - t:.4f} {time.process_time() - c:.4f}")' "$1"
}

# `jointfact info` on FILE:/W at NP ranks: "wall max_rank_cpu sum_rank_cpu" (user + sys per rank).
info_seconds() {
  local start end
  rm -f "$WORK"/cpu.*
  start=$(date +%s.%N)
  mpirun -q --oversubscribe -np "$NP" bash -c \
    'exec /usr/bin/time -f "%U %S" -o "$0/cpu.$OMPI_COMM_WORLD_RANK" "$@"' "$WORK" "$BIN" info --input "$1:/W" \
    --quiet >/dev/null 2>&1 || { echo "FAILED: info $1" >&2; exit 1; }
  end=$(date +%s.%N)
  cat "$WORK"/cpu.* | awk -v a="$start" -v b="$end" '{ c = $1 + $2; s += c; if (c > m) m = c }
    END { printf "%.4f %.4f %.4f", b - a, m, s }'
}

stats() {  # "median min" of the numbers given
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.4f %.4f", m, v[1] }'
}

echo "$SHAPE, info on $NP ranks vs h5py on one process, $REPS alternating runs each (seconds: median / min)"
summary=""
for layout in $LAYOUTS; do
  file="$WORK/$layout.h5"
  h5py_seconds "$file" >/dev/null  # the file into the page cache
  h5=() info=() true_=() empty=() bare=() cpu_max=() cpu_sum=()
  for ((rep = 0; rep < REPS; rep++)); do
    read -r wall cpu <<<"$(h5py_seconds "$file")"
    h5+=("$wall")
    read -r wall info_max info_sum <<<"$(info_seconds "$file")"
    info+=("$wall")
    true_+=("$(seconds mpirun -q --oversubscribe -np "$NP" true)")
    empty+=("$(seconds mpirun -q --oversubscribe -np "$NP" "$WORK/empty_mpi")")
    read -r wall bare_max bare_sum <<<"$(info_seconds "$WORK/bare.h5")"
    bare+=("$wall")
    cpu_max+=("$(awk -v i="$info_max" -v b="$bare_max" -v h="$cpu" 'BEGIN { printf "%.4f", (i - b) / h }')")
    cpu_sum+=("$(awk -v i="$info_sum" -v b="$bare_sum" -v h="$cpu" 'BEGIN { printf "%.4f", (i - b) / h }')")
    echo "$layout run $rep: h5py wall $(printf %s "${h5[$rep]}") cpu $cpu; info wall $(printf %s "${info[$rep]}")" \
      "cpu max rank $info_max, sum $info_sum; 4x4 info cpu max $bare_max, sum $bare_sum"
  done
  read -r h5_med h5_min <<<"$(stats "${h5[@]}")"
  read -r info_med info_min <<<"$(stats "${info[@]}")"
  read -r true_med true_min <<<"$(stats "${true_[@]}")"
  read -r empty_med empty_min <<<"$(stats "${empty[@]}")"
  read -r bare_med bare_min <<<"$(stats "${bare[@]}")"
  # Per-run differences (the alternating pairs), then their median.
  minus_true=() minus_empty=() minus_bare=()
  for ((rep = 0; rep < REPS; rep++)); do
    minus_empty+=("$(awk -v a="${info[$rep]}" -v b="${empty[$rep]}" -v h="${h5[$rep]}" 'BEGIN { printf "%.4f", (a - b) / h }')")
    minus_true+=("$(awk -v a="${info[$rep]}" -v b="${true_[$rep]}" -v h="${h5[$rep]}" 'BEGIN { printf "%.4f", (a - b) / h }')")
    minus_bare+=("$(awk -v a="${info[$rep]}" -v b="${bare[$rep]}" -v h="${h5[$rep]}" 'BEGIN { printf "%.4f", (a - b) / h }')")
  done
  read -r ratio_true _ <<<"$(stats "${minus_true[@]}")"
  read -r ratio_empty _ <<<"$(stats "${minus_empty[@]}")"
  read -r ratio_bare _ <<<"$(stats "${minus_bare[@]}")"
  read -r ratio_cpu_max _ <<<"$(stats "${cpu_max[@]}")"
  read -r ratio_cpu_sum _ <<<"$(stats "${cpu_sum[@]}")"
  echo "$layout: h5py ${h5_med}/${h5_min}  info ${info_med}/${info_min}  mpirun true ${true_med}/${true_min}" \
    " empty MPI program ${empty_med}/${empty_min}  info 4x4 ${bare_med}/${bare_min}"
  echo "$layout: per-run ratios (info - mpirun true) / h5py: ${minus_true[*]}"
  echo "$layout: per-run ratios (info - empty MPI program) / h5py: ${minus_empty[*]}"
  echo "$layout: per-run ratios (info - info 4x4) / h5py: ${minus_bare[*]}"
  summary+="$(printf '%-6s wall: (info - empty MPI program) / h5py %5.2f, (info - mpirun true) / h5py %5.2f,' \
    "$layout" "$ratio_empty" "$ratio_true")"
  summary+="$(printf ' (info - info 4x4) / h5py %5.2f;' "$ratio_bare")"
  summary+="$(printf ' cpu: largest rank / h5py %5.2f, sum of ranks / h5py %5.2f' "$ratio_cpu_max" \
    "$ratio_cpu_sum")"$'\n'
done
echo
echo "median of the per-run ratios (target <= 1.5 for info minus the empty MPI program; cpu: info minus the 4 x 4" \
  "run, per rank or summed):"
printf '%s' "$summary"
