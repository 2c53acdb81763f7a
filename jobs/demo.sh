#!/usr/bin/env bash
# The demo command: checks the Debian packages, builds the jointfact binary only (the tests are built by
# jobs/test.sh), then shows the three stages on 4 ranks and draws their plots. Everything lands in demo/.
#   stages 1-2: a 2000 x 1000 rank-10 + noise matrix W whose task is its row sums (examples/demo/lowrank.toml):
#               `jointfact run` -> randomized SVD -> joint factorization; task loss at W, SVD, joint
#   stage 3:    `jointfact generate --kind hadamard` -> `jointfact butterfly`: exact to rounding, and the
#               fast product F1 (F2 (... FJ X)) against the dense A X (examples/demo/butterfly_product.py)
# Then jobs/plot_report.py draws the PNGs and examples/demo/summary.py prints "what you just saw".
# Extra arguments go to the `jointfact run` of stages 1-2 (e.g. --set input.shape=[4000,2000]).
# Environment: JF_DEMO_DIR (default demo), JF_DEMO_NP (ranks, default 4), JF_DEMO_N (Hadamard size,
# default 2048), JOINTFACT_BIN (use this binary, skip the build).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${JF_DEMO_DIR:-demo}
np=${JF_DEMO_NP:-4}
n=${JF_DEMO_N:-2048}
python=/usr/bin/python3  # Debian's, with numpy, h5py and matplotlib

say() { echo "demo: $*"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

if [ -z "${JOINTFACT_BIN:-}" ]; then
  bash cmake/install-deps.sh
  build_start=$(now_ms)
  configure_log=$(mktemp /tmp/jointfact-configure.XXXXXX)
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >"$configure_log" 2>&1 || { cat "$configure_log"; exit 1; }
  rm -f "$configure_log"
  cmake --build build -j "$(nproc)" --target jointfact
  ms=$(($(now_ms) - build_start))
  say "built build/jointfact in $((ms / 1000)).$((ms % 1000 / 100)) s (bash jobs/test.sh builds and runs the tests)"
  JOINTFACT_BIN=build/jointfact
fi
source jobs/env.sh
mkdir -p "$out"
jf() { mpirun -q --oversubscribe -np "$np" "$JOINTFACT_BIN" "$@"; }

say "stages 1-2: rank-10 SVD and joint factorization of a 2000 x 1000 low-rank + noise matrix for its" \
    "row-sum task (examples/demo/lowrank.toml, $np ranks)"
jf run examples/demo/lowrank.toml --output "$out/lowrank.h5" --no-resume "$@"

say "stage 3: butterfly factorization of the $n x $n Hadamard matrix"
jf generate --kind hadamard --shape "$n,$n" --output "$out/hadamard.h5"
jf butterfly --input "$out/hadamard.h5" --output "$out/butterfly.h5"
$python examples/demo/butterfly_product.py "$out/hadamard.h5" "$out/butterfly.h5" "$out/product.json"

say "plots"
$python jobs/plot_report.py "$out/lowrank.json"
$python jobs/plot_report.py "$out/butterfly.h5"
$python examples/demo/summary.py "$out"
