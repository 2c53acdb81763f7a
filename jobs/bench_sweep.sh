#!/usr/bin/env bash
# The measurements behind the defaults (README "Performance"): block size 32..256 and every grid shape on
# 2 and 4 ranks for the randomized SVD and the joint iterations (4000 x 3000, k = 50), then oversampling p
# and power iterations q (time and singular-value error against the exact SVD). Each configuration's
# JSON lines go to $OUT/sweep.jsonl; the summary tables are printed at the end.
#   usage: jobs/bench_sweep.sh [BUILD_DIR]     env: OUT (default BUILD_DIR/bench-results), REPS (3),
#          PARTS="layout pq" (which sweeps), SIZE (4000x3000), PQ_SIZE (2000x1500: each p, q run also
#          times the exact SVD for the accuracy reference)
set -uo pipefail
cd "$(dirname "$0")/.."
source jobs/bench_common.sh "${1:-build}"
PARTS=${PARTS:-"layout pq"}
SIZE=${SIZE:-4000x3000}
PQ_SIZE=${PQ_SIZE:-2000x1500}
SWEEP=$OUT/sweep.jsonl
bench() {
  local np=$1
  shift
  mpirun -q --oversubscribe -np "$np" "$BIN" bench "$@" --quiet | grep '^{"bench"' >"$OUT/last.jsonl"
  cat "$OUT/last.jsonl" >>"$SWEEP"
  /usr/bin/python3 - "$OUT/last.jsonl" <<'PY'
import json, sys
for r in map(json.loads, open(sys.argv[1])):
    if r["case"] != "dgemm":
        print(f"{r['bench']:5} P={r['ranks']} grid {r['grid']:4} nb {r['block']:3} p={r.get('p', '-')} "
              f"q={r.get('q', '-')}  {r['seconds']:.3f} s  floor x {r.get('floor_ratio', 0):.2f}  "
              f"sv err {r.get('sv_max_rel_error', float('nan')):.1e}")
PY
}

# Layout: each configuration runs right after the default one (near-square grid PR >= PC, block 64) on the same
# ranks, ROUNDS times; the summary is the median of time(config) / time(default) over the pairs, which
# survives the background load of a shared machine better than absolute times.
ROUNDS=${ROUNDS:-2}
if [[ " $PARTS " == *" layout "* ]]; then
  for round in $(seq "$ROUNDS"); do
    for np in 2 4; do
      grids=$([ "$np" = 2 ] && echo "1x2 2x1" || echo "1x4 2x2 4x1")
      default_grid=$([ "$np" = 2 ] && echo 2x1 || echo 2x2)
      for grid in $grids; do
        for block in 32 64 128 256; do
          [ "$grid" = "$default_grid" ] && [ "$block" = 64 ] && continue
          for config in "$default_grid 64 default" "$grid $block config"; do
            set -- $config
            bench "$np" svd "$SIZE" --grid "$1" --block "$2" --reps "$REPS" --reference none --no-exact \
              --dgemm-size 64
            bench "$np" joint "$SIZE" --grid "$1" --block "$2" --reps "$REPS" --iters 5 --dgemm-size 64
          done
        done
      done
    done
  done
fi

if [[ " $PARTS " == *" pq "* ]]; then
  # Accuracy needs the exact singular values: every run computes them with the exact fast path (the
  # bench is stateless), hence the smaller matrix.
  for q in 0 1 2 3; do
    for p in 5 10 20; do
      bench 2 svd "$PQ_SIZE" --oversample "$p" --power-iters "$q" --reps "$REPS" --reference none
    done
  done
fi

/usr/bin/python3 - "$SWEEP" <<'PY'
import json, statistics, sys
from collections import defaultdict
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
subjects = [r for r in rows if r["case"] in ("randomized", "rowsum") and r.get("p", 10) == 10
            and r.get("q", 2) == 2 and r["m"] * r["n"] >= 4000 * 3000]
default = {2: "2x1", 4: "2x2"}
ratios, times = defaultdict(list), defaultdict(list)
last_default = {}
for r in subjects:  # the file is in run order: each configuration follows its default run
    key = (r["bench"], r["ranks"])
    config = (r["bench"], r["ranks"], r["grid"], r["block"])
    times[config].append(r["seconds"])
    if r["grid"] == default.get(r["ranks"]) and r["block"] == 64:
        last_default[key] = r["seconds"]
    elif key in last_default:
        ratios[config].append(r["seconds"] / last_default.pop(key))
for bench in ("svd", "joint"):
    print(f"\n{bench}: median time / time of the default (near-square grid, nb 64) run just before it")
    print("| P | grid | nb 32 | nb 64 | nb 128 | nb 256 |")
    print("|---|---|---|---|---|---|")
    for (b, p, g) in sorted({(b, p, g) for (b, p, g, _) in times if b == bench}):
        cells = []
        for nb in (32, 64, 128, 256):
            if g == default.get(p) and nb == 64:
                cells.append("1 (default)")
            elif ratios.get((b, p, g, nb)):
                cells.append(f"{statistics.median(ratios[(b, p, g, nb)]):.2f}")
            else:
                cells.append("-")
        print(f"| {p} | {g} | " + " | ".join(cells) + " |")
pq = [r for r in rows if r["case"] == "randomized" and "sv_max_rel_error" in r]
if pq:
    print("\nrandomized svd, 2 ranks: seconds / max relative singular-value error (vs exact)")
    ps = sorted({r["p"] for r in pq})
    print("| q \\ p | " + " | ".join(f"p={p}" for p in ps) + " |")
    print("|---|" + "---|" * len(ps))
    for q in sorted({r["q"] for r in pq}):
        cells = []
        for p in ps:
            hit = [r for r in pq if r["q"] == q and r["p"] == p]
            cells.append(f"{hit[-1]['seconds']:.3f} s / {hit[-1]['sv_max_rel_error']:.1e}" if hit else "-")
        print(f"| q={q} | " + " | ".join(cells) + " |")
PY
