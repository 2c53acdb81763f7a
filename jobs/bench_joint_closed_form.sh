#!/usr/bin/env bash
# Lossless regression (closed-form penalty solves) against one randomized SVD of the same matrix, both
# whole commands, measured in one run: prints each wall time and the ratio.
# Usage: jobs/bench_joint_closed_form.sh [M N S K RANKS]   (defaults 4000 3000 512 50 2)
# JOINTFACT_BIN=path/to/jointfact compares another build (default: build/jointfact of this tree). Besides the
# wall times it prints the commands' CPU seconds (user + sys of all ranks), steadier on a loaded machine.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/jobs/env.sh"
m=${1:-4000} n=${2:-3000} s=${3:-512} k=${4:-50} ranks=${5:-2}
work=$(mktemp -d /tmp/joint-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 - "$work/data.h5" "$m" "$n" "$s" <<'PY'
import sys, numpy as np, h5py
path, m, n, s = sys.argv[1], *map(int, sys.argv[2:5])
rng = np.random.default_rng(0)
r = 200  # decaying spectrum plus noise, samples with unequal feature scales, Y = Xs W^T
u = np.linalg.qr(rng.standard_normal((m, r)))[0]
v = np.linalg.qr(rng.standard_normal((n, r)))[0]
w = (u * (100 * np.exp(-np.arange(r) / 30.0))) @ v.T + 0.05 * rng.standard_normal((m, n))
xs = rng.standard_normal((s, n)) * (1 + np.arange(n) % 7)[None, :]
with h5py.File(path, "w") as f:
    f["W"], f["Xs"], f["Y"] = w, xs, xs @ w.T
PY
bin="${JOINTFACT_BIN:-$here/build/jointfact}"
# Prints "wall cpu" seconds of one command; its output goes to $work/log.
timed() {
  local t0 t1 c0 c1 me=$BASHPID
  c0=$(awk '{print $14 + $15 + $16 + $17}' /proc/$me/stat)
  t0=$(date +%s.%N)
  "$@" > "$work/log" 2>&1 || { cat "$work/log" >&2; exit 1; }
  t1=$(date +%s.%N)
  c1=$(awk '{print $14 + $15 + $16 + $17}' /proc/$me/stat)
  echo "$(echo "$t1 - $t0" | bc) $(echo "($c1 - $c0) / $(getconf CLK_TCK)" | bc -l)"
}
read -r svd_s svd_cpu < <(timed mpirun --oversubscribe -np "$ranks" "$bin" svd --input "$work/data.h5:W" --output "$work/svd.h5" --rank "$k")
read -r joint_s joint_cpu < <(timed mpirun --oversubscribe -np "$ranks" "$bin" joint --input "$work/data.h5:W" --output "$work/j.h5" \
  --rank "$k" --objective regression --samples "$work/data.h5:Xs" --responses "$work/data.h5:Y" --mode lossless --eps-rel 0.01)
grep -E "lossless k|loss_svd|loss_joint|recon_error|iterations" "$work/log"
printf 'svd (randomized, rank %s): %.2f s (cpu %.2f s)\nlossless regression:        %.2f s (cpu %.2f s)\n' \
  "$k" "$svd_s" "$svd_cpu" "$joint_s" "$joint_cpu"
printf 'ratio:                      %.2f (cpu %.2f)\n' "$(echo "$joint_s / $svd_s" | bc -l)" \
  "$(echo "$joint_cpu / $svd_cpu" | bc -l)"
