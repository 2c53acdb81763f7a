#!/usr/bin/env bash
# The demo command: install dependencies, build, then generate a matrix and describe it on 4 ranks.
set -euo pipefail
cd "$(dirname "$0")/.."
bash cmake/install-deps.sh
source jobs/env.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$(nproc)"
mkdir -p demo
mpirun -q --oversubscribe -np 4 build/jointfact generate --kind lowrank --shape 2000,1000 --rank 10 --output demo/W.h5
mpirun -q --oversubscribe -np 4 build/jointfact info --input demo/W.h5
