#!/usr/bin/env bash
# Peak resident memory per rank of every stage and mode, above a bare MPI process, at several rank counts:
# randomized and exact svd, joint rowsum / regression / gradient (without and with a varying curvature H),
# fsmf, butterfly; square, tall (100:1) and
# wide (1:100) shapes. Each rank runs under /usr/bin/time -f %M (its VmHWM); the bare process is
# `jointfact info` on a 4 x 4 file at the same rank count (MPI, HDF5 and the binary, no data).
#
#   usage: jobs/bench_memory.sh [BUILD_DIR]
#   env:   RANKS="1 2 4 8"  MODES="rsvd exact rowsum regression gradient gradient-h fsmf butterfly"
#          SHAPES="square tall wide"  SQUARE=6000x3000 TALL=42000x420 WIDE=420x42000 BUTTERFLY_N=2048
#          K=20 (rank of svd / joint, columns of the fsmf supports)  KEEP=1 keeps the inputs in the work dir
#
# Prints one line per (mode, shape, P): the rank's share of the matrix, the largest peak over the ranks
# above the bare process, and that peak over the one at the first P (the acceptance ratio), then a summary
# table. Runs oversubscribed where P exceeds the cores: memory does not depend on it, time does.
set -euo pipefail
cd "$(dirname "$0")/.."
source jobs/env.sh
BUILD=${1:-build}
BIN=$(realpath "$BUILD/jointfact")
RANKS=${RANKS:-"1 2 4 8"}
MODES=${MODES:-"rsvd exact rowsum regression gradient gradient-h fsmf butterfly"}
SHAPES=${SHAPES:-"square tall wide"}
SQUARE=${SQUARE:-6000x3000} TALL=${TALL:-42000x420} WIDE=${WIDE:-420x42000}
BUTTERFLY_N=${BUTTERFLY_N:-2048}
K=${K:-20}
PYTHON=${PYTHON:-/usr/bin/python3}
WORK=$(mktemp -d /tmp/jf-bench-memory.XXXXXX)
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
echo "work dir $WORK; ranks: $RANKS; modes: $MODES; shapes: $SHAPES; k = $K"

dims() {  # shape name -> "M N"
  case "$1" in
    square) echo "${SQUARE/x/ }" ;;
    tall) echo "${TALL/x/ }" ;;
    wide) echo "${WIDE/x/ }" ;;
  esac
}

# Inputs of one shape: the matrix with row-sum targets, regression samples / responses, a gradient and a
# varying curvature, fsmf supports (K columns, a third of the entries set).
make_inputs() {
  local shape=$1 m n
  read -r m n <<<"$(dims "$shape")"
  mpirun -q --oversubscribe -np 2 "$BIN" generate --kind lowrank --shape "$m,$n" --rank 10 --noise 0.5 \
    --output "$WORK/$shape.h5" --quiet
  "$PYTHON" - "$WORK" "$shape" "$m" "$n" "$K" <<'EOF'
import sys
import h5py
import numpy as np
work, shape, m, n, k = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
rng = np.random.default_rng(7)
s = 200
with h5py.File(f"{work}/{shape}-regression.h5", "w") as f:
    f["Xs"] = rng.standard_normal((s, n))
    f["Y"] = rng.standard_normal((s, m))
with h5py.File(f"{work}/{shape}-gradient.h5", "w") as f:
    f["G"] = rng.standard_normal((m, n))
    f["H"] = np.abs(rng.standard_normal((m, n)))
with h5py.File(f"{work}/{shape}-support.h5", "w") as f:
    f["SX"] = (rng.random((m, k)) < 1 / 3).astype(np.uint8)
    f["SY"] = (rng.random((n, k)) < 1 / 3).astype(np.uint8)
EOF
}

# The command line of a mode on a shape's inputs (output into $WORK/out.h5).
mode_args() {
  local mode=$1 shape=$2 in="$WORK/$2.h5" out="$WORK/out-$1-$2.h5"
  case "$mode" in
    rsvd) echo svd --input "$in:/W" --output "$out" --rank "$K" --quiet ;;
    exact) echo svd --input "$in:/W" --output "$out" --rank "$K" --method exact --quiet ;;
    rowsum) echo joint --input "$in:/W" --output "$out" --rank "$K" --objective rowsum --targets "$in:/targets" \
      --max-iters 20 --quiet ;;
    regression) echo joint --input "$in:/W" --output "$out" --rank "$K" --objective regression \
      --samples "$WORK/$shape-regression.h5:/Xs" --responses "$WORK/$shape-regression.h5:/Y" --max-iters 20 --quiet ;;
    gradient) echo joint --input "$in:/W" --output "$out" --rank "$K" --objective gradient \
      --gradient "$WORK/$shape-gradient.h5:/G" --max-iters 20 --quiet ;;
    gradient-h) echo joint --input "$in:/W" --output "$out" --rank "$K" --objective gradient \
      --gradient "$WORK/$shape-gradient.h5:/G" --curvature "$WORK/$shape-gradient.h5:/H" --max-iters 20 --quiet ;;
    fsmf) echo fsmf --input "$in:/W" --output "$out" --support-x "$WORK/$shape-support.h5:/SX" \
      --support-y "$WORK/$shape-support.h5:/SY" --refine-iters 20 --quiet ;;
    butterfly) echo butterfly --input "$WORK/butterfly.h5:/W" --output "$out" --quiet ;;
  esac
}

# Largest VmHWM over the ranks (KiB) of `jointfact ARGS...` at np ranks.
peak_kib() {
  local np=$1 tag=$2
  shift 2
  rm -f "$WORK"/rss-"$tag"-*
  mpirun -q --oversubscribe -np "$np" bash -c \
    'tag=$1; work=$2; shift 2; exec /usr/bin/time -f %M -o "$work/rss-$tag-$OMPI_COMM_WORLD_RANK" "$@"' \
    bash "$tag" "$WORK" "$BIN" "$@" >"$WORK/log-$tag" 2>&1 || { echo "FAILED: $*" >&2; tail -3 "$WORK/log-$tag" >&2; echo 0; return; }
  local max=0 kib
  for file in "$WORK"/rss-"$tag"-*; do
    kib=$(tail -n 1 "$file")
    [ "$kib" -gt "$max" ] && max=$kib
  done
  echo "$max"
}

"$PYTHON" -c "import h5py, numpy as np; h5py.File('$WORK/bare.h5', 'w')['W'] = np.ones((4, 4))"
declare -A bare
for np in $RANKS; do bare[$np]=$(peak_kib "$np" "bare-$np" info --input "$WORK/bare.h5:/W" --quiet); done
echo "bare MPI process (jointfact info on 4 x 4), peak KiB per rank: $(for np in $RANKS; do printf 'P=%s %s  ' "$np" "${bare[$np]}"; done)"

needs_butterfly=0
for mode in $MODES; do [ "$mode" = butterfly ] && needs_butterfly=1; done
if [ "$needs_butterfly" = 1 ]; then
  mpirun -q --oversubscribe -np 2 "$BIN" generate --kind butterfly --shape "$BUTTERFLY_N,$BUTTERFLY_N" \
    --output "$WORK/butterfly.h5" --quiet
fi

set -- $RANKS
first_np=$1
table=""
for shape in $SHAPES; do
  make_inputs "$shape"
  read -r m n <<<"$(dims "$shape")"
  for mode in $MODES; do
    [ "$mode" = butterfly ] && [ "$shape" != square ] && continue  # butterfly: one square N x N matrix
    entries=$((m * n))
    label="$shape ${m}x${n}"
    if [ "$mode" = butterfly ]; then entries=$((BUTTERFLY_N * BUTTERFLY_N)); label="N=$BUTTERFLY_N"; fi
    first=0
    row="$(printf '%-10s %-18s' "$mode" "$label")"
    for np in $RANKS; do
      # shellcheck disable=SC2046
      kib=$(peak_kib "$np" "$mode-$shape-$np" $(mode_args "$mode" "$shape"))
      above=$(( kib > bare[$np] ? kib - bare[$np] : 0 ))
      [ "$np" = "$first_np" ] && first=$above
      share=$(awk -v e="$entries" -v p="$np" 'BEGIN { printf "%.1f", e * 8 / p / 1048576 }')
      ratio=$(awk -v a="$above" -v b="$first" 'BEGIN { if (b > 0) printf "%.3f", a / b; else printf "-" }')
      printf '%-10s %-18s P=%-2s share %8s MiB  peak above bare %8.1f MiB  / P=%s: %s\n' "$mode" "$label" "$np" \
        "$share" "$(awk -v k="$above" 'BEGIN { print k / 1024 }')" "$first_np" "$ratio"
      row+="$(printf ' | %7.1f (%s, %s)' "$(awk -v k="$above" 'BEGIN { print k / 1024 }')" "$share" "$ratio")"
    done
    table+="$row"$'\n'
  done
done
echo
echo "peak MiB per rank above bare (share MiB, ratio to P=$first_np), columns P = $RANKS"
printf '%s' "$table"
