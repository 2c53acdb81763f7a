#!/bin/bash
# Converged SVD vs SLEPc trlanczos and vs the fixed-pass randomized method, in alternating rounds on the
# same ranks and the same HDF5 matrix (ratios survive a shared machine; absolute times do not).
#   jobs/bench_converged_pairs.sh MATRIX.h5 K [ROUNDS] [NP]
# Per round: SLEPc trlanczos (-svd_tol 1e-10, solve only), jointfact --residual-tol 1e-10, jointfact
# randomized q = 2, jointfact --residual-tol 1e-2, then 1e-6 (jointfact: the "factored in" time: factor + quality).
# Then numpy checks the 1e-10 output against SLEPc's singular values. Needs python3-slepc4py for SLEPc.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/env.sh"
MATRIX=$1 K=$2 ROUNDS=${3:-2} NP=${4:-2}
JF=${JF:-$HERE/../build/jointfact}
WORK=$(mktemp -d /tmp/converged-pairs-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
factored() { grep -o 'factored in [0-9.]* s' | awk '{print $3}'; }
for round in $(seq "$ROUNDS"); do
  slepc=$(mpirun --oversubscribe -np "$NP" /usr/bin/python3 "$HERE/bench_slepc_svd.py" --matrix "$MATRIX:/W" \
          --rank "$K" --tol 1e-10 --output "$WORK/slepc.json" | /usr/bin/python3 -c \
          'import json,sys; r=json.loads(sys.stdin.read()); print(r.get("seconds", "n/a"))')
  rm -f "$WORK"/*.h5
  c10=$(mpirun --oversubscribe -np "$NP" "$JF" svd --input "$MATRIX:/W" --output "$WORK/c10.h5" --rank "$K" \
        --residual-tol 1e-10 2>&1 | factored)
  q2=$(mpirun --oversubscribe -np "$NP" "$JF" svd --input "$MATRIX:/W" --output "$WORK/q2.h5" --rank "$K" 2>&1 | factored)
  c2=$(mpirun --oversubscribe -np "$NP" "$JF" svd --input "$MATRIX:/W" --output "$WORK/c2.h5" --rank "$K" \
       --residual-tol 1e-2 2>&1 | factored)
  c6=$(mpirun --oversubscribe -np "$NP" "$JF" svd --input "$MATRIX:/W" --output "$WORK/c6.h5" --rank "$K" \
       --residual-tol 1e-6 2>&1 | factored)
  echo "{\"round\": $round, \"slepc_trlanczos_1e-10\": $slepc, \"converged_1e-10\": $c10, \"randomized_q2\": $q2," \
       "\"converged_1e-2\": $c2, \"converged_1e-6\": $c6," \
       "\"converged_vs_slepc\": $(echo "$c10 / $slepc" | bc -l | cut -c1-6)," \
       "\"converged_1e-2_vs_q2\": $(echo "$c2 / $q2" | bc -l | cut -c1-6)}"
done
for run in c10 q2 c2 c6; do
  echo "$run: $(OPENBLAS_NUM_THREADS=1 /usr/bin/python3 "$HERE/check_svd_residuals.py" --matrix "$MATRIX:/W" \
        --svd "$WORK/$run.h5" --reference "$WORK/slepc.json")"
done
