#!/usr/bin/env bash
# The demo command: install dependencies, build, then run the built-in pipeline (generate a 512 x 512
# low-rank + noise matrix -> randomized SVD -> lossless joint factorization for the row-sum task ->
# butterfly factorization) on 4 ranks, and draw the report's plots. Everything lands in demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash jobs/build.sh
source jobs/env.sh
mkdir -p demo
mpirun -q --oversubscribe -np 4 build/jointfact run --output demo/out.h5 "$@"
/usr/bin/python3 jobs/plot_report.py demo/out.json
echo "demo: results in demo/out.h5, summary demo/out.json, plots demo/*.png"
