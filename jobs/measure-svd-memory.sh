#!/usr/bin/env bash
# Peak resident memory per rank of `jointfact svd` (randomized) at P = 1 and P = 4 on one matrix, measured
# with /usr/bin/time -f %M around every rank, next to each rank's share of the matrix. The acceptance
# figure is max peak at P = 4 / peak at P = 1 (target <= 0.4).
#   usage: jobs/measure-svd-memory.sh [BUILD_DIR]      (env: M N K, RANKS="1 4", KEEP=1 keeps the file)
set -euo pipefail
cd "$(dirname "$0")/.."
source jobs/env.sh
BUILD=${1:-build}
M=${M:-8000} N=${N:-4000} K=${K:-50} RANKS=${RANKS:-"1 4"}
BIN=$BUILD/jointfact
WORK=$(mktemp -d /tmp/jf-svd-memory.XXXXXX)
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT

mpirun -q --oversubscribe -np 2 "$BIN" generate --kind lowrank --shape "$M,$N" --rank 100 --noise 0.1 \
  --output "$WORK/W.h5" --quiet
matrix_mib=$(awk -v m="$M" -v n="$N" 'BEGIN { printf "%.1f", m * n * 8 / 1048576 }')
echo "matrix $M x $N float64 = $matrix_mib MiB; randomized rank $K (p = 10, q = 2)"

declare -A peak
for np in $RANKS; do
  # One /usr/bin/time per rank; each writes its peak RSS (KiB) to its own file.
  mpirun -q --oversubscribe -np "$np" bash -c \
    '/usr/bin/time -f %M -o "$0/rss-$1-$OMPI_COMM_WORLD_RANK" "$2" svd --input "$0/W.h5" --output "$0/out-$1.h5" --rank "$3" --quiet' \
    "$WORK" "$np" "$BIN" "$K" >"$WORK/summary-$np"
  max=0
  line=""
  for file in "$WORK"/rss-"$np"-*; do
    kib=$(tail -n 1 "$file")
    line+=" $((kib / 1024))"
    [ "$kib" -gt "$max" ] && max=$kib
  done
  peak[$np]=$max
  share=$(awk -v mib="$matrix_mib" -v np="$np" 'BEGIN { printf "%.1f", mib / np }')
  echo "P=$np: peak RSS per rank (MiB):$line; max $((max / 1024)) MiB; matrix share $share MiB/rank; $(grep '^k:' "$WORK/summary-$np" | tr -s ' ')"
done
set -- $RANKS
if [ $# -ge 2 ]; then
  awk -v a="${peak[$2]}" -v b="${peak[$1]}" -v p="$2" -v q="$1" \
    'BEGIN { printf "ratio max peak P=%s / P=%s = %.3f (target <= 0.4)\n", p, q, a / b }'
fi
