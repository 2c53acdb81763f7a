#!/usr/bin/env bash
# `jointfact bench`: every kind runs at a tiny size with --reps 1 and prints one JSON line per case that
# parses, with positive times, finite ratios and the figures each case promises (DGEMM rate, floor ratio,
# pdgesvd speedup, peak memory, bytes sent); bad arguments are exit 2 with one error line. `run` reports
# peak memory and MPI bytes per rank in /run and the JSON summary. No timing thresholds: the machine is
# shared and slow; the README's table is where speed is judged.
source "$(dirname "$0")/lib.sh"
cd "$WORK"

# check_bench NAME NP ARGS... -- PYTHON: runs the bench, then the Python check on its JSON lines (a list
# `records` of dicts, and `by_case`), with the rank count in `np`.
check_bench() {
  local name=$1 np=$2
  shift 2
  local args=()
  while [ "$1" != "--" ]; do
    args+=("$1")
    shift
  done
  local check=$2
  jf "$np" bench "${args[@]}" --reps 1 --quiet
  local code=$?
  if [ "$code" -ne 0 ]; then
    fail "$name (exit $code): $(head -c 400 "$WORK/err")"
    return
  fi
  if $PYTHON - "$WORK/out" "$np" >"$WORK/check" 2>&1 <<PY; then
import json, math, sys
lines = [line for line in open(sys.argv[1]) if line.startswith('{"bench"')]
records = [json.loads(line) for line in lines]
np_ = int(sys.argv[2])
assert records, "no machine-readable lines"
by_case = {r["case"]: r for r in records}
for r in records:
    for key in ["seconds", "seconds_median", "peak_rss_max_bytes", "peak_rss_mean_bytes"]:
        assert r[key] > 0 and math.isfinite(r[key]), (r["case"], key, r[key])
    assert r["ranks"] == np_ and r["reps"] == 1, r
    assert r["peak_rss_mean_bytes"] <= r["peak_rss_max_bytes"] + 1, r
    assert 0 <= r["bytes_sent_mean"] <= r["bytes_sent_max"], r
    for key in ["gflops", "dgemm_gflops", "floor_ratio"]:
        if key in r:
            assert r[key] > 0 and math.isfinite(r[key]), (r["case"], key, r[key])
$check
print(", ".join(f"{r['case']} {r['seconds']:.3g} s" for r in records))
PY
    pass "$name ($(cat "$WORK/check"))"
  else
    fail "$name: $(tail -n 3 "$WORK/check")"
  fi
}

# --- svd: randomized vs the DGEMM floor, the exact fast path and pdgesvd, and its products alone, on 2
# ranks and on 1
check_bench "bench svd at P=2" 2 svd 130x90 --rank 6 --dgemm-size 96 -- '
to_accuracy = [r for r in records if r["case"].startswith("to_")]
assert set(by_case) - {r["case"] for r in to_accuracy} == {"pdgesvd", "exact", "dgemm", "randomized",
                                                             "thin_products"}, sorted(by_case)
slepc = [r for r in to_accuracy if r["case"].endswith("_slepc_trlanczos")]  # only where slepc4py imports
assert sorted({r["tol"] for r in to_accuracy}) == [1e-10, 1e-06, 1e-02] and len(to_accuracy) == 6 + len(slepc)
assert len(slepc) in (0, 3) and all(r["reached"] for r in slepc), slepc
assert all(r["reached"] for r in to_accuracy if "converged" in r["case"]), to_accuracy
assert all(by_case[r["case"].replace("slepc_trlanczos", "converged")]["speedup_vs_slepc"] > 0 for r in slepc)
t = by_case["thin_products"]
assert (t["l"], t["products"], t["bytes_sent_max"]) == (16, 6, 0), t
assert t["flops"] == 6 * 2 * 130 * 90 * 16, t
assert abs(t["share_of_randomized"] - t["seconds"] / by_case["randomized"]["seconds"]) <= 1e-9, t
r = by_case["randomized"]
assert (r["m"], r["n"], r["k"], r["p"], r["q"]) == (130, 90, 6, 10, 2), r
assert abs(r["floor_ratio"] - r["seconds"] / (r["flops"] / (r["dgemm_gflops"] * 1e9))) <= 1e-9 * r["floor_ratio"]
assert r["dgemm_gflops"] == by_case["dgemm"]["gflops"]
assert r["local_dgemm_gflops"] == by_case["dgemm"]["local_dgemm_gflops"] > 0 and r["local_floor_ratio"] > 0, r
assert abs(r["speedup_vs_pdgesvd"] - by_case["pdgesvd"]["seconds"] / r["seconds"]) <= 1e-9 * r["speedup_vs_pdgesvd"]
assert r["speedup_vs_exact"] > 0
assert by_case["pdgesvd"]["residual"] < 1e-12 and by_case["exact"]["residual"] < 1e-12, by_case
assert r["residual"] < 0.5, r
assert r["bytes_sent_max"] > 0, "no MPI traffic counted at P=2"
assert r["share_max_bytes"] >= 130 * 90 * 8 / 2, r'
check_bench "bench svd at P=1, no references" 1 svd 100x60 --rank 4 --reference none --no-exact --dgemm-size 64 -- '
assert {c for c in by_case if not c.startswith("to_")} == {"dgemm", "randomized", "thin_products"}, sorted(by_case)
assert "speedup_vs_pdgesvd" not in by_case["randomized"]
assert by_case["randomized"]["bytes_sent_max"] == 0, "a single rank sends nothing"
assert by_case["randomized"]["share_max_bytes"] == 100 * 60 * 8'

# --- joint: rowsum iterations vs their GEMM floor
check_bench "bench joint at P=2" 2 joint 120x80 --rank 5 --iters 3 --dgemm-size 64 -- '
assert set(by_case) == {"dgemm", "rowsum"}, sorted(by_case)
r = by_case["rowsum"]
assert r["iterations"] == 3 and r["k"] == 5, r
assert abs(r["seconds_per_iteration"] * 3 - r["seconds"]) <= 1e-9 * r["seconds"], r'

# --- butterfly: exact recovery of a butterfly product, time vs one pass per level
check_bench "bench butterfly at P=2, two sizes" 2 butterfly 32 64 -- '
runs = [r for r in records if r["case"] == "balanced"]
assert [r["m"] for r in runs] == [32, 64] and [r["levels"] for r in runs] == [5, 6], runs
for r in runs:
    assert r["rel_error"] < 1e-12, r
    assert r["floor_ratio"] > 0 and r["floor_seconds"] > 0, r'

# --- io: read_matrix at P = 1, 2 vs one-process H5Dread of the same dataset, for each layout; files removed
check_bench "bench io at P=2" 2 io 100x70 --dir "$WORK" -- '
runs = records
layouts = ["f64", "f32", "chunk", "gzip4"]
want = {"h5read/" + l for l in layouts} | {"%s/%s/P%d" % (c, l, p) for c in ("read", "info") for l in layouts for p in (1, 2)}
assert {r["case"] for r in runs} == want, sorted({r["case"] for r in runs})
for l in layouts:
    reads = [r for r in runs if r["case"].startswith("read/" + l + "/")]
    assert sorted(r["read_ranks"] for r in reads) == [1, 2], reads
    reference = by_case["h5read/" + l]["seconds"]
    for r in reads:
        assert r["file_type_bytes"] == 100 * 70 * (4 if l == "f32" else 8), r
        assert abs(r["speedup_vs_h5read_1rank"] - reference / r["seconds"]) <= 1e-9 * r["speedup_vs_h5read_1rank"], r
    for r in (by_case["info/%s/P%d" % (l, p)] for p in (1, 2)):  # each paired with an h5py read
        assert len(r["info_over_h5py_each"]) == r["reps"] and r["info_over_h5py_median"] > 0, r'
ls "$WORK"/jointfact-bench-io-* >/dev/null 2>&1 && fail "bench io left its temporary file" ||
  pass "bench io removes its temporary file"

# --- the readable table is there too
jf 2 bench butterfly 16 --reps 1 --quiet
grep -q '^bench .* floor_x' "$WORK/out" && grep -q '^butterfly  *balanced ' "$WORK/out" &&
  pass "bench prints the readable table" || fail "no table: $(head -c 400 "$WORK/out")"

# --- bad arguments: exit 2, one line
expect_error "bench without a kind" "kind" 2 bench
expect_error "unknown bench kind" "svdd" 2 bench svdd
expect_error "malformed size" "12by4" 2 bench svd 12by4
expect_error "butterfly size not a power of two" "power" 2 bench butterfly 100 --reps 1
expect_error "rank above min(m, n)" "--rank 50" 2 bench svd 40x30 --rank 50
expect_error "zero repetitions" "--reps" 2 bench joint 40x30 --reps 0
expect_error "unknown reference" "--reference" 2 bench svd 40x30 --reference lapack

# --- `run` reports peak memory and MPI bytes per rank (max and mean) in /run and the JSON summary
expect_ok "run the demo's svd stage at P=2" 2 run --output "$WORK/run.h5" --until svd
grep -q "run: peak memory per rank .* MiB max" "$WORK/out" && pass "run logs the resource line" ||
  fail "no resource line: $(tail -n 3 "$WORK/out")"
$PYTHON - <<'PY' && pass "run: resources in /run and run.json" || fail "run resources missing"
import h5py, json
summary = json.load(open("run.json"))["resources"]
assert summary["ranks"] == 2
assert summary["peak_rss_bytes"]["max"] >= summary["peak_rss_bytes"]["mean"] > 1e6, summary
assert summary["mpi_bytes_sent"]["max"] >= summary["mpi_bytes_sent"]["mean"] > 0, summary
assert summary["stages"]["svd"]["mpi_bytes_sent"]["max"] > 0, summary
attrs = h5py.File("run.h5", "r")["run"].attrs
assert attrs["peak_rss_bytes_max"] == summary["peak_rss_bytes"]["max"]
assert attrs["mpi_bytes_sent_svd_mean"] == summary["stages"]["svd"]["mpi_bytes_sent"]["mean"]
PY

finish
